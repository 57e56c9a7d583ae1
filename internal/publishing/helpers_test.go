package publishing_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// env is a press office: an author, two approvers, a clock, and fake
// networks keyed by channel ID.
type env struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	clock *storetest.Clock
	svc   *publishing.Service
	nets  map[int64]*pubtest.Network
	// others are channels served by a real publisher (the portal's).
	others   map[int64]social.Publisher
	author   publishing.Actor
	approver publishing.Actor
	second   publishing.Actor
}

func newEnv(t *testing.T, db *store.DB, clock *storetest.Clock, set publishing.Settings) *env {
	t.Helper()
	e := &env{t: t, ctx: t.Context(), db: db, clock: clock, nets: map[int64]*pubtest.Network{}, others: map[int64]social.Publisher{}}
	if set.Grace == 0 {
		set.Grace = 10 * time.Minute
	}
	set.SensitiveCategories = []string{"security"}
	e.svc = e.service(db, set, "test")
	e.author = e.user("author", account.RolePressOfficer)
	e.approver = e.user("approver", account.RoleApprover)
	e.second = e.user("second", account.RoleApprover)
	return e
}

// service builds a scheduler over db that reaches e's fake networks and
// logs to the test.
func (e *env) service(db *store.DB, set publishing.Settings, instance string) *publishing.Service {
	e.t.Helper()
	svc, err := publishing.New(publishing.Params{Networks: pubtest.Networks, DB: db, Now: e.clock.Now, Settings: set, Instance: instance, Log: testLog(e.t),
		Resolve: func(_ context.Context, ch publishing.Channel) (social.Publisher, error) {
			if p, ok := e.others[ch.ID]; ok {
				return p, nil
			}
			n, ok := e.nets[ch.ID]
			if !ok {
				return nil, errors.New("no credentials")
			}
			return n, nil
		}})
	if err != nil {
		e.t.Fatal(err)
	}
	return svc
}

// testLog sends a service's log to the test's.
func testLog(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func (e *env) user(name string, role account.Role) publishing.Actor {
	e.t.Helper()
	u, err := e.db.CreateUser(e.ctx, account.User{Username: name, DisplayName: name, Roles: []account.Role{role}})
	if err != nil {
		e.t.Fatal(err)
	}
	return publishing.ActorOf(u)
}

// channel creates a channel backed by a fresh fake network.
func (e *env) channel(name string, network social.Network, lim social.Limits, langs ...string) (publishing.Channel, *pubtest.Network) {
	e.t.Helper()
	in := publishing.ChannelInput{Network: string(network), Name: name, Languages: langs, TimeZone: "Asia/Ho_Chi_Minh"}
	if network == social.Mastodon {
		in.BaseURL = "https://mastodon.example" // the fake answers in its place
	}
	ch, err := e.svc.CreateChannel(e.ctx, e.author, in)
	if err != nil {
		e.t.Fatal(err)
	}
	n := pubtest.New(network, lim)
	n.Now = e.clock.Now
	e.nets[ch.ID] = n
	return ch, n
}

func variants(text string) []publishing.VariantInput {
	var out []publishing.VariantInput
	for _, l := range []string{"vi", "en", "fr", "es", "ru", "zh", "ar"} {
		out = append(out, publishing.VariantInput{Lang: l, Title: "T " + l, Body: text + " (" + l + ")"})
	}
	return out
}

// scheduled composes, submits and approves a statement due in `in`.
func (e *env) scheduled(in time.Duration, targets ...int64) publishing.Statement {
	e.t.Helper()
	st := e.draft(publishing.StatementInput{DueAt: e.clock.Now().Add(in), Variants: variants("Statement"), Targets: targets})
	e.submit(st.ID)
	e.approve(e.approver, st.ID)
	return st
}

func (e *env) draft(in publishing.StatementInput) publishing.Statement {
	e.t.Helper()
	st, err := e.svc.SaveStatement(e.ctx, e.author, 0, in)
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

func (e *env) submit(id int64) {
	e.t.Helper()
	if err := e.svc.Submit(e.ctx, e.author, id); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) approve(a publishing.Actor, id int64) store.ApprovalResult {
	e.t.Helper()
	st, err := e.db.GetStatement(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	r, err := e.svc.Approve(e.ctx, a, id, st.ContentHash)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) dispatch() int {
	e.t.Helper()
	n, err := e.svc.Dispatch(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) pubs(st int64) []publishing.Publication {
	e.t.Helper()
	ps, err := e.db.ListPublications(e.ctx, store.QueueFilter{StatementID: st})
	if err != nil {
		e.t.Fatal(err)
	}
	return ps
}

func (e *env) pub(st int64) publishing.Publication {
	e.t.Helper()
	ps := e.pubs(st)
	if len(ps) != 1 {
		e.t.Fatalf("want 1 publication, got %d", len(ps))
	}
	return ps[0]
}

func (e *env) wantState(st int64, state string) publishing.Publication {
	e.t.Helper()
	p := e.pub(st)
	if p.State != state {
		e.t.Fatalf("publication %d: state %q (held %q, reason %q), want %q", p.ID, p.State, p.Held, p.Reason, state)
	}
	return p
}

func wantProblem(t *testing.T, err error, key string) {
	t.Helper()
	var p *fault.Problem
	if !errors.As(err, &p) || p.Key != key {
		t.Fatalf("got %v, want problem %s", err, key)
	}
}

// verifyAudit checks the chain after every test.
func (e *env) verifyAudit() {
	e.t.Helper()
	if n, err := e.db.VerifyAudit(e.ctx); err != nil || n == 0 {
		e.t.Fatalf("audit: %d entries, %v", n, err)
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
