// Package notify tells the press office's people what needs them or what
// became of their work: in the app (a count in the staff navigation and a
// list under /press/notifications) and by e-mail through the mail outbox
// (only when -smtp-url is set), each in the recipient's language and as
// each person chose per kind.
//
// Notifications come from the domain events where they happen: every
// consequential press action is a line of the hash-chained audit log,
// written in the transaction of the change itself (submission, clearance,
// publication outcomes, pause, recall). Service.Process reads the log
// after a cursor and writes an entry's notifications, its mail and the
// moved cursor in one transaction, so that each entry notifies exactly
// once across crashes and instances. Recipients follow roles (approvers
// for "awaiting your approval" and "recall requested", the author for the
// fate of their statement, the press office for a pause), never the
// person who acted.
//
// It must not import cmd/, internal/publishing, internal/press or any
// connector package: it reads what they recorded.
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/mail"
	"github.com/mofa-vn/chancery/internal/store"
)

// The kinds of notification, as stored and as named in preferences.
const (
	KindAwaitingApproval = "awaiting_approval"
	KindChangesRequested = "changes_requested"
	KindPublished        = "published"
	KindFailed           = "failed"
	KindNeedsCheck       = "needs_check"
	KindPaused           = "paused"
	KindRecallRequested  = "recall_requested"
)

// Kinds lists every kind in the order the settings page shows them.
var Kinds = []string{KindAwaitingApproval, KindChangesRequested, KindPublished, KindFailed, KindNeedsCheck, KindPaused, KindRecallRequested}

// ActionChangesRequested is the audit action of an approver sending a
// statement back to its author with a comment (the entry's Payload). The
// review's "request changes" records it in its own transaction, or calls
// ChangesRequested.
const ActionChangesRequested = "statement.changes-requested"

// kindOf maps audit actions to kinds; other actions notify nobody.
var kindOf = map[string]string{
	"statement.submit":        KindAwaitingApproval,
	ActionChangesRequested:    KindChangesRequested,
	"publication.published":   KindPublished,
	"publication.fail":        KindFailed,
	"publication.needs-check": KindNeedsCheck,
	"pause":                   KindPaused,
	"recall.request":          KindRecallRequested,
}

// Store is what notify needs of the database (*store.DB).
type Store interface {
	NotifyCursor(ctx context.Context) (int64, error)
	AuditAfter(ctx context.Context, seq int64, limit int) ([]store.AuditEntry, error)
	DeliverNotifications(ctx context.Context, from, seq int64, notes []store.Notification, mails []store.OutboxMail) error
	GetStatement(ctx context.Context, id int64) (store.Statement, error)
	GetPublication(ctx context.Context, id int64) (store.Publication, error)
	GetChannel(ctx context.Context, id int64) (store.Channel, error)
	ListUsers(ctx context.Context) ([]account.User, error)
	NotifyPrefs(ctx context.Context, user int64) (map[string]store.NotifyPref, error)
	ListNotifications(ctx context.Context, user int64, limit int) ([]store.Notification, error)
	UnreadNotifications(ctx context.Context, user int64) (int, error)
	MarkNotificationsRead(ctx context.Context, user, id int64) error
	SaveNotifyPrefs(ctx context.Context, user int64, prefs []store.NotifyPref) error
	AppendAudit(ctx context.Context, e store.AuditEntry) error
}

// Service turns audit entries into notifications and serves the lists.
type Service struct {
	DB  Store
	Cat *lang.Catalog
	Log *slog.Logger
	Now func() time.Time
	// MailFrom is the sender of notification mail (the -smtp-url's from);
	// empty sends no mail at all.
	MailFrom string
	// MailQueued, if set, is called after mail was written (the relay's
	// Kick).
	MailQueued func()
	// PublicURL returns the server's origin, for links in mail.
	PublicURL func() string
	// Interval is how often Run reads the log when not kicked.
	Interval time.Duration

	kick chan struct{}
}

// MailEnabled reports whether notifications may go by e-mail here.
func (s *Service) MailEnabled() bool { return s.MailFrom != "" }

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// Kick asks Run to read the log now.
func (s *Service) Kick() {
	select {
	case s.kicker() <- struct{}{}:
	default:
	}
}

func (s *Service) kicker() chan struct{} {
	if s.kick == nil {
		s.kick = make(chan struct{}, 1)
	}
	return s.kick
}

