package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

func TestSignedStatements(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		issued := time.Date(2026, 3, 14, 8, 30, 5, 123456789, time.FixedZone("ICT", 7*3600))
		v1 := store.SignedStatement{Path: "/en/news/east-sea", URL: "https://mofa.example/en/news/east-sea", Lang: "en", Version: 1,
			IssuedAt: issued, Title: "Statement", Body: "Body ١٢٣ 中文", Signature: "c2ln", KeyID: "0123456789abcdef"}
		saved, err := db.SaveSignedStatement(ctx, v1, []string{"d-canonical-1", "d-text", "d-body"})
		if err != nil {
			t.Fatal(err)
		}
		if saved.ID == 0 || !saved.CreatedAt.Equal(clock.Now().UTC().Truncate(time.Microsecond)) {
			t.Errorf("saved %+v", saved)
		}
		v2 := v1
		v2.Version, v2.IssuedAt, v2.Signature = 2, issued.Add(time.Hour), "c2lnMg=="
		// Version 2 only changed the title: its body fingerprint is shared.
		if _, err := db.SaveSignedStatement(ctx, v2, []string{"d-canonical-2", "d-text-2", "d-body", "d-body"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveSignedStatement(ctx, v2, []string{"x"}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("a second signature of version 2: err = %v, want ErrConflict", err)
		}

		byPath, err := db.SignedStatementsByPath(ctx, "/en/news/east-sea")
		if err != nil {
			t.Fatal(err)
		}
		if len(byPath) != 2 || byPath[0].Version != 2 || byPath[1].Version != 1 {
			t.Fatalf("by path: %+v", byPath)
		}
		got := byPath[1]
		if got.Body != v1.Body || got.Signature != v1.Signature || got.KeyID != v1.KeyID || got.URL != v1.URL ||
			!got.IssuedAt.Equal(issued.Truncate(time.Microsecond)) || got.IssuedAt.Location() != time.UTC {
			t.Errorf("round trip: %+v", got)
		}
		for digest, want := range map[string][]int{"d-body": {2, 1}, "d-canonical-1": {1}, "d-text-2": {2}, "nothing": nil} {
			list, err := db.SignedStatementsByDigest(ctx, digest)
			if err != nil {
				t.Fatal(err)
			}
			var versions []int
			for _, s := range list {
				versions = append(versions, s.Version)
			}
			if len(versions) != len(want) || (len(want) > 0 && (versions[0] != want[0] || versions[len(versions)-1] != want[len(want)-1])) {
				t.Errorf("digest %s: versions %v, want %v", digest, versions, want)
			}
			if list == nil {
				t.Errorf("digest %s: nil list, want an empty one", digest)
			}
		}
		if list, err := db.SignedStatementsByPath(ctx, "/fr/news/east-sea"); err != nil || len(list) != 0 {
			t.Errorf("unknown path: %v %v", list, err)
		}
	})
}
