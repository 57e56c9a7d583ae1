package fakekit_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/social/socialtest/fakekit"
)

type fault int

const (
	none fault = iota
	drop
)

// A fault set is taken by one request only, even when many come at once,
// and the clock is the one set, or the real one.
func TestFaultsAndClock(t *testing.T) {
	var q fakekit.Faults[fault]
	q.Set(drop)
	var mu sync.Mutex
	taken := 0
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if q.Take() == drop {
				mu.Lock()
				taken++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if taken != 1 {
		t.Fatalf("the fault was taken %d times", taken)
	}

	var c fakekit.Clock
	if d := time.Since(c.Now()); d < 0 || d > time.Minute {
		t.Fatalf("an unset clock is %v off", d)
	}
	at := time.Date(2026, 3, 14, 8, 0, 0, 0, time.UTC)
	c.Set(func() time.Time { return at })
	if !c.Now().Equal(at) {
		t.Fatalf("Now = %v", c.Now())
	}
}

// A dropped request gets no answer at all, and the index page names the
// network beside what the fake holds.
func TestDropAndIndex(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/drop" {
			fakekit.Drop(w)
			return
		}
		fakekit.Index(w, "mastodon", map[string]any{"statuses": []string{"hello"}})
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/drop")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("a dropped request was answered %d", resp.StatusCode)
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Logf("dropped: %v", err)
	}
	resp, err = http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Network  string
		Statuses []string
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || got.Network != "mastodon" || len(got.Statuses) != 1 {
		t.Fatalf("index = %+v, %v", got, err)
	}
}
