package publishing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
)

func randFloat() float64 { return rand.Float64() }

// Run publishes what falls due until ctx ends. It sleeps until the next due
// time (or lease expiry), and wakes early when this instance or, on
// PostgreSQL, another one changes a schedule. It waits for the
// publications in flight before it returns.
func (s *Service) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() {
		for ctx.Err() == nil {
			if err := s.db.ListenSchedule(ctx, func() {
				select {
				case s.kick <- struct{}{}:
				default:
				}
			}); err != nil {
				s.log.Warn("scheduler: listen for changes", "err", err)
				sleep(ctx, time.Second)
			} else {
				return
			}
		}
	})
	slots := make(chan struct{}, s.set.Workers)
	done := make(chan struct{}, s.set.Workers)
	for ctx.Err() == nil {
		free := s.set.Workers - len(slots)
		claimed := 0
		if free > 0 {
			pubs, err := s.claim(ctx, free)
			if err != nil && ctx.Err() == nil {
				s.log.Error("scheduler: claim", "err", err)
			}
			claimed = len(pubs)
			batch := newBatch(s.db)
			for _, p := range pubs {
				slots <- struct{}{}
				wg.Go(func() {
					s.process(context.WithoutCancel(ctx), p, batch)
					<-slots
					select {
					case done <- struct{}{}:
					default:
					}
				})
			}
		}
		if claimed > 0 && claimed == free {
			// There may be more due: claim again as soon as a slot frees.
			select {
			case <-ctx.Done():
			case <-done:
			}
			continue
		}
		wait := s.set.MaxIdle
		if _, err := s.db.GetOrgPause(ctx); err == nil {
			// Paused everywhere: resuming wakes the scheduler.
			wait = s.set.MaxIdle
		} else if next, err := s.db.NextWake(ctx); err != nil {
			if ctx.Err() == nil {
				s.log.Error("scheduler: next wake", "err", err)
			}
			wait = time.Second
		} else if !next.IsZero() {
			wait = min(wait, next.Sub(s.now()))
		}
		if wait <= 0 {
			if len(slots) == 0 {
				// Due but claimed by another instance in the meantime:
				// look again shortly.
				wait = 200 * time.Millisecond
			} else {
				wait = s.set.MaxIdle
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-t.C:
		case <-s.kick:
		case <-done:
		}
		t.Stop()
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (s *Service) claim(ctx context.Context, n int) ([]store.Publication, error) {
	if _, err := s.db.GetOrgPause(ctx); err == nil {
		return nil, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return s.db.ClaimPublications(ctx, s.instance, s.set.Lease, n)
}

// Dispatch claims and publishes, one after the other, everything due now,
// and returns how many publications it handled. Tests drive the scheduler
// with it under an injected clock; Run is the same work on timers.
func (s *Service) Dispatch(ctx context.Context) (int, error) {
	total := 0
	for {
		pubs, err := s.claim(ctx, s.set.Workers)
		if err != nil {
			return total, err
		}
		if len(pubs) == 0 {
			return total, nil
		}
		var wg sync.WaitGroup
		batch := newBatch(s.db)
		for _, p := range pubs {
			wg.Go(func() { s.process(ctx, p, batch) })
		}
		wg.Wait()
		total += len(pubs)
	}
}

// run is one instance's work on one claimed publication.
type run struct {
	s     *Service
	pub   store.Publication
	ch    store.Channel
	st    store.Statement
	p     social.Publisher
	parts []part
	done  []store.PostPart
	tries int
	batch *batch
	// published is set once the publication is marked published: by the
	// last part's confirmation, or by finish.
	published bool
}

func (s *Service) process(ctx context.Context, pub store.Publication, b *batch) {
	r := &run{s: s, pub: pub, tries: pub.Tries, batch: b}
	err := r.do(ctx)
	if r.published {
		s.checkpoint()
	}
	if err != nil {
		if errors.Is(err, store.ErrLeaseLost) {
			s.log.Warn("scheduler: lease lost", "publication", pub.ID)
			return
		}
		s.log.Error("scheduler: publication", "publication", pub.ID, "err", err)
		// Release the lease so that it is tried again; the write-ahead
		// attempt, if any, makes the next run settle it first.
		// finish logs its own failure; the lease then expires instead.
		_ = r.finish(ctx, store.RunOutcome{State: store.StateScheduled, Reason: "internal error: " + err.Error(),
			NextAttemptAt: s.now().Add(s.backoff(r.tries)), CountTry: true}, "publication.error", "")
	}
}

func (r *run) finish(ctx context.Context, o store.RunOutcome, action, response string) error {
	e := store.AuditEntry{Actor: "scheduler:" + r.s.instance, Action: action, StatementID: r.pub.StatementID,
		ContentHash: r.st.ContentHash, Payload: o.Reason, Response: response}
	err := r.s.db.FinishPublication(ctx, r.pub.ID, r.s.instance, o, e)
	if err == nil && o.State == store.StatePublished {
		r.published = true
	}
	if err != nil && !errors.Is(err, store.ErrLeaseLost) {
		r.s.log.Error("scheduler: finish", "publication", r.pub.ID, "err", err)
	}
	return err
}

func (r *run) hold(ctx context.Context, held, reason string) error {
	return r.finish(ctx, store.RunOutcome{State: store.StateScheduled, Held: held, Reason: reason}, "publication.hold", "")
}

func (s *Service) backoff(tries int) time.Duration {
	d := s.set.BaseBackoff << min(tries, 12)
	d = min(d, 30*time.Minute)
	return d/2 + time.Duration(s.jit()*float64(d/2))
}

func (r *run) do(ctx context.Context) error {
	s := r.s
	var err error
	if r.ch, r.st, err = r.batch.load(ctx, r.pub); err != nil {
		return err
	}
	if r.done, err = s.db.ListParts(ctx, r.pub.ID); err != nil {
		return err
	}
	pending, err := s.db.PendingAttempt(ctx, r.pub.ID)
	started := err == nil || len(r.done) > 0 || r.tries > 0
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	now := s.now()

	if r.st.RecallState != "" && !started {
		return r.finish(ctx, store.RunOutcome{State: store.StateFailed, Reason: "recalled before publication"}, "publication.cancel", "")
	}
	// Clearance is checked again at publish time: the approvals must cover
	// exactly this content.
	if ok, err := r.cleared(ctx); err != nil {
		return err
	} else if !ok && !started {
		return r.hold(ctx, store.HeldApprovalExpired, "approval incomplete or void at publish time")
	}
	if !r.st.EmbargoUntil.IsZero() && now.Before(r.st.EmbargoUntil) {
		return r.finish(ctx, store.RunOutcome{State: store.StateScheduled, NextAttemptAt: r.st.EmbargoUntil, Reason: "under embargo"}, "publication.embargo", "")
	}
	if !started {
		ref := r.pub.DueAt
		if r.pub.NextAttemptAt.After(ref) {
			ref = r.pub.NextAttemptAt
		}
		if late := now.Sub(ref); late > s.set.Grace {
			return r.hold(ctx, store.HeldLate, fmt.Sprintf("%s late at start, beyond the grace of %s", late.Round(time.Second), s.set.Grace))
		}
	}
	if r.p, err = s.resolve(ctx, r.ch); err != nil {
		return r.finish(ctx, store.RunOutcome{State: store.StateFailed, Reason: "channel credentials not usable: " + err.Error() + "; reconnect the channel"}, "publication.fail", "")
	}
	if r.parts, err = buildParts(r.st, r.ch, r.p, r.pub.ID); err != nil {
		return r.finish(ctx, store.RunOutcome{State: store.StateFailed, Reason: err.Error()}, "publication.fail", "")
	}

	if err == nil && pending.ID != 0 {
		settled, err := r.settle(ctx, pending)
		if err != nil || !settled {
			return err
		}
	}
	for len(r.done) < len(r.parts) {
		cont, err := r.publishPart(ctx, len(r.done))
		if err != nil || !cont {
			return err
		}
	}
	if r.published {
		return nil
	}
	return r.finish(ctx, store.RunOutcome{State: store.StatePublished}, "publication.published", "")
}

func (r *run) cleared(ctx context.Context) (bool, error) {
	if r.st.State != store.StateScheduled || ContentHash(r.st) != r.st.ContentHash {
		return false, nil
	}
	aps, err := r.s.db.ListApprovals(ctx, r.st.ID)
	if err != nil {
		return false, err
	}
	n := 0
	for _, a := range aps {
		if a.ContentHash == r.st.ContentHash && a.UserID != r.st.AuthorID {
			n++
		}
	}
	return n >= r.st.ApprovalsNeeded, nil
}

// post returns part idx with its reply target filled in from the parts
// already confirmed.
func (r *run) post(idx int) social.Post {
	pt := r.parts[idx]
	if pt.replyTo >= 0 && pt.replyTo < len(r.done) {
		pt.post.ReplyTo = r.done[pt.replyTo].RemoteID
	}
	return pt.post
}

// recorder collects a call's HTTP exchanges for the audit log.
type recorder struct {
	mu sync.Mutex
	ex []social.Exchange
}

func (rec *recorder) add(e social.Exchange) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.ex = append(rec.ex, e)
}

func (rec *recorder) String() string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.ex) == 0 {
		return ""
	}
	b, _ := json.Marshal(rec.ex) // exchanges are plain data
	return string(b)
}

