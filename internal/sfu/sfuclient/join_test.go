package sfuclient_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

var joinKey = []byte("0123456789abcdef0123456789abcdef")

// A Joiner joins a real SFU at its /rooms/signal with tokens it signs
// (the load tools' way in, as moderating protocol participants); one with another key is refused with the
// participant named, and a key too short is refused at once.
func TestJoiner(t *testing.T) {
	signer, err := sfu.NewSigner(joinKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	box, err := secrets.NewBox(joinKey)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sfu.New(sfu.Params{Config: sfu.Config{UDPAddr: "127.0.0.1:0", Loopback: true}, Signer: signer,
		Store: conference.Store{DB: storetest.Open(t, "sqlite"), Box: box}, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/rooms/signal", srv)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		_ = srv.Close()
		hs.Close()
	})

	j, err := sfuclient.NewJoiner(hs.URL, "load-room", joinKey, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c, err := j.Join(t.Context(), "load-sub-0", sfu.Permissions{Subscribe: true, Moderate: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	other, err := sfuclient.NewJoiner(hs.URL, "load-room", []byte("fedcba9876543210fedcba9876543210"), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := other.Join(t.Context(), "load-sub-1", sfu.Permissions{Subscribe: true, Moderate: true}, nil); err == nil {
		c.Close()
		t.Error("a token of another key joined")
	} else if !strings.HasPrefix(err.Error(), "join load-sub-1: ") {
		t.Errorf("error %q does not name the participant", err)
	}
	if _, err := sfuclient.NewJoiner(hs.URL, "load-room", []byte("short"), 10*time.Second); err == nil {
		t.Error("a short key accepted")
	}
}
