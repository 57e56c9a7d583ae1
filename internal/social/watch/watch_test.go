package watch_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/outbound/outboundtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/mastodon/mastodonfake"
	"github.com/mofa-vn/chancery/internal/social/telegram"
	"github.com/mofa-vn/chancery/internal/social/watch"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

var _ watch.Store = (*store.DB)(nil)

const interval = 2 * time.Minute

func newWatcher(t *testing.T, db watch.Store, chans watch.Channels, ob watch.Outbox, n watch.Notifier, now func() time.Time, owner string) *watch.Watcher {
	t.Helper()
	w, err := watch.New(watch.Params{Store: db, Channels: chans, Outbox: ob, Notifier: n, Now: now, Owner: owner,
		Interval: interval, Jitter: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func check(t *testing.T, w *watch.Watcher) watch.Report {
	t.Helper()
	r, err := w.Check(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func alerts(t *testing.T, db *store.DB, channel int64) []store.WatchAlert {
	t.Helper()
	list, err := db.WatchAlerts(t.Context(), store.WatchAlertFilter{ChannelID: channel})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// TestOutOfBandPostAlertsOnce is the press office's view: Chancery
// publishes a statement, someone posts on the account directly, and
// exactly one alert names that post, whatever the rounds and restarts.
func TestOutOfBandPostAlertsOnce(t *testing.T) {
	for _, net := range []struct {
		name string
		open func(t *testing.T, now func() time.Time) *network
	}{
		{"mastodon", func(t *testing.T, now func() time.Time) *network { return newMastodon(t, 11, now) }},
		{"x", func(t *testing.T, now func() time.Time) *network { return newX(t, 12, now, 0) }},
		{"bluesky", func(t *testing.T, now func() time.Time) *network { return newBluesky(t, 13, now) }},
		{"facebook", func(t *testing.T, now func() time.Time) *network { return newFacebook(t, 14, now) }},
		{"linkedin", func(t *testing.T, now func() time.Time) *network { return newLinkedIn(t, 15, now) }},
	} {
		t.Run(net.name, func(t *testing.T) {
			storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
				storetest.Channels(t, db, 71)
				n := net.open(t, clock.Now)
				// Before the account was connected: its history, not alerts.
				old := n.outOfBand(t, "Thông cáo cũ, đăng trước khi kết nối Chancery.")
				clock.Advance(time.Hour)
				n.ch.Connected = clock.Now()
				ob := newOutbox()
				ours := ob.publish(t, n.ch, "pub-1-0", "Bộ Ngoại giao hoan nghênh thỏa thuận ngừng bắn. https://mofa.gov.vn/vi/tuyen-bo/1")
				clock.Advance(time.Minute)
				hijack := n.outOfBand(t, "Giveaway! Send 1 BTC to claim 2 — official & verified <3")
				posted := clock.Now()
				clock.Advance(10 * time.Second)

				note := &notes{}
				chans := &channels{list: []watch.Channel{n.ch}}
				w := newWatcher(t, db, chans, ob, note, clock.Now, "instance-a")
				r := check(t, w)
				if r.Alerts != 1 || r.Checked != 1 || r.Failed != 0 {
					t.Fatalf("first round = %+v, want one alert", r)
				}
				got := alerts(t, db, n.ch.ID)
				if len(got) != 1 {
					t.Fatalf("alerts = %+v, want one", got)
				}
				a := got[0]
				if a.RemoteID != hijack || a.RemoteID == ours.ID || a.RemoteID == old {
					t.Fatalf("alert for %q; hijack %q, ours %q, old %q", a.RemoteID, hijack, ours.ID, old)
				}
				if a.Network != net.name || a.URL == "" || a.Excerpt != "Giveaway! Send 1 BTC to claim 2 — official & verified <3" ||
					!a.DetectedAt.Equal(clock.Now().Truncate(time.Microsecond)) || !a.Open() {
					t.Fatalf("alert = %+v", a)
				}
				if d := a.PostedAt.Sub(posted); d < -time.Second || d > time.Second {
					t.Fatalf("alert posted at %s, want %s", a.PostedAt, posted)
				}
				if ns := note.all(); len(ns) != 1 || ns[0].ID != a.ID {
					t.Fatalf("notified %+v, want alert %d once", ns, a.ID)
				}
				st, err := db.WatchChannelState(t.Context(), n.ch.ID)
				if err != nil || st.State != store.WatchOK || st.Watermark.IsZero() {
					t.Fatalf("health = %+v, %v", st, err)
				}

				// Not due before the interval: nothing is read.
				reads := n.reads()
				clock.Advance(interval / 2)
				if r := check(t, w); r.Skipped != 1 || n.reads() != reads {
					t.Fatalf("round before the interval = %+v, reads %d → %d", r, reads, n.reads())
				}
				// The next rounds, and a restarted instance, read again and
				// find the same post: no new alert.
				clock.Advance(interval)
				if r := check(t, w); r.Alerts != 0 || r.Checked != 1 {
					t.Fatalf("second round = %+v", r)
				}
				clock.Advance(interval)
				restarted := newWatcher(t, db, chans, ob, note, clock.Now, "instance-a-restarted")
				if r := check(t, restarted); r.Alerts != 0 || r.Checked != 1 {
					t.Fatalf("after restart = %+v", r)
				}
				if got := alerts(t, db, n.ch.ID); len(got) != 1 || len(note.all()) != 1 {
					t.Fatalf("after three rounds: %d alerts, %d notifications; want 1, 1", len(got), len(note.all()))
				}

				// A second intrusion later alerts on its own.
				clock.Advance(interval)
				second := n.outOfBand(t, "Tài khoản này đã bị chiếm quyền.")
				if r := check(t, w); r.Alerts != 1 {
					t.Fatalf("second intrusion round = %+v", r)
				}
				if got := alerts(t, db, n.ch.ID); len(got) != 2 || got[0].RemoteID != second {
					t.Fatalf("alerts = %+v, want the second intrusion first", got)
				}
			})
		})
	}
}

// TestPublicationInFlightIsNoIntruder covers the race with the scheduler:
// the post is on the network while its outcome is unknown (the connection
// dropped after Mastodon created it). The watcher must wait for the
// reconciliation, and still catch an intruder posting meanwhile, and a
// publication that is finally abandoned while its post stands.
func TestPublicationInFlightIsNoIntruder(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		storetest.Channels(t, db, 71)
		n := newMastodon(t, 21, clock.Now)
		n.ch.Connected = clock.Now()
		clock.Advance(time.Minute)

		ob := newOutbox()
		note := &notes{}
		w := newWatcher(t, db, &channels{list: []watch.Channel{n.ch}}, ob, note, clock.Now, "a")

		// The scheduler records the attempt, then the connection drops
		// after the status was created: outcome unknown.
		post := social.Post{Key: "pub-7-0", Lang: "vi", Text: "Phát biểu của Người phát ngôn\nngày 14/3: Việt Nam &amp; các đối tác."}
		att := ob.begin(n.ch.ID, post.Text)
		dropNext(t, n)
		if _, err := n.ch.Publisher.Publish(t.Context(), post); err == nil || social.ClassOf(err) != social.Unknown {
			t.Fatalf("publish with a dropped connection = %v, want Unknown", err)
		}
		clock.Advance(5 * time.Second)
		intruder := n.outOfBand(t, "Unrelated post while a publication is pending.")
		clock.Advance(5 * time.Second)
		r := check(t, w)
		if r.Alerts != 1 || r.Deferred != 1 {
			t.Fatalf("round with a publication in flight = %+v, want the intruder alerted and ours deferred", r)
		}
		if got := alerts(t, db, n.ch.ID); len(got) != 1 || got[0].RemoteID != intruder {
			t.Fatalf("alerts = %+v, want only %s", got, intruder)
		}

		// Reconciliation settles it as ours: still no alert.
		res, err := n.ch.Publisher.Reconcile(t.Context(), post, time.Time{})
		if err != nil || len(res) != 1 {
			t.Fatalf("reconcile = %+v, %v", res, err)
		}
		ob.confirm(att, res[0].ID)
		clock.Advance(interval)
		if r := check(t, w); r.Alerts != 0 || r.Deferred != 0 {
			t.Fatalf("after reconciliation = %+v", r)
		}

		// Another unknown outcome, this time abandoned by a person while
		// the post stands, long after newer posts moved the watermark on.
		post2 := social.Post{Key: "pub-8-0", Lang: "en", Text: "Statement on the East Sea, 15 March."}
		att2 := ob.begin(n.ch.ID, post2.Text)
		// (Go's transport replays a dropped request that carries an
		// Idempotency-Key on a reused connection, which then succeeds; a
		// 500 after creation leaves the outcome unknown for sure.)
		n.fail(mastodonfake.ServerError)
		if _, err := n.ch.Publisher.Publish(t.Context(), post2); err == nil || social.ClassOf(err) != social.Unknown {
			t.Fatalf("publish answered 500 after creation = %v, want Unknown", err)
		}
		clock.Advance(interval)
		if r := check(t, w); r.Alerts != 0 || r.Deferred != 1 {
			t.Fatalf("second pending round = %+v", r)
		}
		clock.Advance(time.Hour)
		ob.publish(t, n.ch, "pub-9-0", "A newer statement, published normally.")
		clock.Advance(interval)
		if r := check(t, w); r.Alerts != 0 || r.Deferred != 1 {
			t.Fatalf("pending an hour later = %+v", r)
		}
		ob.abandon(att2)
		clock.Advance(interval)
		if r := check(t, w); r.Alerts != 1 {
			t.Fatalf("after the attempt was abandoned = %+v, want its standing post alerted", r)
		}
		if got := alerts(t, db, n.ch.ID); len(got) != 2 || got[0].Excerpt != post2.Text {
			t.Fatalf("alerts = %+v", got)
		}
	})
}

// dropNext makes the channel's next status create drop its connection
// after the status is created.
func dropNext(t *testing.T, n *network) {
	t.Helper()
	if n.fail == nil {
		t.Fatal("network cannot inject faults")
	}
	n.fail(mastodonfake.Drop)
}

// TestTwoInstancesAlertOnce runs two watchers on one database, as two
// instances behind a load balancer do on PostgreSQL (and two goroutines on
// SQLite): one alert, one notification, and one read of the network per
// round.
func TestTwoInstancesAlertOnce(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			clock := storetest.NewClock(storetest.Start)
			o := storetest.Options(t, backend)
			o.Now = clock.Now
			db1 := storetest.OpenOptions(t, o)
			storetest.Channels(t, db1, 32)
			db2 := db1
			if backend == store.BackendPostgres {
				db2 = storetest.OpenOptions(t, o)
			}
			xn := newX(t, 31, clock.Now, 0)
			mn := newMastodon(t, 32, clock.Now)
			xn.ch.Connected, mn.ch.Connected = clock.Now(), clock.Now()
			clock.Advance(time.Minute)
			xn.outOfBand(t, "Intruder on X")
			mn.outOfBand(t, "Intruder on Mastodon")
			clock.Advance(time.Minute)

			ob := newOutbox()
			note := &notes{}
			chans := &channels{list: []watch.Channel{xn.ch, mn.ch}}
			w1 := newWatcher(t, db1, chans, ob, note, clock.Now, "instance-1")
			w2 := newWatcher(t, db2, chans, ob, note, clock.Now, "instance-2")
			for round := range 3 {
				var wg sync.WaitGroup
				reports := make([]watch.Report, 2)
				for i, w := range []*watch.Watcher{w1, w2} {
					wg.Go(func() {
						r, err := w.Check(t.Context())
						if err != nil {
							t.Error(err)
						}
						reports[i] = r
					})
				}
				wg.Wait()
				if c := reports[0].Checked + reports[1].Checked; c != 2 {
					t.Fatalf("round %d: %d channel reads by both instances, want 2 (%+v)", round, c, reports)
				}
				clock.Advance(interval)
			}
			if xn.reads() != 3 || mn.reads() != 3 {
				t.Fatalf("network reads: x %d, mastodon %d; want 3 each", xn.reads(), mn.reads())
			}
			for _, ch := range []int64{31, 32} {
				if got := alerts(t, db1, ch); len(got) != 1 {
					t.Fatalf("channel %d: %d alerts, want 1", ch, len(got))
				}
			}
			if len(note.all()) != 2 {
				t.Fatalf("%d notifications, want 2", len(note.all()))
			}
		})
	}
}

