package publishing_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// env is the publishing test environment (pubtest.Env), with what only
// these tests need added to it.
type env struct{ *pubtest.Env }

func newEnv(t *testing.T, db *store.DB, clock *storetest.Clock, set publishing.Settings) *env {
	t.Helper()
	return &env{pubtest.NewEnv(t, db, clock, set)}
}

func wantProblem(t *testing.T, err error, key string) {
	t.Helper()
	var p *fault.Problem
	if !errors.As(err, &p) || p.Key != key {
		t.Fatalf("got %v, want problem %s", err, key)
	}
}

func key(pub int64, lng string, seg int) string { return fmt.Sprintf("pub-%d-%s-%d", pub, lng, seg) }

func ok() pubtest.Step        { return pubtest.Step{} }
func transient() pubtest.Step { return fail(social.Transient, false) }

func fail(c social.Class, commit bool) pubtest.Step {
	return pubtest.Step{Fail: true, Class: c, Commit: commit, Reason: c.String() + " from the fake"}
}

func rateLimited(until time.Time) pubtest.Step {
	return pubtest.Step{Fail: true, Class: social.RateLimited, Until: until}
}
