package signing

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// TestRegistry publishes statements into both real backends and finds them
// as the verify page does: by path, by canonical digest and by the text a
// reader copies, with signatures that verify.
func TestRegistry(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		k, _ := GenerateKey()
		reg := NewRegistry(db, k)
		st := sample()
		if _, err := reg.Publish(ctx, st); err != nil {
			t.Fatal(err)
		}
		if _, err := reg.Publish(ctx, st); !errors.Is(err, store.ErrConflict) {
			t.Errorf("publishing the same version twice: err = %v, want ErrConflict", err)
		}
		bad := st
		bad.Version = 0
		if _, err := reg.Publish(ctx, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("invalid statement: err = %v", err)
		}
		c, _ := Canonical(st)
		for name, lookup := range map[string]func() ([]Signed, error){
			"path":      func() ([]Signed, error) { return reg.SignedByPath(ctx, "/en/news/east-sea") },
			"canonical": func() ([]Signed, error) { return reg.SignedByDigest(ctx, Digest(c)) },
			"copied text": func() ([]Signed, error) {
				return reg.SignedByDigest(ctx, Fingerprint("Statement on the East Sea First paragraph. Second line. Last paragraph."))
			},
		} {
			found, err := lookup()
			if err != nil || len(found) != 1 {
				t.Fatalf("%s: %v %v", name, found, err)
			}
			if !Verify(k.Public(), found[0].Statement, found[0].Signature) {
				t.Errorf("%s: the stored signature does not verify", name)
			}
			if !found[0].Issued.Equal(st.Issued.Truncate(time.Second)) && !found[0].Issued.Equal(st.Issued.Truncate(time.Microsecond)) {
				t.Errorf("%s: issued %v", name, found[0].Issued)
			}
		}
		if found, err := reg.SignedByDigest(ctx, "0000"); err != nil || len(found) != 0 {
			t.Errorf("unknown digest: %v %v", found, err)
		}
	})
}
