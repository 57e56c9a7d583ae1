package notify_test

import (
	"context"
	"errors"
	"log/slog"
	"mime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/mail"
	"github.com/mofa-vn/chancery/internal/mail/mailtest"
	"github.com/mofa-vn/chancery/internal/notify"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
	"github.com/mofa-vn/chancery/locales"
)

// office is a press office with its people, a fake network, the loopback
// mail server and the notifier under test.
type office struct {
	t        *testing.T
	ctx      context.Context
	db       *store.DB
	clock    *storetest.Clock
	pub      *publishing.Service
	nets     map[int64]*pubtest.Network
	smtp     *mailtest.Server
	relay    *mail.Relay
	svc      *notify.Service
	cat      *lang.Catalog
	author   account.User // press officer, reads French
	approver account.User // reads Arabic
	second   account.User // approver, reads Vietnamese
	officer  account.User // another press officer, reads English
}

func newOffice(t *testing.T, db *store.DB, clock *storetest.Clock) *office {
	t.Helper()
	o := &office{t: t, ctx: t.Context(), db: db, clock: clock, nets: map[int64]*pubtest.Network{}, smtp: mailtest.New(t)}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	var err error
	o.pub, err = publishing.New(publishing.Params{Networks: pubtest.Networks, DB: db, Now: clock.Now, Log: log, Instance: "test",
		Settings: publishing.Settings{Grace: 10 * time.Minute},
		Resolve: func(_ context.Context, ch publishing.Channel) (social.Publisher, error) {
			if n, ok := o.nets[ch.ID]; ok {
				return n, nil
			}
			return nil, errors.New("no credentials")
		}})
	if err != nil {
		t.Fatal(err)
	}
	if o.cat, err = lang.NewCatalog(locales.FS, "vi"); err != nil {
		t.Fatal(err)
	}
	sender, err := mail.ParseURL(o.smtp.URL("", "", "press@mofa.example"))
	if err != nil {
		t.Fatal(err)
	}
	o.relay = mail.NewRelay(db, sender, log, clock.Now)
	o.svc = o.notifier(sender.From)
	o.author = o.user("author", "fr", account.RolePressOfficer)
	o.approver = o.user("approver", "ar", account.RoleApprover)
	o.second = o.user("second", "vi", account.RoleApprover)
	o.officer = o.user("officer", "en", account.RolePressOfficer)
	o.user("delegate", "en", account.RoleDelegate) // never told anything of the press office
	return o
}

