// Package watch detects out-of-band posts: posts that appear on one of
// Chancery's channels without Chancery having made them, the sign of a
// hijacked account (../shared/reference/social-apis.md §11, after the SEC's
// X account was taken over in January 2024).
//
// A Watcher reads each channel's recent posts through its social.Publisher
// at an interval, asks the Outbox which of them Chancery published, and
// records an alert in the store for every other post, then tells a
// Notifier. Each post alerts once, across rounds, restarts and instances
// (the store's unique key); posts made before the channel was connected are
// its baseline; a post whose publication is still in flight is not
// mistaken for an intruder; failures to read a network become the channel's
// watch health, and rate limits are honoured by every instance.
//
// It knows channels and publications only through the small interfaces
// Channels and Outbox, which cmd/server implements over the publishing
// store. It must not import cmd/ or anything that serves HTTP.
//
// For the Outbox to close the race with the scheduler, a publication must
// be in flight (InFlight) from before its network call until its remote ID
// is recorded (Published), with no moment in between where it is neither:
// the watcher reads the timeline first, then InFlight, then Published.
package watch

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
)

// Channel is one account Chancery publishes to, as the watcher sees it.
type Channel struct {
	ID      int64
	Network social.Network
	Name    string // for logs and notifications
	// Connected is when the account was connected to Chancery: posts
	// created before are its history, not alerts. Zero means the first
	// time the watcher saw the channel.
	Connected time.Time
	// Publisher reads the account's posts (Publisher.Recent).
	Publisher social.Publisher
}

// Channels lists the channels to watch: the connected ones, with a
// Publisher each. The portal is not a channel to watch.
type Channels interface {
	Watched(ctx context.Context) ([]Channel, error)
}

// Outbox is what Chancery knows of its own publications on a channel.
type Outbox interface {
	// Published returns the subset of remoteIDs that are posts Chancery
	// made on the channel (publications confirmed with their remote ID,
	// including those settled by reconciliation).
	Published(ctx context.Context, channelID int64, remoteIDs []string) (map[string]bool, error)
	// InFlight returns the texts of the channel's publications whose
	// outcome is not settled yet: being attempted now, or unknown and
	// awaiting reconciliation. Their posts may already be on the network
	// while the outbox does not know their remote IDs.
	InFlight(ctx context.Context, channelID int64) ([]string, error)
}

// Notifier is told of every new alert, once, by the instance that recorded
// it (the press office banner, a notification). The alert is stored before
// Notify is called, so a failing Notifier loses nothing.
type Notifier interface {
	Notify(ctx context.Context, ch Channel, a store.WatchAlert) error
}

// HealthNotifier, when the Notifier also implements it, is told each time
// a channel's watch state changes (ok → auth-expired, rate-limited → ok, …),
// by the instance that read the channel. A token that suddenly stops
// working is itself a sign that someone else changed the account's password.
type HealthNotifier interface {
	ChannelHealth(ctx context.Context, ch Channel, from, to string, reason string)
}

// Store keeps the watch state and the alerts (store.DB implements it).
type Store interface {
	ClaimWatch(ctx context.Context, channelID int64, owner string, lease time.Duration) (store.WatchChannel, bool, error)
	FinishWatch(ctx context.Context, channelID int64, owner string, o store.WatchOutcome) error
	RecordWatchAlert(ctx context.Context, a store.WatchAlert) (store.WatchAlert, bool, error)
}

// InternalError is the ErrorClass of a failure inside Chancery (the outbox
// or the store could not answer), rather than of the network, whose
// failures carry their social.Class name ("rate-limited", "auth-expired", …).
const InternalError = "internal"

// Defaults of Params.
const (
	DefaultInterval = 2 * time.Minute
	DefaultJitter   = 0.2
	DefaultLimit    = 40
	DefaultOverlap  = 10 * time.Minute
	// ExcerptLength is the longest excerpt an alert keeps, in characters.
	ExcerptLength = 280
)

