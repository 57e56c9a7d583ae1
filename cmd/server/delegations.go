package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/events/delegations"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/mail"
	"github.com/mofa-vn/chancery/internal/store"
)

// demoEventSlug is the demo's conference, whose delegations -demo loads.
const demoEventSlug = "asean-digital-2026"

// roomEvents finds the event of an ID for the delegations area.
// TODO(events integration): internal/events owns events; until it is
// wired here, an event is the conference room of the same ID (its slug and
// title), which the demo's conference has.
func roomEvents(db *store.DB) delegations.Events {
	return func(ctx context.Context, id int64) (delegations.EventInfo, error) {
		rooms, err := db.ListRooms(ctx)
		if err != nil {
			return delegations.EventInfo{}, err
		}
		for _, r := range rooms {
			if r.ID == id {
				title := map[string]string{}
				for _, l := range lang.All() {
					title[l.Code] = r.Title
				}
				return delegations.EventInfo{ID: r.ID, Slug: r.Slug, Title: title}, nil
			}
		}
		return delegations.EventInfo{}, fmt.Errorf("event %d: %w", id, store.ErrNotFound)
	}
}

// wireDelegations serves the delegations area and, with -smtp-url, relays
// its mail; with -demo it gives the demo's conference its delegations.
func wireDelegations(ctx context.Context, a *app, cfg config.Config, db *store.DB, kit *httpx.Kit, mux *httpx.Router, log *slog.Logger, now func() time.Time) error {
	if now == nil {
		now = time.Now
	}
	svc := &delegations.Service{DB: db, Cat: kit.Cat, Events: roomEvents(db), Log: log.With("component", "delegations"), Now: now,
		PublicURL: func() string { return *a.publicURL.Load() }}
	if cfg.Mail.SMTPURL != "" {
		sender, err := mail.ParseURL(cfg.Mail.SMTPURL)
		if err != nil {
			return err
		}
		a.mailRelay = mail.NewRelay(db, sender, log.With("component", "mail"), now)
		svc.MailFrom, svc.MailQueued = sender.From, a.mailRelay.Kick
	}
	a.delegations = svc
	delegations.NewHandlers(svc, kit).Routes(mux)
	if cfg.Demo {
		room, err := db.GetRoomBySlug(ctx, demoEventSlug)
		if err != nil {
			return fmt.Errorf("demo delegations: %w", err)
		}
		if err := svc.LoadDemo(ctx, room.ID); err != nil {
			return err
		}
	}
	return nil
}