// payload is the audit form of a post: everything but the media bytes.
func payload(p social.Post) string {
	type media struct {
		Filename, ContentType, Alt string
		Size                       int
	}
	c := struct {
		social.Post
		Media []media
	}{Post: p}
	c.Post.Media = nil
	for _, m := range p.Media {
		c.Media = append(c.Media, media{m.Filename, m.ContentType, m.Alt, len(m.Data)})
	}
	b, _ := json.Marshal(c) // plain data
	return string(b)
}

func (r *run) callCtx(ctx context.Context) (context.Context, *recorder, context.CancelFunc) {
	rec := &recorder{}
	cctx, cancel := context.WithTimeout(ctx, r.s.set.Lease/2)
	return social.WithRecorder(cctx, rec.add), rec, cancel
}

// gate checks, immediately before an irreversible call, that neither a
// pause nor the network's rate limit forbids it; if one does, it releases
// the publication and reports stop.
func (r *run) gate(ctx context.Context) (stop bool, err error) {
	g, err := r.s.db.ChannelGate(ctx, r.ch.ID)
	if err != nil {
		return false, err
	}
	switch {
	case g.Paused:
		return true, r.finish(ctx, store.RunOutcome{State: store.StateScheduled, Reason: "paused: " + g.Reason}, "publication.paused", "")
	case g.LimitedUntil.After(r.s.now()):
		return true, r.finish(ctx, store.RunOutcome{State: store.StateScheduled, NextAttemptAt: g.LimitedUntil,
			Reason: "rate limited by the network until " + g.LimitedUntil.UTC().Format(time.RFC3339)}, "publication.rate-limited", "")
	}
	return false, nil
}

