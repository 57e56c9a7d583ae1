package publishing_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// A scheduler without a logger would drop every error it meets: New
// refuses to build one.
func TestNewRequiresALogger(t *testing.T) {
	db := storetest.Open(t, store.BackendSQLite)
	_, err := publishing.New(publishing.Params{Networks: pubtest.Networks, DB: db})
	if !errors.Is(err, publishing.ErrNoLogger) {
		t.Fatalf("New without a logger: %v, want ErrNoLogger", err)
	}
}

// When the database goes away under a running scheduler, its errors reach
// the logger it was given, as they reach the server's log in production.
func TestSchedulerErrorsReachTheLogger(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			db, err := store.Open(t.Context(), storetest.Options(t, backend))
			if err != nil {
				t.Fatal(err)
			}
			var out httpxtest.SyncBuffer
			svc, err := publishing.New(publishing.Params{Networks: pubtest.Networks, DB: db, Log: slog.New(slog.NewTextHandler(&out, nil)),
				Settings: publishing.Settings{MaxIdle: 10 * time.Millisecond},
				Resolve:  func(context.Context, publishing.Channel) (social.Publisher, error) { return nil, errors.New("unused") }})
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan struct{})
			go func() {
				defer close(done)
				svc.Run(ctx)
			}()
			defer func() { cancel(); <-done }()
			deadline := time.Now().Add(20 * time.Second)
			for !strings.Contains(out.String(), `level=ERROR msg="scheduler: claim"`) {
				if time.Now().After(deadline) {
					t.Fatalf("no claim error in the scheduler's log: %q", out.String())
				}
				time.Sleep(5 * time.Millisecond) // polling, not waiting for an outcome
			}
			if !strings.Contains(out.String(), "closed") {
				t.Fatalf("the logged error does not say why: %q", out.String())
			}
		})
	}
}
