package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/broadcast"
	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/recording"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

// conferenceRooms builds the conference: the SFU, whose media sockets it
// opens, and the rooms' pages, API and signalling.
func (w *wiring) conferenceRooms(ctx context.Context) (*sfu.Server, error) {
	// The reception of an event's session lists its accredited people and
	// delegations (wired after the rooms).
	reception := func(ctx context.Context, slug string) (sfu.ReceptionList, error) {
		if w.delegations == nil {
			return sfu.ReceptionList{}, nil
		}
		return w.delegations.Reception(ctx, slug)
	}
	rooms, err := newSFU(ctx, w.cfg, w.db, w.box, w.log, w.o.now, reception)
	if err != nil {
		return nil, err
	}
	dir := w.cfg.Conference.RecordingDir
	if dir == "" {
		dir = filepath.Join(w.cfg.Storage.DataDir, "recordings")
	}
	recs := &recording.Manager{Root: dir, Rooms: rooms, MinFree: uint64(w.cfg.Conference.RecordingMinFreeMB) << 20, //nolint:gosec // validated ≥ 1
		Now: w.o.now, Log: w.log.With("component", "recording"), Catalog: conference.RecordingCatalog(w.db), FreeSpace: w.o.freeSpace}
	rooms.SetRecordControl(recs)
	conference.New(conference.Params{SFU: rooms, DB: w.db, Kit: w.kit, TTL: w.cfg.Conference.TokenTTL, PublicURL: w.cfg.Web.PublicURL, Now: w.o.now,
		Recordings: recs,
		// A vote's result becomes a statement draft, cleared as any other.
		Announce: func(ctx context.Context, u account.User, texts []conference.Announcement) (string, error) {
			if w.press == nil {
				return "", fault.ErrNotFound
			}
			in := publishing.StatementInput{Category: "events"}
			for _, t := range texts {
				in.Variants = append(in.Variants, publishing.VariantInput{Lang: t.Lang, Title: t.Title, Body: t.Body})
			}
			st, err := w.press.SaveStatement(ctx, publishing.ActorOf(u), 0, in)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("/press/statements/%d", st.ID), nil
		},
	}).Routes(w.mux)
	// Public broadcasting of the rooms: WHEP, WHIP, the live pages.
	broadcast.New(broadcast.Params{SFU: rooms, DB: w.db, Kit: w.kit, Now: w.o.now, Moderates: conference.Moderates(w.db)}).Routes(w.mux)
	if w.cfg.Demo {
		// The demo's public session is live with a test signal.
		if _, err := startDemoLive(ctx, w.db, rooms, w.log); err != nil {
			w.log.Warn("demo live", "err", err)
		}
	}
	return rooms, nil
}

// newSigner returns the join-token signer with the configured or stored key.
func newSigner(ctx context.Context, cfg config.Config, db *store.DB, box *secrets.Box, now func() time.Time) (*sfu.Signer, error) {
	key, err := conference.TokenKey(ctx, db, cfg.Conference.TokenKey, box)
	if err != nil {
		return nil, err
	}
	return sfu.NewSigner(key, now)
}

// newSFU opens the media sockets of the conference SFU.
func newSFU(ctx context.Context, cfg config.Config, db *store.DB, box *secrets.Box, log *slog.Logger, now func() time.Time,
	reception func(context.Context, string) (sfu.ReceptionList, error)) (*sfu.Server, error) {
	signer, err := newSigner(ctx, cfg, db, box, now)
	if err != nil {
		return nil, err
	}
	var ips []string
	for _, ip := range strings.Split(cfg.Conference.PublicIPs, ",") {
		if ip = strings.TrimSpace(ip); ip != "" {
			ips = append(ips, ip)
		}
	}
	turnSecret := ""
	if cfg.Conference.TURNUDP != "" || cfg.Conference.TURNTLS != "" {
		// TURN credentials derive from the token key: one secret to keep.
		key, err := conference.TokenKey(ctx, db, cfg.Conference.TokenKey, box)
		if err != nil {
			return nil, err
		}
		turnSecret = string(key)
	}
	return sfu.New(sfu.Params{
		Config: sfu.Config{
			UDPAddr: cfg.Conference.UDPAddr, TCPAddr: cfg.Conference.TCPAddr, PublicIPs: ips, Loopback: cfg.Conference.Loopback,
			TURN: sfu.TURNConfig{UDPAddr: cfg.Conference.TURNUDP, TLSAddr: cfg.Conference.TURNTLS, Host: cfg.Conference.TURNHost, RelayIP: cfg.Conference.TURNRelay,
				Realm: "chancery", CertFile: cfg.HTTP.TLSCert, KeyFile: cfg.HTTP.TLSKey, Secret: turnSecret},
		},
		Signer: signer, Store: conference.Store{DB: db, ReceptionOf: reception, Box: box}, Log: log.With("component", "sfu"), Now: now,
		ChatHistory: int(cfg.Conference.ChatLength),
	})
}