// publishPart makes part idx: pause check, write-ahead, call, outcome. It
// reports whether to go on with the next part.
func (r *run) publishPart(ctx context.Context, idx int) (bool, error) {
	s := r.s
	if stop, err := r.gate(ctx); err != nil || stop {
		return false, err
	}
	post := r.post(idx)
	e := store.AuditEntry{Actor: "scheduler:" + s.instance, Action: "publication.attempt", StatementID: r.st.ID,
		ContentHash: r.st.ContentHash, Payload: payload(post)}
	attempt, err := s.db.BeginAttempt(ctx, r.pub.ID, s.instance, s.set.Lease, idx, post.Key, e)
	if err != nil {
		return false, err
	}
	cctx, rec, cancel := r.callCtx(ctx)
	res, perr := r.p.Publish(cctx, post)
	cancel()
	return r.outcome(ctx, idx, attempt, post, res, perr, rec.String())
}

func (r *run) confirm(ctx context.Context, idx int, attempt int64, post social.Post, res social.Result, action, response string) error {
	pp := store.PostPart{Idx: idx, Key: post.Key, RemoteID: res.ID, RemoteURL: res.URL}
	final := idx == len(r.parts)-1
	if final {
		action += "+published"
	}
	e := store.AuditEntry{Actor: "scheduler:" + r.s.instance, Action: action, StatementID: r.st.ID,
		ContentHash: r.st.ContentHash, Payload: payload(post), Response: response}
	if err := r.s.db.ConfirmPart(ctx, r.pub.ID, r.s.instance, r.s.set.Lease, attempt, pp, final, e); err != nil {
		return err
	}
	r.done = append(r.done, pp)
	r.published = final
	return nil
}