// TestReadFailuresAreHealth: a rate-limited read, a revoked token and a
// network that cannot list posts (Telegram) become the channels' health;
// the other channels are still watched and the rate limit is honoured.
func TestReadFailuresAreHealth(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		storetest.Channels(t, db, 71)
		xn := newX(t, 41, clock.Now, 1) // one timeline read per 15 minutes
		mn := newMastodon(t, 42, clock.Now)
		tg, err := telegram.New(telegram.Config{BaseURL: "http://127.0.0.1:1", Credentials: &memCreds{value: []byte(`{}`)}, Now: clock.Now,
			HTTP: outboundtest.Client(t, "http://127.0.0.1:1")})
		if err != nil {
			t.Fatal(err)
		}
		tgch := watch.Channel{ID: 43, Network: social.Telegram, Name: "@mofa_vn_channel", Publisher: tg}
		xn.ch.Connected, mn.ch.Connected = clock.Now(), clock.Now()
		note := &notes{}
		w := newWatcher(t, db, &channels{list: []watch.Channel{xn.ch, mn.ch, tgch}}, newOutbox(), note, clock.Now, "a")
		if r := check(t, w); r.Checked != 2 || r.Failed != 1 {
			t.Fatalf("first round = %+v", r)
		}
		tgState, _ := db.WatchChannelState(t.Context(), 43)
		if tgState.State != store.WatchFailing || tgState.ErrorClass != "rejected" || tgState.Reason == "" {
			t.Fatalf("telegram health = %+v", tgState)
		}

		// X's window is spent; Mastodon's token is revoked (the account's
		// password was changed by whoever took it).
		mn.revoke()
		clock.Advance(interval)
		xn.outOfBand(t, "Posted while we cannot read")
		r := check(t, w)
		if r.Failed != 3 || r.Alerts != 0 {
			t.Fatalf("failing round = %+v", r)
		}
		xs, _ := db.WatchChannelState(t.Context(), 41)
		if xs.State != store.WatchRateLimited || xs.RetryAt.IsZero() || !xs.NextCheck.Equal(xs.RetryAt) || xs.Failures != 1 {
			t.Fatalf("x health = %+v", xs)
		}
		ms, _ := db.WatchChannelState(t.Context(), 42)
		if ms.State != store.WatchAuthExpired || ms.ErrorClass != "auth-expired" || ms.Reason == "" || ms.LastOKAt.IsZero() {
			t.Fatalf("mastodon health = %+v", ms)
		}

		// Until the rate limit ends, X is not asked again.
		reads := xn.reads()
		for clock.Now().Before(xs.RetryAt) {
			clock.Advance(interval)
			if clock.Now().Before(xs.RetryAt) {
				check(t, w)
			}
		}
		if xn.reads() != reads {
			t.Fatalf("X read %d times during its rate limit", xn.reads()-reads)
		}
		clock.Advance(time.Second) // the reset header has whole seconds
		if r := check(t, w); r.Alerts != 1 {
			t.Fatalf("round after the rate limit = %+v, want the post alerted", r)
		}
		xs, _ = db.WatchChannelState(t.Context(), 41)
		if xs.State != store.WatchOK || xs.Failures != 0 || xs.ErrorClass != "" || !xs.RetryAt.IsZero() {
			t.Fatalf("x health after recovery = %+v", xs)
		}
		if got := alerts(t, db, 42); len(got) != 0 {
			t.Fatalf("auth failure produced alerts: %+v", got)
		}
		want := []string{"41:new→ok", "42:new→ok", "43:new→failing", "41:ok→rate-limited", "42:ok→auth-expired", "41:rate-limited→ok"}
		if got := note.changes(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("health changes = %v, want %v", got, want)
		}
	})
}