// notifier is a fresh notifier over the same database: a restarted
// process, or another instance.
func (o *office) notifier(from string) *notify.Service {
	return &notify.Service{DB: o.db, Cat: o.cat, Now: o.clock.Now, MailFrom: from,
		Log:       slog.New(slog.NewTextHandler(o.t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		PublicURL: func() string { return "https://mofa.example" }}
}

func (o *office) user(name, code string, role account.Role) account.User {
	o.t.Helper()
	u, err := o.db.CreateUser(o.ctx, account.User{Username: name, DisplayName: name, Email: name + "@mofa.example", Lang: code,
		Roles: []account.Role{role}})
	if err != nil {
		o.t.Fatal(err)
	}
	return u
}

func (o *office) process() int {
	o.t.Helper()
	n, err := o.svc.Process(o.ctx)
	if err != nil {
		o.t.Fatal(err)
	}
	return n
}

// statement composes and submits a statement to the channels, as author.
func (o *office) statement(targets ...int64) publishing.Statement {
	o.t.Helper()
	var vs []publishing.VariantInput
	for _, l := range []string{"vi", "en", "fr", "ar"} {
		vs = append(vs, publishing.VariantInput{Lang: l, Title: "Title " + l, Body: "Body " + l})
	}
	st, err := o.pub.SaveStatement(o.ctx, publishing.ActorOf(o.author), 0,
		publishing.StatementInput{DueAt: o.clock.Now().Add(time.Hour), Variants: vs, Targets: targets})
	if err != nil {
		o.t.Fatal(err)
	}
	if err := o.pub.Submit(o.ctx, publishing.ActorOf(o.author), st.ID); err != nil {
		o.t.Fatal(err)
	}
	return st
}

func (o *office) approve(id int64) {
	o.t.Helper()
	st, err := o.db.GetStatement(o.ctx, id)
	if err != nil {
		o.t.Fatal(err)
	}
	if _, err := o.pub.Approve(o.ctx, publishing.ActorOf(o.approver), id, st.ContentHash); err != nil {
		o.t.Fatal(err)
	}
}

// kinds returns the kinds of u's notifications, oldest first.
func (o *office) kinds(u account.User) []string {
	o.t.Helper()
	ns, err := o.db.ListNotifications(o.ctx, u.ID, 100)
	if err != nil {
		o.t.Fatal(err)
	}
	var out []string
	for i := len(ns) - 1; i >= 0; i-- {
		out = append(out, ns[i].Kind)
	}
	return out
}

// mails returns the subjects the loopback server received per recipient.
func (o *office) mails() map[string][]string {
	o.t.Helper()
	o.relay.Flush(o.ctx)
	out := map[string][]string{}
	var d mime.WordDecoder
	for _, r := range o.smtp.Messages() {
		m, err := r.Parse()
		if err != nil {
			o.t.Fatal(err)
		}
		subj, err := d.DecodeHeader(m.Header.Get("Subject"))
		if err != nil {
			o.t.Fatal(err)
		}
		for _, to := range r.To {
			out[to] = append(out[to], subj)
		}
	}
	return out
}

// TestNotificationsOfEveryKind walks one press office through each event
// that notifies and checks who is told, in the app and at the loopback
// mail server, in their own language, and that nobody is told of what they
// did themselves.
func TestNotificationsOfEveryKind(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		o := newOffice(t, db, clock)
		ch, err := o.pub.CreateChannel(o.ctx, publishing.ActorOf(o.author), publishing.ChannelInput{Network: string(social.Mastodon),
			Name: "Mastodon VN", Languages: []string{"vi"}, TimeZone: "Asia/Ho_Chi_Minh", BaseURL: "https://mastodon.example"})
		if err != nil {
			t.Fatal(err)
		}
		net := pubtest.New(social.Mastodon, social.Limits{MaxLength: 500})
		net.Now = clock.Now
		o.nets[ch.ID] = net
		o.process() // channel creation notifies nobody

		// Submitted: both approvers, never the author who submitted.
		st := o.statement(ch.ID)
		if n := o.process(); n == 0 {
			t.Fatal("the submission was not processed")
		}
		for _, c := range []struct {
			u    account.User
			want []string
		}{{o.approver, []string{notify.KindAwaitingApproval}}, {o.second, []string{notify.KindAwaitingApproval}}, {o.author, nil}, {o.officer, nil}} {
			if got := o.kinds(c.u); !slices.Equal(got, c.want) {
				t.Errorf("%s after submit: %v, want %v", c.u.Username, got, c.want)
			}
		}

		// Published: the author.
		o.approve(st.ID)
		clock.Advance(time.Hour)
		if _, err := o.pub.Dispatch(o.ctx); err != nil {
			t.Fatal(err)
		}
		// Failed: the author (the network refuses the next post for good;
		// a temporary failure before it, retried, tells nobody).
		net.Script(pubtest.Step{Fail: true, Class: social.Transient, Reason: "503"}, pubtest.Step{Fail: true, Class: social.Rejected, Reason: "blocked"})
		failing := o.statement(ch.ID)
		o.approve(failing.ID)
		for range 2 {
			clock.Advance(time.Hour)
			if _, err := o.pub.Dispatch(o.ctx); err != nil {
				t.Fatal(err)
			}
		}
		o.process()
		if got, want := o.kinds(o.author), []string{notify.KindPublished, notify.KindFailed}; !slices.Equal(got, want) {
			t.Errorf("author after publishing: %v, want %v", got, want)
		}
		if got := o.kinds(o.approver); !slices.Equal(got, []string{notify.KindAwaitingApproval, notify.KindAwaitingApproval}) {
			t.Errorf("the approver was told of others' outcomes: %v", got)
		}

		// Changes requested: the author, not the approver who asked.
		third := o.statement(ch.ID)
		if err := notify.ChangesRequested(o.ctx, o.db, o.approver, third.ID, "Soften the second sentence."); err != nil {
			t.Fatal(err)
		}
		// Paused by the second approver: everyone in the press office but them.
		if err := o.pub.Pause(o.ctx, publishing.ActorOf(o.second), ch.ID, "Breaking news"); err != nil {
			t.Fatal(err)
		}
		// Recall requested by the author: the approvers.
		if err := o.pub.RequestRecall(o.ctx, publishing.ActorOf(o.author), st.ID, "Wrong figure"); err != nil {
			t.Fatal(err)
		}
		// Needs a check: as the scheduler records it when a network cannot
		// say whether a post went out.
		if err := o.db.AppendAudit(o.ctx, store.AuditEntry{Actor: "scheduler:test", Action: "publication.needs-check", StatementID: st.ID,
			PublicationID: o.pubOf(st.ID), Payload: "timeout"}); err != nil {
			t.Fatal(err)
		}
		o.process()

		want := map[*account.User][]string{
			&o.author: {notify.KindPublished, notify.KindFailed, notify.KindChangesRequested, notify.KindPaused, notify.KindNeedsCheck},
			&o.approver: {notify.KindAwaitingApproval, notify.KindAwaitingApproval, notify.KindAwaitingApproval, notify.KindPaused,
				notify.KindRecallRequested},
			&o.second:  {notify.KindAwaitingApproval, notify.KindAwaitingApproval, notify.KindAwaitingApproval, notify.KindRecallRequested},
			&o.officer: {notify.KindPaused},
		}
		for u, w := range want {
			if got := o.kinds(*u); !slices.Equal(got, w) {
				t.Errorf("%s: %v, want %v", u.Username, got, w)
			}
		}

		// The same by mail, each in the recipient's language.
		got := o.mails()
		wantMail := map[string][]string{
			"author@mofa.example": {"Publiée : Title fr", "Échec de la publication : Title fr", "Modifications demandées : Title fr",
				"Publication suspendue", "À vérifier : Title fr"},
			"approver@mofa.example": {"بانتظار موافقتك: Title ar", "بانتظار موافقتك: Title ar", "بانتظار موافقتك: Title ar", "أوقف النشر مؤقتًا",
				"طُلب السحب: Title ar"},
			"second@mofa.example":  {"Chờ bạn phê duyệt: Title vi", "Chờ bạn phê duyệt: Title vi", "Chờ bạn phê duyệt: Title vi", "Yêu cầu thu hồi: Title vi"},
			"officer@mofa.example": {"Publishing paused"},
		}
		for to, w := range wantMail {
			if !slices.Equal(got[to], w) {
				t.Errorf("mail to %s: %q, want %q", to, got[to], w)
			}
		}
		if len(got) != len(wantMail) {
			t.Errorf("mail went to %d people, want %d: %v", len(got), len(wantMail), got)
		}
		// The comment and a link travel with the mail.
		for _, r := range o.smtp.Messages() {
			if strings.Contains(string(r.Data), "Modifications") && !strings.Contains(string(r.Data), "Soften the second sentence.") {
				t.Error("the changes-requested mail lacks the approver's comment")
			}
		}

		// The badge counts unread ones; marking read is per person.
		if n, ok := o.svc.Unread(o.ctx, o.officer); !ok || n != 1 {
			t.Errorf("officer's badge: %d %v, want 1", n, ok)
		}
		if _, ok := o.svc.Unread(o.ctx, account.User{ID: 99, Roles: []account.Role{account.RoleDelegate}}); ok {
			t.Error("a delegate gets a notification badge")
		}
		ns, _ := o.db.ListNotifications(o.ctx, o.officer.ID, 10)
		if err := o.db.MarkNotificationsRead(o.ctx, o.author.ID, ns[0].ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("marking another person's notification read: %v, want ErrNotFound", err)
		}
		if err := o.db.MarkNotificationsRead(o.ctx, o.officer.ID, ns[0].ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := o.svc.Unread(o.ctx, o.officer); n != 0 {
			t.Errorf("after reading: %d unread", n)
		}
	})
}

func (o *office) pubOf(st int64) int64 {
	o.t.Helper()
	ps, err := o.db.ListPublications(o.ctx, store.QueueFilter{StatementID: st})
	if err != nil || len(ps) == 0 {
		o.t.Fatalf("publications of %d: %v", st, err)
	}
	return ps[0].ID
}

// TestNotificationChoicesAreHonoured turns kinds off per way and checks
// that the app and the mail follow each choice, and that without a mail
// server nothing is queued at all.
func TestNotificationChoicesAreHonoured(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		o := newOffice(t, db, clock)
		// The approver wants approvals by mail only; the second approver in
		// the app only.
		if err := db.SaveNotifyPrefs(o.ctx, o.approver.ID, []store.NotifyPref{{Kind: notify.KindAwaitingApproval, ByMail: true}}); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveNotifyPrefs(o.ctx, o.second.ID, []store.NotifyPref{{Kind: notify.KindAwaitingApproval, InApp: true}}); err != nil {
			t.Fatal(err)
		}
		ch := o.channel()
		o.statement(ch)
		o.process()
		if got := o.kinds(o.approver); len(got) != 0 {
			t.Errorf("approver chose mail only, got in the app: %v", got)
		}
		if got := o.kinds(o.second); len(got) != 1 {
			t.Errorf("second chose the app, got %v", got)
		}
		got := o.mails()
		if len(got["approver@mofa.example"]) != 1 || len(got["second@mofa.example"]) != 0 {
			t.Errorf("mail: %v", got)
		}

		// No -smtp-url: the app still tells, no mail is written.
		o.svc = o.notifier("")
		o.statement(ch)
		o.process()
		if got := o.kinds(o.second); len(got) != 2 {
			t.Errorf("without mail the app still tells: %v", got)
		}
		all, err := db.ListMail(o.ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 1 {
			t.Errorf("without a mail server %d messages were queued, want the 1 from before", len(all))
		}
	})
}

