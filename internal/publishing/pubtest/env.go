package pubtest

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// Env is the one publishing test environment: a press office with an
// author, two approvers and a clock, whose channels publish to fake
// networks (or to the real publishers put in Others). The scheduler's
// tests drive its service directly; the press office's tests serve it
// behind their handlers.
type Env struct {
	T     testing.TB
	Ctx   context.Context
	DB    *store.DB
	Clock *storetest.Clock
	Svc   *publishing.Service
	// Nets are the fake networks, by channel ID (Channel adds them).
	Nets map[int64]*Network
	// Others are channels served by a real publisher (the portal's), by
	// channel ID; they take precedence over Nets.
	Others map[int64]social.Publisher
	// Fallback, if set, resolves the channels that are in neither map
	// (channels created through the press office's pages); without it,
	// they have no credentials.
	Fallback publishing.Resolver

	Author   publishing.Actor
	Approver publishing.Actor
	Second   publishing.Actor
}

// NewEnv builds the service over db with settings set (a grace of ten
// minutes if none, "security" as the sensitive category) and creates the
// author ("author", press officer) and the approvers ("approver",
// "second").
func NewEnv(t testing.TB, db *store.DB, clock *storetest.Clock, set publishing.Settings) *Env {
	t.Helper()
	if set.Grace == 0 {
		set.Grace = 10 * time.Minute
	}
	set.SensitiveCategories = []string{"security"}
	e := Open(t, db, clock, set)
	e.Author = e.User("author", account.RolePressOfficer)
	e.Approver = e.User("approver", account.RoleApprover)
	e.Second = e.User("second", account.RoleApprover)
	return e
}

// Open builds the service over db with settings set as they are, and no
// one in it yet: for tests that bring their own people, as the press
// office's do.
func Open(t testing.TB, db *store.DB, clock *storetest.Clock, set publishing.Settings) *Env {
	t.Helper()
	e := &Env{T: t, Ctx: t.Context(), DB: db, Clock: clock, Nets: map[int64]*Network{}, Others: map[int64]social.Publisher{}}
	e.Svc = e.Service(db, set, "test")
	return e
}

// Service builds a scheduler over db that reaches e's networks (Resolve)
// and logs to the test.
func (e *Env) Service(db *store.DB, set publishing.Settings, instance string) *publishing.Service {
	e.T.Helper()
	svc, err := publishing.New(publishing.Params{Networks: Networks, DB: db, Now: e.Clock.Now, Settings: set, Instance: instance, Log: Log(e.T),
		Resolve: e.Resolve})
	if err != nil {
		e.T.Fatal(err)
	}
	return svc
}

// Resolve is the publisher resolver of e's services: Others, then Nets,
// then Fallback.
func (e *Env) Resolve(ctx context.Context, ch publishing.Channel) (social.Publisher, error) {
	if p, ok := e.Others[ch.ID]; ok {
		return p, nil
	}
	if n, ok := e.Nets[ch.ID]; ok {
		return n, nil
	}
	if e.Fallback != nil {
		return e.Fallback(ctx, ch)
	}
	return nil, errors.New("no credentials")
}

// Log sends a service's warnings and errors to the test's output.
func Log(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// User creates a user with one role and returns them as an actor.
func (e *Env) User(name string, role account.Role) publishing.Actor {
	e.T.Helper()
	u, err := e.DB.CreateUser(e.Ctx, account.User{Username: name, DisplayName: name, Roles: []account.Role{role}})
	if err != nil {
		e.T.Fatal(err)
	}
	return publishing.ActorOf(u)
}

// Channel creates a channel backed by a fresh fake network.
func (e *Env) Channel(name string, network social.Network, lim social.Limits, langs ...string) (publishing.Channel, *Network) {
	e.T.Helper()
	in := publishing.ChannelInput{Network: string(network), Name: name, Languages: langs, TimeZone: "Asia/Ho_Chi_Minh"}
	if network == social.Mastodon {
		in.BaseURL = "https://mastodon.example" // the fake answers in its place
	}
	ch, err := e.Svc.CreateChannel(e.Ctx, e.Author, in)
	if err != nil {
		e.T.Fatal(err)
	}
	n := New(network, lim)
	n.Now = e.Clock.Now
	e.Nets[ch.ID] = n
	return ch, n
}

// Variants is text in the seven languages, each with a title.
func Variants(text string) []publishing.VariantInput {
	var out []publishing.VariantInput
	for _, l := range []string{"vi", "en", "fr", "es", "ru", "zh", "ar"} {
		out = append(out, publishing.VariantInput{Lang: l, Title: "T " + l, Body: text + " (" + l + ")"})
	}
	return out
}

// Scheduled composes, submits and approves a statement due in `in`.
func (e *Env) Scheduled(in time.Duration, targets ...int64) publishing.Statement {
	e.T.Helper()
	st := e.Draft(publishing.StatementInput{DueAt: e.Clock.Now().Add(in), Variants: Variants("Statement"), Targets: targets})
	e.Submit(st.ID)
	e.Approve(e.Approver, st.ID)
	return st
}

// Draft saves a new statement as the author.
func (e *Env) Draft(in publishing.StatementInput) publishing.Statement {
	e.T.Helper()
	st, err := e.Svc.SaveStatement(e.Ctx, e.Author, 0, in)
	if err != nil {
		e.T.Fatal(err)
	}
	return st
}

// Submit submits statement id for approval as the author.
func (e *Env) Submit(id int64) {
	e.T.Helper()
	if err := e.Svc.Submit(e.Ctx, e.Author, id); err != nil {
		e.T.Fatal(err)
	}
}

// Approve approves statement id as a, for its current content.
func (e *Env) Approve(a publishing.Actor, id int64) store.ApprovalResult {
	e.T.Helper()
	st, err := e.DB.GetStatement(e.Ctx, id)
	if err != nil {
		e.T.Fatal(err)
	}
	r, err := e.Svc.Approve(e.Ctx, a, id, st.ContentHash)
	if err != nil {
		e.T.Fatal(err)
	}
	return r
}

// Dispatch runs one round of the scheduler and returns how many
// publications it started.
func (e *Env) Dispatch() int {
	e.T.Helper()
	n, err := e.Svc.Dispatch(e.Ctx)
	if err != nil {
		e.T.Fatal(err)
	}
	return n
}

// Pubs lists the publications of statement st.
func (e *Env) Pubs(st int64) []publishing.Publication {
	e.T.Helper()
	ps, err := e.DB.ListPublications(e.Ctx, store.QueueFilter{StatementID: st})
	if err != nil {
		e.T.Fatal(err)
	}
	return ps
}

// Pub is the one publication of statement st.
func (e *Env) Pub(st int64) publishing.Publication {
	e.T.Helper()
	ps := e.Pubs(st)
	if len(ps) != 1 {
		e.T.Fatalf("want 1 publication, got %d", len(ps))
	}
	return ps[0]
}

// WantState checks that the one publication of statement st is in state.
func (e *Env) WantState(st int64, state string) publishing.Publication {
	e.T.Helper()
	p := e.Pub(st)
	if p.State != state {
		e.T.Fatalf("publication %d: state %q (held %q, reason %q), want %q", p.ID, p.State, p.Held, p.Reason, state)
	}
	return p
}

// VerifyAudit checks the audit chain, and that it is not empty.
func (e *Env) VerifyAudit() {
	e.T.Helper()
	if n, err := e.DB.VerifyAudit(e.Ctx); err != nil || n == 0 {
		e.T.Fatalf("audit: %d entries, %v", n, err)
	}
}