// TestRunLoop: Run checks at once (after a jittered start), waits a
// jittered interval between rounds, and returns when ctx ends.
func TestRunLoop(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		storetest.Channels(t, db, 71)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		chans := &channels{err: fmt.Errorf("the publishing store is down")}
		var waits []time.Duration
		w, err := watch.New(watch.Params{Store: db, Channels: chans, Outbox: newOutbox(), Now: clock.Now,
			Interval: 10 * time.Minute, Jitter: 0.2, Rand: func() float64 { return 0.75 },
			Wait: func(ctx context.Context, d time.Duration) error {
				waits = append(waits, d)
				if len(waits) == 4 {
					cancel()
				}
				return ctx.Err()
			}})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Run(ctx); err != nil {
			t.Fatalf("Run = %v, want nil after cancel", err)
		}
		want := []time.Duration{90 * time.Second, 11 * time.Minute, 11 * time.Minute, 11 * time.Minute}
		if fmt.Sprint(waits) != fmt.Sprint(want) {
			t.Fatalf("waits = %v, want %v (a failing round does not stop the loop)", waits, want)
		}

		// With the real timer, cancelling ends a long wait.
		w, _ = watch.New(watch.Params{Store: db, Channels: &channels{}, Outbox: newOutbox(), Interval: time.Hour})
		ctx2, cancel2 := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx2) }()
		cancel2()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

