package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/events"
	"github.com/mofa-vn/chancery/internal/events/delegations"
	"github.com/mofa-vn/chancery/internal/mail"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

// demoEventSlug is the demo's conference, whose delegations -demo loads
// (internal/demo makes it).
const demoEventSlug = "asean-digital-diplomacy-forum-2026"

// delegationsArea serves the delegations of events and, with -smtp-url,
// returns the relay that sends their mail; with -demo it gives the demo's
// conference its delegations.
func (w *wiring) delegationsArea(ctx context.Context, rooms *sfu.Server) (*delegations.Service, *mail.Relay, error) {
	now := w.o.now
	if now == nil {
		now = time.Now
	}
	svc := &delegations.Service{DB: w.db, Cat: w.kit.Cat, Events: delegations.StoredEvents(w.db), Log: w.log.With("component", "delegations"), Now: now,
		PublicURL: w.origin}
	// Accredited people's join links: signed by the conference's signer;
	// their private calendars keyed by a key derived from its token key.
	key, err := conference.TokenKey(ctx, w.db, w.cfg.Conference.TokenKey, w.box)
	if err != nil {
		return nil, nil, err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("chancery accreditation calendars"))
	svc.Invites = &delegations.Invites{Signer: rooms.Signer(), CalendarKey: mac.Sum(nil),
		ICS: func(e store.Event, sessions []store.EventSession, only []int64, code, origin string, stamp time.Time, join func(store.EventSession) string) []byte {
			return events.ICS(e, sessions, only, events.ICSOptions{Lang: code, Origin: origin, Stamp: stamp, Join: join})
		}}
	w.delegations = svc
	var relay *mail.Relay
	if w.cfg.Mail.SMTPURL != "" {
		sender, err := mail.ParseURL(w.cfg.Mail.SMTPURL)
		if err != nil {
			return nil, nil, err
		}
		relay = mail.NewRelay(w.db, sender, w.log.With("component", "mail"), now)
		svc.MailFrom, svc.MailQueued = sender.From, relay.Kick
	}
	delegations.NewHandlers(svc, w.kit).Routes(w.mux)
	if w.cfg.Demo {
		e, err := w.db.GetEventBySlug(ctx, demoEventSlug)
		if err != nil {
			return nil, nil, fmt.Errorf("demo delegations: %w", err)
		}
		if err := svc.LoadDemo(ctx, e.ID); err != nil {
			return nil, nil, err
		}
	}
	return svc, relay, nil
}
