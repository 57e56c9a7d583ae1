package main

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/signing"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// sharedSigningKey makes a key file, as an operator would for instances
// that share a PostgreSQL database.
func sharedSigningKey(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "signing-key.pem")
	if _, _, err := signing.LoadOrCreateKey(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestProcessSigningKey: the embedded setup generates the ministry's key on
// first start with mode 0600, keeps it across restarts, and publishes its
// public half at the well-known URL; a configured key file is used as is.
func TestProcessSigningKey(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	p := serveChild(t, "first start", childEnv(), "-addr", "127.0.0.1:0", "-data", data)
	first := publishedKey(t, p)
	p.stop()
	path := filepath.Join(data, "signing-key.pem")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no key in the data directory: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %04o, want 0600", fi.Mode().Perm())
	}
	stored, err := signing.LoadKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !stored.Public().Equal(first) {
		t.Error("the published key is not the stored one")
	}

	again := serveChild(t, "second start", childEnv(), "-addr", "127.0.0.1:0", "-data", data)
	if !publishedKey(t, again).Equal(first) {
		t.Error("the key changed across restarts")
	}
	again.stop()

	own := sharedSigningKey(t)
	ownKey, _ := signing.LoadKey(own)
	c := serveChild(t, "configured key", childEnv("CHANCERY_SIGNING_KEY="+own), "-addr", "127.0.0.1:0", "-data", storetest.DataDir(t))
	if !publishedKey(t, c).Equal(ownKey.Public()) {
		t.Error("the configured key is not the published one")
	}
	c.stop()
}

func TestProcessSigningKeyErrors(t *testing.T) {
	open := filepath.Join(t.TempDir(), "open.pem")
	if err := os.WriteFile(open, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"missing file", []string{"CHANCERY_SIGNING_KEY=" + filepath.Join(t.TempDir(), "nope.pem")}, "no such file"},
		{"readable by others", []string{"CHANCERY_SIGNING_KEY=" + open}, "chmod 600"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runChild(t, "", childEnv(tc.env...), "-addr", "127.0.0.1:0", "-data", storetest.DataDir(t))
			if r.code == 0 || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, stderr:\n%s\nwant %q", r.code, r.stderr, tc.want)
			}
		})
	}
}

func publishedKey(t *testing.T, p *child) ed25519.PublicKey {
	t.Helper()
	r := p.wantStatus(signing.KeyPath, http.StatusOK)
	block, _ := pem.Decode([]byte(r.Body))
	if block == nil {
		t.Fatalf("%s is not PEM: %s", signing.KeyPath, r.Body)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return pub.(ed25519.PublicKey)
}