func (r *run) outcome(ctx context.Context, idx int, attempt int64, post social.Post, res social.Result, perr error, response string) (bool, error) {
	s := r.s
	if perr == nil {
		err := r.confirm(ctx, idx, attempt, post, res, "publication.part", response)
		if errors.Is(err, store.ErrPostClaimed) {
			// The network answers with a post another publication
			// records: never record one post twice.
			return false, r.finish(ctx, store.RunOutcome{State: store.StateNeedsCheck, Attempt: attempt, AttemptResult: store.AttemptUnknown,
				Reason: fmt.Sprintf("the network answered part %d with post %s, which another publication records already (%v); check the account and settle by hand", idx+1, res.ID, err)},
				"publication.needs-check", response)
		}
		if err != nil {
			return false, err
		}
		return true, nil
	}
	var se *social.Error
	errors.As(perr, &se)
	reason := perr.Error()
	if se != nil && se.Reason != "" {
		reason = se.Reason
	}
	fail := func(state, held, why string, next time.Time, count bool, result string) (bool, error) {
		return false, r.finish(ctx, store.RunOutcome{State: state, Held: held, Reason: why, NextAttemptAt: next, CountTry: count,
			Attempt: attempt, AttemptResult: result}, "publication."+result, response)
	}
	switch social.ClassOf(perr) {
	case social.Transient:
		if r.tries+1 >= s.set.MaxTries {
			return fail(store.StateFailed, "", fmt.Sprintf("gave up after %d temporary failures: %s", r.tries+1, reason), time.Time{}, true, store.AttemptFailed)
		}
		return fail(store.StateScheduled, "", "temporary failure, will retry: "+reason, s.now().Add(s.backoff(r.tries)), true, store.AttemptFailed)
	case social.RateLimited:
		until := se.Until
		if until.IsZero() {
			until = s.now().Add(s.backoff(r.tries))
		}
		if err := s.db.SetChannelRateLimit(ctx, r.ch.ID, until); err != nil {
			return false, err
		}
		return fail(store.StateScheduled, "", "rate limited by the network until "+until.UTC().Format(time.RFC3339), until, false, store.AttemptFailed)
	case social.AuthExpired:
		return fail(store.StateFailed, "", "the channel's access was revoked or expired: reconnect the channel, then reschedule. "+reason, time.Time{}, false, store.AttemptFailed)
	case social.Rejected:
		return fail(store.StateFailed, "", "the network refused the content: "+reason, time.Time{}, false, store.AttemptFailed)
	case social.Duplicate:
		// The network holds such a post: perhaps the one an earlier
		// attempt made, whose answer was lost. Never failed, never sent
		// again: reconciliation finds it, or a person decides.
		e := store.AuditEntry{Actor: "scheduler:" + s.instance, Action: "publication.duplicate", StatementID: r.st.ID, PublicationID: r.pub.ID,
			ContentHash: r.st.ContentHash, Payload: reason, Response: response}
		if err := s.db.AppendAudit(ctx, e); err != nil {
			return false, err
		}
		return r.settle(ctx, store.Attempt{ID: attempt, Idx: idx, Key: post.Key, Outcome: store.AttemptDuplicate, StartedAt: r.s.now()})
	}
	// Unknown: the post may exist. Never publish again blindly.
	return r.settleUnknown(ctx, idx, attempt, post, reason, response)
}

// settleUnknown resolves an attempt whose outcome is unknown, right after
// the call.
func (r *run) settleUnknown(ctx context.Context, idx int, attempt int64, post social.Post, reason, response string) (bool, error) {
	e := store.AuditEntry{Actor: "scheduler:" + r.s.instance, Action: "publication.unknown", StatementID: r.st.ID,
		ContentHash: r.st.ContentHash, Payload: reason, Response: response}
	if err := r.s.db.AppendAudit(ctx, e); err != nil {
		return false, err
	}
	before := len(r.done)
	cont, err := r.settle(ctx, store.Attempt{ID: attempt, Idx: idx, Key: post.Key, Outcome: store.AttemptUnknown, StartedAt: r.s.now()})
	if err != nil || !cont || len(r.done) > before {
		return cont, err
	}
	// Not created: try again later rather than at once, in case the
	// network is still struggling.
	return false, r.finish(ctx, store.RunOutcome{State: store.StateScheduled, Reason: "the call failed without creating the post, will retry: " + reason,
		NextAttemptAt: r.s.now().Add(r.s.backoff(r.tries)), CountTry: true}, "publication.retry", "")
}