// Run delivers until ctx ends.
func (s *Service) Run(ctx context.Context) {
	every := s.Interval
	if every <= 0 {
		every = 5 * time.Second
	}
	kick := s.kicker()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.Process(ctx); err != nil && ctx.Err() == nil {
			s.Log.ErrorContext(ctx, "notify: process the audit log", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-kick:
		}
	}
}

// Process delivers the notifications of every audit entry after the
// cursor and returns how many entries it settled.
func (s *Service) Process(ctx context.Context) (int, error) {
	done, mailed := 0, false
	defer func() {
		if mailed && s.MailQueued != nil {
			s.MailQueued()
		}
	}()
	for ctx.Err() == nil {
		cur, err := s.DB.NotifyCursor(ctx)
		if err != nil {
			return done, err
		}
		batch, err := s.DB.AuditAfter(ctx, cur, 50)
		if err != nil || len(batch) == 0 {
			return done, err
		}
		for _, e := range batch {
			notes, mails, err := s.plan(ctx, e)
			if err != nil {
				return done, fmt.Errorf("notify: entry %d: %w", e.Seq, err)
			}
			err = s.DB.DeliverNotifications(ctx, cur, e.Seq, notes, mails)
			if errors.Is(err, store.ErrCursorMoved) {
				break // another instance is ahead: read the cursor again
			}
			if err != nil {
				return done, err
			}
			cur, done, mailed = e.Seq, done+1, mailed || len(mails) > 0
		}
	}
	return done, ctx.Err()
}

// ChangesRequested records that actor sent statement back to its author
// with comment, for callers that record nothing else in a transaction of
// their own; its author is notified at the next Process.
func ChangesRequested(ctx context.Context, db Store, actor account.User, statement int64, comment string) error {
	return db.AppendAudit(ctx, store.AuditEntry{ActorID: actor.ID, Actor: actor.Username, Action: ActionChangesRequested,
		StatementID: statement, Payload: strings.TrimSpace(comment)})
}

// event is what an audit entry says, read once for every recipient.
type event struct {
	kind    string
	entry   store.AuditEntry
	st      store.Statement
	channel string
}

// plan returns the notifications and mail of one entry.
func (s *Service) plan(ctx context.Context, e store.AuditEntry) ([]store.Notification, []store.OutboxMail, error) {
	kind, ok := kindOf[e.Action]
	switch {
	case e.Action == "publication.failed" && finalFailure(e.Payload):
		kind, ok = KindFailed, true
	case strings.HasSuffix(e.Action, "+published"):
		// The last part of a post confirmed (publication.part+published,
		// or found by reconciliation) publishes the publication.
		kind, ok = KindPublished, true
	}
	if !ok {
		return nil, nil, nil
	}
	ev := event{kind: kind, entry: e}
	if e.StatementID != 0 {
		st, err := s.DB.GetStatement(ctx, e.StatementID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, nil, err
		}
		ev.st = st
	}
	if e.PublicationID != 0 {
		if p, err := s.DB.GetPublication(ctx, e.PublicationID); err == nil {
			if ch, err := s.DB.GetChannel(ctx, p.ChannelID); err == nil {
				ev.channel = ch.Name
			}
		}
	}
	if kind == KindPaused {
		ev.channel = pausedChannel(ctx, s.DB, e.Payload)
	}
	users, err := s.DB.ListUsers(ctx)
	if err != nil {
		return nil, nil, err
	}
	var notes []store.Notification
	var mails []store.OutboxMail
	for _, u := range users {
		if !recipient(kind, u, e, ev.st) {
			continue
		}
		prefs, err := s.DB.NotifyPrefs(ctx, u.ID)
		if err != nil {
			return nil, nil, err
		}
		p, chosen := prefs[kind]
		if !chosen {
			p = store.NotifyPref{Kind: kind, InApp: true, ByMail: true}
		}
		code := s.langOf(u)
		n := store.Notification{UserID: u.ID, Kind: kind, StatementID: e.StatementID, PublicationID: e.PublicationID,
			Title: titleIn(ev.st, code), Detail: detail(ev), Actor: e.Actor}
		if p.InApp {
			notes = append(notes, n)
		}
		if p.ByMail && s.MailEnabled() && u.Email != "" {
			m, err := s.message(u, code, n, ev)
			if err != nil {
				s.Log.WarnContext(ctx, "notify: no mail", "user", u.ID, "err", err)
				continue
			}
			mails = append(mails, m)
		}
	}
	return notes, mails, nil
}

