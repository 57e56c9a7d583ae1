package main

import (
	"time"

	"github.com/mofa-vn/chancery/internal/mail"
	"github.com/mofa-vn/chancery/internal/notify"
)

// notifications tells the press office's people what needs them, in the
// app (the badge every page shows) and, with -smtp-url, by mail through
// the relay that sends the events' mail.
func (w *wiring) notifications(relay *mail.Relay) *notify.Service {
	now := w.o.now
	if now == nil {
		now = time.Now
	}
	origin := w.origin
	svc := &notify.Service{DB: w.db, Cat: w.cat, Log: w.log.With("component", "notify"), Now: now,
		PublicURL: func() string { return origin }}
	if relay != nil {
		if sender, err := mail.ParseURL(w.cfg.Mail.SMTPURL); err == nil {
			svc.MailFrom, svc.MailQueued = sender.From, relay.Kick
		}
	}
	w.kit.Unread = svc.Unread
	notify.NewHandlers(svc, w.kit).Routes(w.mux)
	return svc
}
