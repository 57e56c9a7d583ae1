package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// BenchmarkCachedArticle is the whole handler chain answering an anonymous
// reader's repeat visit to an article from the page cache, without the
// network: the server's own cost per request. Run with
//
//	go test -run '^$' -bench CachedArticle -benchmem ./cmd/server/
func BenchmarkCachedArticle(b *testing.B) {
	clock := storetest.NewClock(storetest.Start)
	db := storetest.OpenWithClock(b, store.BackendSQLite, clock.Now)
	cfg := testConfig()
	cfg.Demo = true
	a, err := build(context.Background(), cfg, "http://"+displayAddr(cfg.HTTP.Addr), db, slog.New(slog.DiscardHandler), io.Discard, buildOptions{now: clock.Now, argon2: cheapArgon})
	if err != nil {
		b.Fatal(err)
	}
	closeSFU(b, a)
	// The request comes to the server's own host: another would be sent
	// there (308) by the canonical-host check.
	r := httptest.NewRequest(http.MethodGet, "http://"+displayAddr(cfg.HTTP.Addr)+"/en/news/digital-diplomacy-forum-opens", nil)
	w := httptest.NewRecorder()
	a.handler.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		b.Fatalf("status %d", w.Code)
	}
	b.ReportAllocs()
	for b.Loop() {
		w := discard{h: http.Header{}}
		a.handler.ServeHTTP(&w, r)
		if w.code != http.StatusOK {
			b.Fatalf("status %d", w.code)
		}
	}
}

// discard is a ResponseWriter that keeps nothing but the status.
type discard struct {
	h    http.Header
	code int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(code int)        { d.code = code }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
