package x_test

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/x"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// TestRefreshWithStoredCredentials runs the OAuth 2.0 rotation on the real
// credential store, encrypted, on both backends. On PostgreSQL the two
// clients use two connection pools (two server instances): callers on both
// find the token expired and exactly one refresh reaches X; the rotated
// pair is in the database, sealed, before any request uses it.
func TestRefreshWithStoredCredentials(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			clk := &clock{now: start}
			fake := newFake(t, clk)
			o := storetest.Options(t, backend)
			dbA := storetest.OpenOptions(t, o)
			storetest.Channels(t, dbA, 77)
			dbB := dbA
			if backend == store.BackendPostgres {
				dbB = storetest.OpenOptions(t, o)
			}
			box, err := secrets.NewBox(bytes.Repeat([]byte{3}, secrets.KeySize))
			if err != nil {
				t.Fatal(err)
			}
			credsA, credsB := secrets.NewCredentials(dbA, box, 77), secrets.NewCredentials(dbB, box, 77)
			g := fake.IssueOAuth2(x.DefaultScopes...)
			fo := fake.Options()
			if err := x.Connect(ctx, credsA, x.Secret{ClientID: fo.ClientID, ClientSecret: fo.ClientSecret,
				AccessToken: g.Access, RefreshToken: g.Refresh, Expiry: g.Expiry, Scopes: g.Scopes}); err != nil {
				t.Fatal(err)
			}
			e := &env{fake: fake, clock: clk}
			a, b := e.client(t, credsA, nil), e.client(t, credsB, nil)
			clk.Advance(2*time.Hour + time.Minute)

			var wg sync.WaitGroup
			for i := range 6 {
				c := a
				if i%2 == 1 {
					c = b
				}
				wg.Go(func() {
					if _, err := c.WhoAmI(ctx); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if n := fake.RefreshCalls(); n != 1 {
				t.Fatalf("%d refresh calls, want exactly 1", n)
			}
			raw, err := credsB.Load(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var s x.Secret
			if err := json.Unmarshal(raw, &s); err != nil {
				t.Fatal(err)
			}
			if s.RefreshToken == g.Refresh || s.RefreshToken == "" || s.AccessToken == g.Access {
				t.Errorf("stored after refresh: %+v", s)
			}
			sealed, _ := dbA.ChannelCredential(ctx, 77)
			if bytes.Contains(sealed, []byte(s.RefreshToken)) {
				t.Error("the refresh token is stored in clear")
			}
			if _, err := a.Publish(ctx, social.Post{Text: "after the rotation"}); err != nil {
				t.Fatal(err)
			}
			if fake.RefreshCalls() != 1 {
				t.Error("refreshed again")
			}
		})
	}
}