// Params configures a Watcher.
type Params struct {
	Store    Store
	Channels Channels
	Outbox   Outbox
	// Notifier defaults to LogNotifier on Log.
	Notifier Notifier
	Log      *slog.Logger
	// Interval is the time between two reads of a channel; default
	// DefaultInterval.
	Interval time.Duration
	// Jitter spreads the rounds of several instances: each wait is
	// Interval × (1 ± Jitter), chosen at random. Default DefaultJitter;
	// between 0 and 0.5.
	Jitter float64
	// Limit is how many posts one read asks for; default DefaultLimit.
	Limit int
	// Overlap is how far before the last read's newest post the next read
	// starts, for posts that a network shows late; default DefaultOverlap.
	Overlap time.Duration
	// Owner names this instance in the channels' leases; default random.
	Owner string
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Wait waits d or until ctx ends; default a timer.
	Wait func(ctx context.Context, d time.Duration) error
	// Rand returns a number in [0, 1) for the jitter; default math/rand/v2.
	Rand func() float64
}

// Watcher detects out-of-band posts. It is safe for concurrent use; run
// one per instance.
type Watcher struct {
	p   Params
	log *slog.Logger
}

// New returns a Watcher.
func New(p Params) (*Watcher, error) {
	if p.Store == nil || p.Channels == nil || p.Outbox == nil {
		return nil, errors.New("watch: Store, Channels and Outbox are required")
	}
	if p.Log == nil {
		p.Log = slog.New(slog.DiscardHandler)
	}
	if p.Notifier == nil {
		p.Notifier = LogNotifier{Log: p.Log}
	}
	if p.Interval == 0 {
		p.Interval = DefaultInterval
	}
	if p.Interval < 0 {
		return nil, fmt.Errorf("watch: negative interval %s", p.Interval)
	}
	if p.Jitter == 0 {
		p.Jitter = DefaultJitter
	}
	if p.Jitter < 0 || p.Jitter > 0.5 {
		return nil, fmt.Errorf("watch: jitter %g is not between 0 and 0.5", p.Jitter)
	}
	if p.Limit <= 0 {
		p.Limit = DefaultLimit
	}
	if p.Overlap <= 0 {
		p.Overlap = DefaultOverlap
	}
	if p.Owner == "" {
		var b [8]byte
		rand.Read(b[:])
		p.Owner = hex.EncodeToString(b[:])
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Wait == nil {
		p.Wait = sleep
	}
	if p.Rand == nil {
		p.Rand = mrand.Float64
	}
	return &Watcher{p: p, log: p.Log.With("component", "watch", "owner", p.Owner)}, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Run checks every channel, then again after each jittered interval, until
// ctx ends; it then returns nil. Failures are logged and recorded as the
// channels' health; they never stop the loop.
func (w *Watcher) Run(ctx context.Context) error {
	// A random first wait, up to Jitter × Interval, keeps instances started
	// together from reading the networks together.
	if err := w.p.Wait(ctx, time.Duration(w.p.Rand()*w.p.Jitter*float64(w.p.Interval))); err != nil {
		return nil
	}
	for {
		if _, err := w.Check(ctx); err != nil && ctx.Err() == nil {
			w.log.Error("watch round failed", "err", err)
		}
		d := time.Duration(float64(w.p.Interval) * (1 - w.p.Jitter + 2*w.p.Jitter*w.p.Rand()))
		if err := w.p.Wait(ctx, d); err != nil {
			return nil
		}
	}
}

// Report sums up one round.
type Report struct {
	Checked  int // channels read
	Skipped  int // channels not due, or read by another instance
	Failed   int // channels whose read failed (see their health)
	Alerts   int // new alerts recorded by this round
	Deferred int // unknown posts matching a publication in flight
}

// Check reads every channel that is due once and records what it finds. Its
// error is about listing the channels; each channel's failure is in its
// health and in Report.Failed.
func (w *Watcher) Check(ctx context.Context) (Report, error) {
	var r Report
	chans, err := w.p.Channels.Watched(ctx)
	if err != nil {
		return r, fmt.Errorf("watch: list channels: %w", err)
	}
	for _, ch := range chans {
		if ctx.Err() != nil {
			return r, ctx.Err()
		}
		w.checkChannel(ctx, ch, &r)
	}
	return r, nil
}

// checkChannel runs one channel's round under its lease.
func (w *Watcher) checkChannel(ctx context.Context, ch Channel, r *Report) {
	log := w.log.With("channel", ch.ID, "network", string(ch.Network))
	started := w.p.Now()
	lease := max(w.p.Interval, time.Minute)
	state, claimed, err := w.p.Store.ClaimWatch(ctx, ch.ID, w.p.Owner, lease)
	if err != nil {
		log.Error("watch: cannot claim channel", "err", err)
		r.Failed++
		return
	}
	if !claimed {
		r.Skipped++
		return
	}
	next := started.Add(time.Duration(float64(w.p.Interval) * (1 - w.p.Jitter)))
	out, err := w.read(ctx, ch, state, r)
	if err != nil && ctx.Err() != nil {
		// Shutting down: the read was cut short, which says nothing of the
		// channel. The lease expires on its own.
		return
	}
	if err != nil {
		r.Failed++
		out = failure(err, next)
		log.Warn("watch: cannot read channel", "class", out.ErrorClass, "reason", out.Reason, "retry_at", out.RetryAt)
	} else {
		r.Checked++
		out.OK, out.NextCheck = true, next
	}
	// The outcome is saved even when ctx has ended, so that a rate limit
	// is not forgotten and the lease is released.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := w.p.Store.FinishWatch(fctx, ch.ID, w.p.Owner, out); err != nil {
		log.Error("watch: cannot save channel state", "err", err)
		return
	}
	to := store.WatchOK
	if !out.OK {
		to = out.State
	}
	if hn, ok := w.p.Notifier.(HealthNotifier); ok && to != state.State {
		hn.ChannelHealth(ctx, ch, state.State, to, out.Reason)
	}
}

// stateOf is the watch state of a failure class, as the store derives it.
func stateOf(class string) string {
	switch class {
	case social.RateLimited.String():
		return store.WatchRateLimited
	case social.AuthExpired.String():
		return store.WatchAuthExpired
	}
	return store.WatchFailing
}

// failure turns a read error into the channel's health.
func failure(err error, next time.Time) store.WatchOutcome {
	out := store.WatchOutcome{NextCheck: next, ErrorClass: InternalError, Reason: err.Error()}
	if e, ok := errors.AsType[*social.Error](err); ok {
		out.ErrorClass = e.Class.String()
		if e.Reason != "" {
			out.Reason = e.Reason
		}
		if e.Class == social.RateLimited && !e.Until.IsZero() {
			out.RetryAt = e.Until
			if e.Until.After(next) {
				out.NextCheck = e.Until
			}
		}
	}
	out.State = stateOf(out.ErrorClass)
	return out
}

// read reads ch's timeline and records alerts; the outcome it returns
// carries the new watermark.
func (w *Watcher) read(ctx context.Context, ch Channel, state store.WatchChannel, r *Report) (out store.WatchOutcome, err error) {
	defer func() {
		// A connector's bug must not end the loop of every channel.
		if v := recover(); v != nil {
			err = fmt.Errorf("watch: reading %s channel %d panicked: %v", ch.Network, ch.ID, v)
		}
	}()
	if ch.Publisher == nil {
		return out, fmt.Errorf("watch: channel %d has no publisher", ch.ID)
	}
	start := ch.Connected
	if start.IsZero() {
		start = state.StartedAt
	}
	// Networks give creation times in whole seconds (X): a post made in
	// the second of the connection is checked rather than taken as history.
	start = start.Truncate(time.Second)
	since := start
	if wm := state.Watermark.Add(-w.p.Overlap); !state.Watermark.IsZero() && wm.After(since) {
		since = wm
	}
	posts, err := ch.Publisher.Recent(ctx, since, w.p.Limit)
	if err != nil {
		return out, err
	}
	// Baseline: what the account held before Chancery watched it.
	var fresh []social.RemotePost
	var ids []string
	for _, p := range posts {
		if p.ID == "" || (!p.Created.IsZero() && p.Created.Before(start)) {
			continue
		}
		fresh = append(fresh, p)
		ids = append(ids, p.ID)
	}
	if len(fresh) == 0 {
		return out, nil
	}
	// In-flight first, published second: a publication confirmed between
	// the two reads is then seen by one of them (see Outbox).
	inflight, err := w.p.Outbox.InFlight(ctx, ch.ID)
	if err != nil {
		return out, fmt.Errorf("watch: the outbox could not list publications in flight: %w", err)
	}
	ours, err := w.p.Outbox.Published(ctx, ch.ID, ids)
	if err != nil {
		return out, fmt.Errorf("watch: the outbox could not say which posts are Chancery's: %w", err)
	}
	keys := make([]string, len(inflight))
	for i, t := range inflight {
		keys[i] = MatchKey(t)
	}
	var newest, oldestDeferred time.Time
	for _, p := range fresh {
		if p.Created.After(newest) {
			newest = p.Created
		}
		if ours[p.ID] {
			continue
		}
		if matchesAny(MatchKey(p.Text), keys) {
			r.Deferred++
			if oldestDeferred.IsZero() || p.Created.Before(oldestDeferred) {
				oldestDeferred = p.Created
			}
			continue
		}
		a, created, err := w.p.Store.RecordWatchAlert(ctx, store.WatchAlert{
			ChannelID: ch.ID, Network: string(ch.Network), RemoteID: p.ID, URL: p.URL,
			Excerpt: Excerpt(p.Text), PostedAt: p.Created,
		})
		if err != nil {
			return out, fmt.Errorf("watch: the alert could not be saved: %w", err)
		}
		if !created {
			continue
		}
		r.Alerts++
		if err := w.p.Notifier.Notify(ctx, ch, a); err != nil {
			w.log.Error("watch: notifier failed; the alert is saved", "alert", a.ID, "err", err)
		}
	}
	// The next read starts from the newest post (less Overlap), or from the
	// oldest post still waiting for its publication's outcome.
	// A deferred post may move the watermark back, so that it is read again.
	switch {
	case !oldestDeferred.IsZero():
		out.Watermark = oldestDeferred
	case newest.After(state.Watermark):
		out.Watermark = newest
	}
	return out, nil
}

// Excerpt returns the start of text for an alert: at most ExcerptLength
// characters, whitespace collapsed, "…" marking a cut.
func Excerpt(text string) string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(text, "\uFFFD")), " ")
	if utf8.RuneCountInString(s) <= ExcerptLength {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:ExcerptLength-1])) + "…"
}

// LogNotifier is the default Notifier: it logs each alert as a warning,
// and each change of a channel's watch state.
type LogNotifier struct{ Log *slog.Logger }

var _ HealthNotifier = LogNotifier{}

// ChannelHealth logs a change of ch's watch state: a warning when it
// fails, information when it recovers.
func (n LogNotifier) ChannelHealth(ctx context.Context, ch Channel, from, to, reason string) {
	level := slog.LevelWarn
	if to == store.WatchOK {
		level = slog.LevelInfo
	}
	n.Log.Log(ctx, level, "watch: channel state changed", "channel", ch.ID, "channel_name", ch.Name,
		"network", string(ch.Network), "from", from, "to", to, "reason", reason)
}

// Notify logs a.
func (n LogNotifier) Notify(_ context.Context, ch Channel, a store.WatchAlert) error {
	n.Log.Warn("out-of-band post: a post Chancery did not make appeared on a channel; check the account",
		"alert", a.ID, "channel", ch.ID, "channel_name", ch.Name, "network", a.Network,
		"remote_id", a.RemoteID, "url", a.URL, "posted_at", a.PostedAt, "excerpt", a.Excerpt)
	return nil
}
