// Package conferencetest is the shared kit of the tests that join
// conference rooms (internal/conference's and cmd/server's): the
// credentials key test servers seal the join-token key with, and join
// tokens signed with the key a server over a database keeps.
//
// Only tests import it. It must not import cmd/.
package conferencetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

// Room is the slug of the tests' room.
const Room = "asean-digital-2026"

// Box is the credentials key of test servers, so that tests can open
// what a server sealed (the join-token key).
var Box = func() *secrets.Box {
	b, err := secrets.NewBox(bytes.Repeat([]byte{0x5e}, secrets.KeySize))
	if err != nil {
		panic(err)
	}
	return b
}()

// Token signs a join token with the key a server over db keeps
// (generated and kept in the database, sealed with Box, on first start);
// the claims' room is Room unless they name one.
func Token(t testing.TB, db *store.DB, now func() time.Time, c sfu.Claims, ttl time.Duration) string {
	t.Helper()
	key, err := conference.TokenKey(t.Context(), db, "", Box)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sfu.NewSigner(key, now)
	if err != nil {
		t.Fatal(err)
	}
	if c.Room == "" {
		c.Room = Room
	}
	tok, err := s.Issue(c, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