// settle resolves an attempt left pending (the process died during the
// call), unknown, or refused as a duplicate. Idempotent networks replay
// the call with the same key; others are asked which posts may be the
// one (see reconcile). It reports whether the publication may go on.
func (r *run) settle(ctx context.Context, at store.Attempt) (bool, error) {
	s := r.s
	if at.Idx < len(r.done) {
		// The part was confirmed; only the attempt's bookkeeping is left.
		return true, nil
	}
	if at.Idx != len(r.done) || at.Idx >= len(r.parts) {
		return false, r.finish(ctx, store.RunOutcome{State: store.StateNeedsCheck, Reason: fmt.Sprintf("attempt for part %d does not follow the confirmed parts", at.Idx),
			Attempt: at.ID, AttemptResult: store.AttemptUnknown}, "publication.needs-check", "")
	}
	post := r.post(at.Idx)
	if !r.p.Limits().Idempotent {
		return r.reconcile(ctx, at, post)
	}
	// An idempotent network may answer Reconcile, as it answers a replay,
	// by making the post: the pause is checked first.
	if stop, err := r.gate(ctx); err != nil || stop {
		return false, err
	}
	if at.Outcome == store.AttemptDuplicate {
		return r.reconcile(ctx, at, post)
	}
	// A replay with the same key returns the original post, or creates it
	// if the first call never arrived.
	e := store.AuditEntry{Actor: "scheduler:" + s.instance, Action: "publication.replay", StatementID: r.st.ID,
		ContentHash: r.st.ContentHash, Payload: payload(post)}
	if err := s.db.FinishAttemptOnly(ctx, at.ID, store.AttemptUnknown, "replayed with the same key"); err != nil {
		return false, err
	}
	attempt, err := s.db.BeginAttempt(ctx, r.pub.ID, s.instance, s.set.Lease, at.Idx, post.Key, e)
	if err != nil {
		return false, err
	}
	cctx, rec, cancel := r.callCtx(ctx)
	res, perr := r.p.Publish(cctx, post)
	cancel()
	if perr != nil && social.ClassOf(perr) == social.Unknown {
		if r.tries+1 >= s.set.MaxTries {
			return false, r.finish(ctx, store.RunOutcome{State: store.StateNeedsCheck, Reason: "outcome still unknown after replays: " + perr.Error(),
				Attempt: attempt, AttemptResult: store.AttemptUnknown, CountTry: true}, "publication.needs-check", rec.String())
		}
		return false, r.finish(ctx, store.RunOutcome{State: store.StateScheduled, Reason: "outcome unknown, will replay with the same key: " + perr.Error(),
			NextAttemptAt: s.now().Add(s.backoff(r.tries)), CountTry: true, Attempt: attempt, AttemptResult: store.AttemptUnknown}, "publication.unknown", rec.String())
	}
	cont, err := r.outcome(ctx, at.Idx, attempt, post, res, perr, rec.String())
	if err != nil || !cont {
		return false, err
	}
	return true, nil
}

// duplicatePatience is how long after a duplicate refusal the scheduler
// keeps reading the network for the post it says exists before it asks a
// person: timelines can lag longer than networks say.
const duplicatePatience = 5 * time.Minute

// since returns when the first attempt to make part idx began: no post
// made before it can be this part.
func (r *run) since(ctx context.Context, at store.Attempt) (time.Time, error) {
	first := at.StartedAt
	attempts, err := r.s.db.ListAttempts(ctx, r.pub.ID)
	if err != nil {
		return time.Time{}, err
	}
	for _, a := range attempts {
		if a.Idx == at.Idx && (first.IsZero() || a.StartedAt.Before(first)) {
			first = a.StartedAt
		}
	}
	return first, nil
}