func TestNewRejectsBadParams(t *testing.T) {
	ok := watch.Params{Store: nopStore{}, Channels: &channels{}, Outbox: newOutbox()}
	for _, tc := range []struct {
		name string
		edit func(p *watch.Params)
	}{
		{"no store", func(p *watch.Params) { p.Store = nil }},
		{"no outbox", func(p *watch.Params) { p.Outbox = nil }},
		{"negative interval", func(p *watch.Params) { p.Interval = -time.Second }},
		{"jitter too large", func(p *watch.Params) { p.Jitter = 0.9 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ok
			tc.edit(&p)
			if _, err := watch.New(p); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	if _, err := watch.New(ok); err != nil {
		t.Fatal(err)
	}
}

type nopStore struct{ watch.Store }

// brokenOutbox fails until fixed.
type brokenOutbox struct {
	*outbox
	broken bool
}

func (b *brokenOutbox) Published(ctx context.Context, ch int64, ids []string) (map[string]bool, error) {
	if b.broken {
		return nil, fmt.Errorf("publishing store unavailable")
	}
	return b.outbox.Published(ctx, ch, ids)
}

type failingNotifier struct{ calls int }

func (f *failingNotifier) Notify(context.Context, watch.Channel, store.WatchAlert) error {
	f.calls++
	return fmt.Errorf("banner service down")
}

type panicking struct{ social.Publisher }

func (panicking) Recent(context.Context, time.Time, int) ([]social.RemotePost, error) {
	panic("connector bug")
}

// TestFailuresInsideChancery: an outbox that cannot answer raises no
// alert (it cannot tell ours from theirs) and marks the channel failing
// until it answers; a failing Notifier loses no alert; a connector that
// panics fails its channel only.
func TestFailuresInsideChancery(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		storetest.Channels(t, db, 71)
		mn := newMastodon(t, 51, clock.Now)
		mn.ch.Connected = clock.Now()
		bad := watch.Channel{ID: 52, Network: social.Mastodon, Name: "buggy", Publisher: panicking{mn.ch.Publisher}}
		clock.Advance(time.Minute)
		ob := &brokenOutbox{outbox: newOutbox(), broken: true}
		ob.publish(t, mn.ch, "pub-1-0", "Our statement.")
		hijack := mn.outOfBand(t, "Not ours.")
		fn := &failingNotifier{}
		w := newWatcher(t, db, &channels{list: []watch.Channel{bad, mn.ch}}, ob, fn, clock.Now, "a")

		if r := check(t, w); r.Alerts != 0 || r.Failed != 2 {
			t.Fatalf("round with a broken outbox = %+v", r)
		}
		st, _ := db.WatchChannelState(t.Context(), 51)
		if st.State != store.WatchFailing || st.ErrorClass != watch.InternalError || !strings.Contains(st.Reason, "outbox") {
			t.Fatalf("health with a broken outbox = %+v", st)
		}
		st, _ = db.WatchChannelState(t.Context(), 52)
		if st.State != store.WatchFailing || !strings.Contains(st.Reason, "panicked") {
			t.Fatalf("health of a panicking connector = %+v", st)
		}

		ob.broken = false
		clock.Advance(interval)
		if r := check(t, w); r.Alerts != 1 || r.Failed != 1 {
			t.Fatalf("round after the outbox recovered = %+v", r)
		}
		if got := alerts(t, db, 51); len(got) != 1 || got[0].RemoteID != hijack || fn.calls != 1 {
			t.Fatalf("alerts %+v after %d notifier calls; want %s kept despite the notifier", got, fn.calls, hijack)
		}
	})
}

// TestLogNotifier: without a Notifier, alerts and state changes are
// logged, as warnings, with what the press office needs to find the post.
func TestLogNotifier(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		storetest.Channels(t, db, 71)
		var buf bytes.Buffer
		log := slog.New(slog.NewJSONHandler(&buf, nil))
		xn := newX(t, 61, clock.Now, 0)
		xn.ch.Connected = clock.Now()
		clock.Advance(time.Minute)
		id := xn.outOfBand(t, "Hijacked!")
		w, err := watch.New(watch.Params{Store: db, Channels: &channels{list: []watch.Channel{xn.ch}}, Outbox: newOutbox(),
			Log: log, Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		check(t, w)
		out := buf.String()
		for _, want := range []string{`"level":"WARN"`, `"remote_id":"` + id + `"`, `"excerpt":"Hijacked!"`, `"network":"x"`,
			`"to":"ok"`, "out-of-band post"} {
			if !strings.Contains(out, want) {
				t.Errorf("log lacks %s:\n%s", want, out)
			}
		}
	})
}

// blocking reads until its context ends.
type blocking struct {
	social.Publisher
	started chan struct{}
}

func (b blocking) Recent(ctx context.Context, _ time.Time, _ int) ([]social.RemotePost, error) {
	close(b.started)
	<-ctx.Done()
	return nil, &social.Error{Network: social.Mastodon, Class: social.Unknown, Err: ctx.Err()}
}

// TestShutdownMidRead: a read cut short by shutdown says nothing of the
// channel's health; its lease expires and another instance takes over.
func TestShutdownMidRead(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		storetest.Channels(t, db, 71)
		b := blocking{started: make(chan struct{})}
		ch := watch.Channel{ID: 71, Network: social.Mastodon, Publisher: b, Connected: clock.Now()}
		w := newWatcher(t, db, &channels{list: []watch.Channel{ch}}, newOutbox(), &notes{}, clock.Now, "a")
		ctx, cancel := context.WithCancel(t.Context())
		go func() { <-b.started; cancel() }()
		if _, err := w.Check(ctx); err != nil && ctx.Err() == nil {
			t.Fatal(err)
		}
		st, err := db.WatchChannelState(t.Context(), 71)
		if err != nil || st.State != store.WatchNew || st.Failures != 0 {
			t.Fatalf("health after a cut read = %+v, %v", st, err)
		}
		if _, ok, _ := db.ClaimWatch(t.Context(), 71, "b", time.Minute); ok {
			t.Fatal("claimed while the cut read's lease holds")
		}
		clock.Advance(interval)
		if _, ok, _ := db.ClaimWatch(t.Context(), 71, "b", time.Minute); !ok {
			t.Fatal("the cut read's lease never expires")
		}
	})
}
