package main

import (
	"bytes"
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/conference/conferencetest"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

const testRoom = conferencetest.Room

// roomToken signs a join token with the server's key (conferencetest.Token).
func roomToken(t *testing.T, db *store.DB, now func() time.Time, c sfu.Claims, ttl time.Duration) string {
	t.Helper()
	return conferencetest.Token(t, db, now, c, ttl)
}

func TestTokenCommandPrintsAJoinURL(t *testing.T) {
	data := storetest.DataDir(t)
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateRoom(ctx, store.Room{Slug: testRoom, Title: "ASEAN"}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	var out, errOut bytes.Buffer
	args := []string{"token", "-room", testRoom, "-identity", "ph-3", "-name", "Maria Santos", "-role", "chair", "-data", data, "-lang", "en", "-base-url", "https://chancery.example"}
	if err := dispatch(ctx, args, nil, nil, &out, &errOut); err != nil {
		t.Fatalf("token: %v; %s", err, errOut.String())
	}
	u, err := url.Parse(strings.TrimSpace(out.String()))
	if err != nil || u.Host != "chancery.example" || u.Path != "/en/rooms/"+testRoom {
		t.Fatalf("printed %q", out.String())
	}
	db, err = store.Open(ctx, store.Options{DataDir: filepath.Clean(data)})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Storage.DataDir = data
	box, err := openSecrets(cfg)
	if err != nil {
		t.Fatal(err)
	}
	key, err := conference.TokenKey(ctx, db, "", box)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := sfu.NewSigner(key, nil)
	c, err := s.Verify(u.Query().Get("t"))
	if err != nil || c.Identity != "ph-3" || c.Role != sfu.RoleChair || !c.Permissions.Moderate {
		t.Fatalf("claims = %+v, %v", c, err)
	}
	// It is recorded, so that staff can revoke it, and its ID is printed.
	room, _ := db.GetRoomBySlug(ctx, testRoom)
	if rec, err := db.GetRoomToken(ctx, room.ID, c.ID); err != nil || rec.Identity != "ph-3" || rec.Role != "chair" {
		t.Fatalf("recorded = %+v, %v", rec, err)
	}
	if !strings.Contains(errOut.String(), c.ID) {
		t.Errorf("the token ID is not printed: %q", errOut.String())
	}
	db.Close()
	// An interpreter's token names their booth.
	out.Reset()
	if err := dispatch(ctx, []string{"token", "-room", testRoom, "-identity", "int-1", "-name", "Amélie", "-role", "interpreter", "-booth", "fr", "-data", data}, nil, nil, &out, &errOut); err != nil {
		t.Fatalf("token -booth: %v; %s", err, errOut.String())
	}
	if u, err = url.Parse(strings.TrimSpace(out.String())); err != nil {
		t.Fatal(err)
	}
	if c, err := s.Verify(u.Query().Get("t")); err != nil || c.Booth != "fr" || c.Role != sfu.RoleInterpreter {
		t.Fatalf("interpreter claims = %+v, %v", c, err)
	}
	for _, bad := range [][]string{
		{"token", "-room", testRoom, "-identity", "x", "-name", "X", "-role", "delegate", "-booth", "fr", "-data", data},
		{"token", "-room", testRoom, "-identity", "x", "-name", "X", "-role", "interpreter", "-booth", "f r", "-data", data},
		{"token", "-room", testRoom, "-identity", "x", "-name", "X", "-role", "king", "-data", data},
		{"token", "-room", "nowhere", "-identity", "x", "-name", "X", "-data", data},
		{"token", "-room", testRoom, "-name", "X", "-data", data},
	} {
		err := dispatch(ctx, bad, nil, nil, &out, &errOut)
		if _, ok := err.(usageError); !ok {
			t.Errorf("%v: err = %v, want a usage error", bad, err)
		}
	}
}