// finalFailure reports whether a failed attempt (publication.failed)
// left its publication failed: the scheduler records retried ones with
// the same action, saying it will retry or wait for the rate limit.
func finalFailure(reason string) bool {
	return !strings.Contains(reason, "will retry") && !strings.HasPrefix(reason, "rate limited")
}

// recipient reports whether u is told of an entry of kind: by role, and
// never the person who acted.
func recipient(kind string, u account.User, e store.AuditEntry, st store.Statement) bool {
	if u.Disabled || (e.ActorID != 0 && u.ID == e.ActorID) {
		return false
	}
	switch kind {
	case KindAwaitingApproval, KindRecallRequested:
		return u.HasRole(account.PressClearers...)
	case KindChangesRequested, KindPublished, KindFailed, KindNeedsCheck:
		return st.AuthorID != 0 && u.ID == st.AuthorID && u.HasRole(account.PressReaders...)
	case KindPaused:
		return u.HasRole(account.PressReaders...)
	}
	return false
}

// pausedChannel names the channel of a pause entry ("channel=N reason=…"),
// or "" for the whole press office.
func pausedChannel(ctx context.Context, db Store, payload string) string {
	f := strings.Fields(payload)
	if len(f) == 0 || !strings.HasPrefix(f[0], "channel=") {
		return ""
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(f[0], "channel="), 10, 64)
	if err != nil || id == 0 {
		return ""
	}
	if ch, err := db.GetChannel(ctx, id); err == nil {
		return ch.Name
	}
	return ""
}

// detail is the reason or comment shown with a notification.
func detail(ev event) string {
	d := ev.entry.Payload
	if ev.kind == KindPaused {
		if i := strings.Index(d, "reason="); i >= 0 {
			d = d[i+len("reason="):]
		}
	}
	if ev.kind == KindPublished || ev.kind == KindAwaitingApproval {
		d = ""
	}
	if ev.channel != "" {
		if d == "" {
			d = ev.channel
		} else {
			d = ev.channel + ": " + d
		}
	}
	if len(d) > 500 {
		d = d[:500]
	}
	return strings.ToValidUTF8(d, "")
}

// langOf is the language u reads: their own, else the catalogue's default.
func (s *Service) langOf(u account.User) string {
	for _, l := range s.Cat.Languages() {
		if l.Code == u.Lang {
			return l.Code
		}
	}
	return s.Cat.Default().Code
}

// titleIn is the statement's title in code, else in its first language.
func titleIn(st store.Statement, code string) string {
	i := slices.IndexFunc(st.Variants, func(v store.Variant) bool { return v.Lang == code && v.Title != "" })
	if i < 0 {
		i = slices.IndexFunc(st.Variants, func(v store.Variant) bool { return v.Title != "" })
	}
	if i < 0 {
		if st.ID == 0 {
			return ""
		}
		return "#" + strconv.FormatInt(st.ID, 10)
	}
	return st.Variants[i].Title
}

// message writes the mail of one notification in the recipient's language.
func (s *Service) message(u account.User, code string, n store.Notification, ev event) (store.OutboxMail, error) {
	data := map[string]any{"Title": n.Title, "Actor": n.Actor, "Channel": ev.channel}
	link := ""
	if s.PublicURL != nil && n.StatementID != 0 {
		link = strings.TrimSuffix(s.PublicURL(), "/") + "/press/statements/" + strconv.FormatInt(n.StatementID, 10)
	}
	var b strings.Builder
	b.WriteString(s.Cat.T(code, "notify_text_"+n.Kind, data))
	if n.Detail != "" {
		b.WriteString("\n\n" + s.Cat.T(code, "notify_mail_detail", map[string]any{"Detail": n.Detail}))
	}
	if link != "" {
		b.WriteString("\n\n" + link)
	}
	b.WriteString("\n\n-- \n" + s.Cat.T(code, "notify_mail_footer", nil) + "\n")
	m := mail.Message{To: u.Email, Subject: s.Cat.T(code, "notify_subject_"+n.Kind, data), Text: b.String()}
	rcpt, err := m.Recipient()
	if err != nil {
		return store.OutboxMail{}, err
	}
	raw, err := m.Bytes(s.MailFrom, s.now())
	if err != nil {
		return store.OutboxMail{}, err
	}
	return store.OutboxMail{Recipient: rcpt, Message: raw}, nil
}