func (o *office) channel() int64 {
	o.t.Helper()
	ch, err := o.pub.CreateChannel(o.ctx, publishing.ActorOf(o.author), publishing.ChannelInput{Network: string(social.Mastodon),
		Name: "Mastodon", Languages: []string{"vi"}, TimeZone: "UTC", BaseURL: "https://mastodon.example"})
	if err != nil {
		o.t.Fatal(err)
	}
	o.nets[ch.ID] = pubtest.New(social.Mastodon, social.Limits{MaxLength: 500})
	return ch.ID
}

// TestOneMailAcrossRestartsAndInstances runs the notifier, "restarts" it
// (a fresh one over the same database), and runs two instances at once:
// each event gives exactly one mail to each recipient.
func TestOneMailAcrossRestartsAndInstances(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		o := newOffice(t, db, clock)
		ch := o.channel()
		o.statement(ch)
		o.process()
		// A crash after delivery: the restarted process finds nothing to do.
		o.svc = o.notifier("press@mofa.example")
		if n := o.process(); n != 0 {
			t.Errorf("the restarted notifier delivered %d entries again", n)
		}
		// Two instances racing over new events.
		for range 5 {
			o.statement(ch)
		}
		a, b := o.notifier("press@mofa.example"), o.notifier("press@mofa.example")
		var wg sync.WaitGroup
		for _, s := range []*notify.Service{a, b} {
			wg.Go(func() {
				if _, err := s.Process(o.ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		got := o.mails()
		if n := len(got["approver@mofa.example"]); n != 6 {
			t.Errorf("approver got %d mails for 6 submissions", n)
		}
		if n := len(o.kinds(o.second)); n != 6 {
			t.Errorf("second approver has %d notifications for 6 submissions", n)
		}
		// The relay sent each once: flushing again sends nothing.
		if n := o.relay.Flush(o.ctx); n != 0 {
			t.Errorf("a second flush sent %d", n)
		}
	})
}
