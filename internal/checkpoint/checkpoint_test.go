package checkpoint_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/checkpoint"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/signing"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// office is a press office whose scheduler signs a checkpoint after every
// publication, as cmd/server wires it.
type office struct {
	t      *testing.T
	opts   store.Options
	db     *store.DB
	clock  *storetest.Clock
	key    *signing.Key
	file   string
	w      *checkpoint.Writer
	log    *httpxtest.SyncBuffer
	svc    *publishing.Service
	net    *pubtest.Network
	ch     publishing.Channel
	author publishing.Actor
	appr   publishing.Actor
}

func newOffice(t *testing.T, backend string) *office {
	t.Helper()
	o := &office{t: t, clock: storetest.NewClock(storetest.Start), log: &httpxtest.SyncBuffer{}}
	o.opts = storetest.Options(t, backend)
	o.opts.Now = o.clock.Now
	o.db = storetest.OpenOptions(t, o.opts)
	var err error
	if o.key, err = signing.GenerateKey(); err != nil {
		t.Fatal(err)
	}
	o.file = filepath.Join(t.TempDir(), "audit-checkpoints.log")
	log := slog.New(slog.NewTextHandler(o.log, nil))
	o.w, err = checkpoint.NewWriter(checkpoint.Params{Chain: o.db, Key: o.key, File: o.file, Instance: "web-1", Now: o.clock.Now, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	o.net = pubtest.New(social.Mastodon, social.Limits{MaxLength: 500})
	o.net.Now = o.clock.Now
	o.svc, err = publishing.New(publishing.Params{Networks: pubtest.Networks, DB: o.db, Now: o.clock.Now, Log: log, Instance: "web-1",
		Resolve: func(context.Context, publishing.Channel) (social.Publisher, error) { return o.net, nil },
		// Synchronous here, so that each publication's checkpoint is
		// on file when Dispatch returns; the server kicks Run instead.
		Checkpoint: func() {
			if _, _, err := o.w.Checkpoint(context.Background()); err != nil {
				t.Error(err)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	o.author = o.user("author", account.RolePressOfficer)
	o.appr = o.user("approver", account.RoleApprover)
	if o.ch, err = o.svc.CreateChannel(t.Context(), o.author, publishing.ChannelInput{Network: "mastodon", Name: "Mastodon",
		BaseURL: "https://mastodon.example", Languages: []string{"en"}, TimeZone: "UTC"}); err != nil {
		t.Fatal(err)
	}
	return o
}

func (o *office) user(name string, role account.Role) publishing.Actor {
	o.t.Helper()
	u, err := o.db.CreateUser(o.t.Context(), account.User{Username: name, DisplayName: name, Roles: []account.Role{role}})
	if err != nil {
		o.t.Fatal(err)
	}
	return publishing.ActorOf(u)
}

// publish composes, clears and publishes one statement, and returns the
// checkpoint its publication left.
func (o *office) publish(text string) checkpoint.Checkpoint {
	o.t.Helper()
	ctx := o.t.Context()
	st, err := o.svc.SaveStatement(ctx, o.author, 0, publishing.StatementInput{DueAt: o.clock.Now().Add(time.Minute),
		Variants: []publishing.VariantInput{{Lang: "en", Body: text}}, Targets: []int64{o.ch.ID}})
	if err != nil {
		o.t.Fatal(err)
	}
	if err := o.svc.Submit(ctx, o.author, st.ID); err != nil {
		o.t.Fatal(err)
	}
	st, _ = o.db.GetStatement(ctx, st.ID)
	if _, err := o.svc.Approve(ctx, o.appr, st.ID, st.ContentHash); err != nil {
		o.t.Fatal(err)
	}
	o.clock.Advance(time.Minute)
	if n, err := o.svc.Dispatch(ctx); err != nil || n != 1 {
		o.t.Fatalf("dispatch: %d, %v", n, err)
	}
	head, err := o.db.GetAuditHead(ctx)
	if err != nil {
		o.t.Fatal(err)
	}
	cps := o.checkpoints()
	last := cps[len(cps)-1]
	if last.Seq != head.Seq || last.Head != head.Hash {
		o.t.Fatalf("after the publication the last checkpoint is %+v, the head %+v", last, head)
	}
	return last
}

func (o *office) checkpoints() []checkpoint.Checkpoint {
	o.t.Helper()
	b, err := os.ReadFile(o.file)
	if err != nil {
		o.t.Fatal(err)
	}
	var out []checkpoint.Checkpoint
	for l := range strings.Lines(string(b)) {
		c, err := checkpoint.Parse(l)
		if err != nil {
			o.t.Fatalf("%q: %v", l, err)
		}
		out = append(out, c)
	}
	return out
}

func (o *office) verify() checkpoint.Report {
	o.t.Helper()
	r, err := checkpoint.Verify(o.t.Context(), o.db, []ed25519.PublicKey{o.key.Public()}, []string{o.file})
	if err != nil {
		o.t.Fatal(err)
	}
	return r
}

// realChain publishes three statements (a checkpoint after each) and adds
// two entries that no checkpoint covers yet.
func realChain(t *testing.T, backend string) (*office, []checkpoint.Checkpoint) {
	t.Helper()
	o := newOffice(t, backend)
	var cps []checkpoint.Checkpoint
	for i := range 3 {
		cps = append(cps, o.publish(fmt.Sprint("Statement ", i)))
		o.clock.Advance(time.Hour)
	}
	for i := range 2 {
		if err := o.db.AppendAudit(t.Context(), store.AuditEntry{Actor: "olivia", Action: "test", Payload: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := o.db.VerifyAudit(t.Context()); err != nil || n != cps[2].Seq+2 {
		t.Fatalf("chain: %d entries, %v", n, err)
	}
	return o, cps
}

func wantFinding(t *testing.T, r checkpoint.Report, kind string, parts ...string) {
	t.Helper()
next:
	for _, f := range r.Findings {
		if f.Kind != kind {
			continue
		}
		for _, p := range parts {
			if !strings.Contains(f.Message, p) {
				continue next
			}
		}
		return
	}
	t.Fatalf("no %s finding saying %q in %+v", kind, parts, r.Findings)
}

// The attacks that the chain alone cannot show, on both backends: each
// passes store.VerifyAudit and is caught by the signed checkpoints.
func TestVerifyAgainstCheckpoints(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend+"/intact", func(t *testing.T) {
			o, cps := realChain(t, backend)
			r := o.verify()
			if !r.OK() || r.Checkpoints != 3 || r.Latest.Seq != cps[2].Seq || r.Entries != cps[2].Seq+2 {
				t.Fatalf("intact chain: %+v", r)
			}
			if r.Latest.By != "web-1" || !r.Latest.At.Equal(cps[2].At) {
				t.Fatalf("latest checkpoint %+v", r.Latest)
			}
		})
		t.Run(backend+"/truncated", func(t *testing.T) {
			o, cps := realChain(t, backend)
			keep := cps[1].Seq + 1 // inside the last signed stretch
			storetest.TruncateAudit(t, o.db, storetest.Raw(t, o.opts), keep)
			if n, err := o.db.VerifyAudit(t.Context()); err != nil || n != keep {
				t.Fatalf("the chain's own check should pass a clean cut: %d, %v", n, err)
			}
			r := o.verify()
			wantFinding(t, r, checkpoint.Truncated, fmt.Sprintf("the log ends at entry %d", keep),
				fmt.Sprintf("covers %d entries", cps[2].Seq), fmt.Sprintf("entries %d to %d were deleted", keep+1, cps[2].Seq), "line 3 of "+o.file)
			// The running writer notices it too, at its next checkpoint.
			if _, _, err := o.w.Checkpoint(t.Context()); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(o.log.String(), "does not extend its last signed checkpoint") {
				t.Fatalf("the writer did not log the truncation: %s", o.log.String())
			}
			// Its new checkpoint, of the shortened log, does not hide it.
			wantFinding(t, o.verify(), checkpoint.Truncated, fmt.Sprintf("entries %d to %d were deleted", keep+1, cps[2].Seq))
		})
		t.Run(backend+"/rewritten", func(t *testing.T) {
			o, cps := realChain(t, backend)
			target := cps[0].Seq + 2 // between the first and second checkpoints
			storetest.RewriteAudit(t, o.db, storetest.Raw(t, o.opts), target, `{"Text":"a statement never made"}`)
			if n, err := o.db.VerifyAudit(t.Context()); err != nil || n != cps[2].Seq+2 {
				t.Fatalf("the chain's own check should pass a recomputed chain: %d, %v", n, err)
			}
			r := o.verify()
			wantFinding(t, r, checkpoint.Rewritten, fmt.Sprintf("entry %d has hash", cps[1].Seq),
				fmt.Sprintf("rewritten at or before entry %d, after entry %d", cps[1].Seq, cps[0].Seq), "1 later checkpoints disagree", "line 2 of")
			for _, f := range r.Findings {
				if f.Kind == checkpoint.Truncated {
					t.Fatalf("a rewrite reported as truncation: %v", f)
				}
			}
		})
		t.Run(backend+"/tampered-file", func(t *testing.T) {
			o, cps := realChain(t, backend)
			b, err := os.ReadFile(o.file)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(b), "\n")
			// Someone moves the second checkpoint's head to suit a
			// rewritten log, keeping its signature.
			lines[1] = strings.Replace(lines[1], "head="+cps[1].Head, "head="+strings.Repeat("0", 64), 1)
			// And forges a checkpoint with a key of their own.
			other, _ := signing.GenerateKey()
			forged := checkpoint.Checkpoint{Seq: 1, Head: strings.Repeat("1", 64), At: o.clock.Now(), By: "web-1", KeyID: signing.KeyID(other.Public())}
			forged.Sig = other.SignCheckpoint(forged.Body())
			// And junk, one line longer than any scanner's buffer.
			lines = append(lines[:len(lines)-1], forged.Line(), "not a checkpoint", strings.Repeat("x", 1<<20), "")
			if err := os.WriteFile(o.file, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
				t.Fatal(err)
			}
			r := o.verify()
			wantFinding(t, r, checkpoint.BadSignature, "line 2 of "+o.file, fmt.Sprintf("entry %d", cps[1].Seq), "altered or forged")
			wantFinding(t, r, checkpoint.UnknownKey, "line 4 of", signing.KeyID(other.Public()))
			wantFinding(t, r, checkpoint.Malformed, "line 5 of")
			wantFinding(t, r, checkpoint.Malformed, "line 6 of")
			if r.Checkpoints != 2 {
				t.Fatalf("%d checkpoints used, want the 2 that verify", r.Checkpoints)
			}
		})
	}
}

// Without any checkpoint file, nothing vouches for the log: that is a
// finding, not a pass.
func TestVerifyWithoutCheckpoints(t *testing.T) {
	db := storetest.Open(t, store.BackendSQLite)
	if err := db.AppendAudit(t.Context(), store.AuditEntry{Actor: "olivia", Action: "test"}); err != nil {
		t.Fatal(err)
	}
	key, _ := signing.GenerateKey()
	missing := filepath.Join(t.TempDir(), "audit-checkpoints.log")
	r, err := checkpoint.Verify(t.Context(), db, []ed25519.PublicKey{key.Public()}, []string{missing})
	if err != nil {
		t.Fatal(err)
	}
	wantFinding(t, r, checkpoint.Missing, "no checkpoint file at "+missing)
	wantFinding(t, r, checkpoint.Missing, "nothing outside the database vouches for the 1 entries")
}

// A burst of publications published at once by parallel workers, each
// signing a checkpoint when it is done: every line verifies and the last
// one covers the whole log.
func TestCheckpointsUnderABurst(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			o := newOffice(t, backend)
			ctx := t.Context()
			const n = 24
			for i := range n {
				st, err := o.svc.SaveStatement(ctx, o.author, 0, publishing.StatementInput{DueAt: o.clock.Now().Add(time.Minute),
					Variants: []publishing.VariantInput{{Lang: "en", Body: fmt.Sprint("Statement ", i)}}, Targets: []int64{o.ch.ID}})
				if err != nil {
					t.Fatal(err)
				}
				if err := o.svc.Submit(ctx, o.author, st.ID); err != nil {
					t.Fatal(err)
				}
				st, _ = o.db.GetStatement(ctx, st.ID)
				if _, err := o.svc.Approve(ctx, o.appr, st.ID, st.ContentHash); err != nil {
					t.Fatal(err)
				}
			}
			o.clock.Advance(time.Minute)
			if got, err := o.svc.Dispatch(ctx); err != nil || got != n {
				t.Fatalf("dispatch: %d, %v", got, err)
			}
			head, err := o.db.GetAuditHead(ctx)
			if err != nil {
				t.Fatal(err)
			}
			r := o.verify()
			if !r.OK() || r.Checkpoints == 0 || r.Checkpoints != len(o.checkpoints()) || r.Latest.Seq != head.Seq {
				t.Fatalf("head %+v, report %+v", head, r)
			}
		})
	}
}