// reconcile asks the network which posts may be part at.Idx, leaves out
// those other publications record, and decides: one is this part; none
// means the call did not take effect (believed only once the network's
// ReconcileLag has passed since the call could last have reached it:
// before that the publication is looked at again later); several, or a
// duplicate refusal with none, need a person.
func (r *run) reconcile(ctx context.Context, at store.Attempt, post social.Post) (bool, error) {
	s := r.s
	since, err := r.since(ctx, at)
	if err != nil {
		return false, err
	}
	net := string(r.p.Network())
	cctx, rec, cancel := r.callCtx(ctx)
	cands, err := r.p.Reconcile(cctx, post, since)
	cancel()
	if err != nil {
		return false, r.finish(ctx, store.RunOutcome{State: store.StateNeedsCheck,
			Reason:  "the network cannot say whether the post was created; check the account and settle by hand: " + err.Error(),
			Attempt: at.ID, AttemptResult: store.AttemptUnknown}, "publication.needs-check", rec.String())
	}
	ids := make([]string, 0, len(cands))
	for _, c := range cands {
		ids = append(ids, c.ID)
	}
	claimed, err := s.db.PostClaims(ctx, r.ch.ID, ids)
	if err != nil {
		return false, err
	}
	var free []social.Result
	var taken []string
	for _, c := range cands {
		if pub, ok := claimed[c.ID]; ok {
			taken = append(taken, fmt.Sprintf("%s (recorded by publication %d)", c.ID, pub))
			continue
		}
		free = append(free, c)
	}
	needsCheck := func(reason string) (bool, error) {
		return false, r.finish(ctx, store.RunOutcome{State: store.StateNeedsCheck, Reason: reason,
			Attempt: at.ID, AttemptResult: store.AttemptUnknown}, "publication.needs-check", rec.String())
	}
	switch {
	case len(free) == 1:
		err := r.confirm(ctx, at.Idx, at.ID, post, free[0], "publication.reconciled", rec.String())
		if errors.Is(err, store.ErrPostClaimed) {
			// Another publication recorded it in the meantime.
			return needsCheck(fmt.Sprintf("the only %s post that fits part %d was recorded meanwhile by another publication (%v); check the account and settle by hand", net, at.Idx+1, err))
		}
		if err != nil {
			return false, err
		}
		return true, nil
	case len(free) > 1:
		var where []string
		for _, c := range free {
			where = append(where, c.URL)
		}
		return needsCheck(fmt.Sprintf("%d %s posts made since %s carry exactly the text and links of part %d: %s; check which one this statement made (delete any other) and settle by hand",
			len(free), net, since.UTC().Format(time.RFC3339), at.Idx+1, strings.Join(where, ", ")))
	}
	// No post fits (yet). The call may have reached the network until it
	// was cut (half the lease), and the network may take its lag to show
	// what it made: until then, look again rather than conclude.
	wait := s.set.Lease/2 + r.p.Limits().ReconcileLag
	deadline, next, result := at.StartedAt.Add(wait), at.StartedAt.Add(wait), store.AttemptUnknown
	if b := s.now().Add(s.backoff(r.tries)); b.After(next) {
		// A network that keeps losing answers is not called again at
		// once: the backoff grows with each try.
		next = b
	}
	if at.Outcome == store.AttemptDuplicate {
		// The network says the post exists: keep looking, a while longer
		// than its lag, before asking a person.
		deadline, next, result = at.StartedAt.Add(max(wait, duplicatePatience)), s.now().Add(wait), store.AttemptDuplicate
		if next.After(deadline) {
			next = deadline
		}
	}
	if now := s.now(); now.Before(deadline) {
		return false, r.finish(ctx, store.RunOutcome{State: store.StateScheduled, NextAttemptAt: next, Attempt: at.ID, AttemptResult: result,
			CountTry: result == store.AttemptUnknown,
			Reason:   fmt.Sprintf("%s does not show the post yet; looking again at %s before deciding whether it was made", net, next.UTC().Format(time.RFC3339))},
			"publication.reconcile-wait", rec.String())
	}
	if at.Outcome == store.AttemptDuplicate {
		why := fmt.Sprintf("%s refused part %d as a duplicate, but shows no post with exactly its text and links made since the first attempt (%s)",
			net, at.Idx+1, since.UTC().Format(time.RFC3339))
		if len(taken) > 0 {
			why += " that another publication has not recorded: " + strings.Join(taken, ", ")
		}
		return needsCheck(why + "; check the account and settle by hand")
	}
	// The network shows no such post: the call did not take effect, and
	// the part may be made again.
	if err := s.db.FinishAttemptOnly(ctx, at.ID, store.AttemptFailed, "not found on the network by reconciliation"); err != nil {
		return false, err
	}
	e := store.AuditEntry{Actor: "scheduler:" + s.instance, Action: "publication.reconcile-absent", StatementID: r.st.ID, PublicationID: r.pub.ID,
		ContentHash: r.st.ContentHash, Payload: payload(post), Response: rec.String()}
	if err := s.db.AppendAudit(ctx, e); err != nil {
		return false, err
	}
	return true, nil
}
