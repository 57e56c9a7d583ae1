package pagecache

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// TestPurgeReachesEveryInstance runs two instances on one real database
// (SQLite and PostgreSQL): a purge on one makes the other's pages stale
// within the check interval, and the generation is read from the database
// at most once per interval.
func TestPurgeReachesEveryInstance(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		counting := &countingSettings{Settings: db}
		newInstance := func(s Settings) (*Cache, http.Handler, *page) {
			pg := &page{n: 300}
			c := New(Params{Generations: NewGeneration(s, time.Second, clock.Now), Now: clock.Now,
				Private: func(*http.Request) bool { return false }})
			return c, c.Middleware(pg), pg
		}
		a, ha, _ := newInstance(db)
		_, hb, pb := newInstance(counting)
		get := func(h http.Handler) string {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", "/vi/", nil))
			return w.Header().Get("X-Cache")
		}
		get(hb)
		for range 50 {
			if got := get(hb); got != "HIT" {
				t.Fatalf("instance b: %s", got)
			}
		}
		if counting.reads != 1 {
			t.Errorf("50 requests within a second read the generation %d times, want 1", counting.reads)
		}
		get(ha)
		if err := a.Purge(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := get(ha); got != "MISS" {
			t.Errorf("instance a right after its purge: %s", got)
		}
		if got := get(hb); got != "HIT" {
			t.Errorf("instance b within the interval: %s (it may serve the old page for up to a second)", got)
		}
		clock.Advance(time.Second)
		if got := get(hb); got != "MISS" {
			t.Errorf("instance b after the interval: %s, want MISS", got)
		}
		if pb.renders.Load() != 2 {
			t.Errorf("instance b rendered %d times, want 2", pb.renders.Load())
		}
	})
}

type countingSettings struct {
	Settings
	reads int
}

func (c *countingSettings) GetSetting(ctx context.Context, key string) (string, error) {
	c.reads++
	return c.Settings.GetSetting(ctx, key)
}
