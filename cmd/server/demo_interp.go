package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

// demoInterpRoom is the demo conference room (internal/demo) whose booths
// the demo interpreter staffs.
const demoInterpRoom = "asean-digital-2026"

// demoBooth is one invitation -demo prints for the interpretation demo.
type demoBooth struct {
	identity, name, lang, booth string
	role                        sfu.Role
}

// demoBooths are the French booth, staffed by the demo interpreter
// (Amélie Laurent, demo-interpreter) and a partner, an English booth, a
// Ha Noi Sign Language booth (a video channel), and the chair who listens
// and sets the floor's language.
var demoBooths = []demoBooth{
	{"demo-interpreter", "Amélie Laurent", "fr", "fr", sfu.RoleInterpreter},
	{"demo-interpreter-partner", "Karim Haddad", "ar", "fr", sfu.RoleInterpreter},
	{"demo-interpreter-en", "Grace Lim", "en", "en", sfu.RoleInterpreter},
	{"demo-interpreter-sign", "Trần Minh", "vi", "hab", sfu.RoleInterpreter},
	{"demo-chair", "Chair (demo)", "vi", "", sfu.RoleChair},
}

// printDemoBooths issues, records and prints the join links of the demo
// room's booths: open them in separate browsers to try the interpreter
// console, the handover and the listeners' language channels.
func printDemoBooths(ctx context.Context, w io.Writer, db *store.DB, signer *sfu.Signer, base string) error {
	room, err := db.GetRoomBySlug(ctx, demoInterpRoom)
	if err != nil {
		return fmt.Errorf("demo booths: %w", err)
	}
	fmt.Fprintf(w, "Interpretation in %s (booths fr, en and hab, Ha Noi Sign Language; valid 12 hours):\n\n", demoInterpRoom)
	for _, d := range demoBooths {
		tok, err := signer.Issue(sfu.Claims{Room: room.Slug, Identity: d.identity, Name: d.name, Role: d.role, Booth: d.booth,
			Permissions: sfu.DefaultPermissions(d.role)}, 12*time.Hour)
		if err != nil {
			return fmt.Errorf("demo booths: %w", err)
		}
		c, err := signer.Verify(tok)
		if err != nil {
			return fmt.Errorf("demo booths: %w", err)
		}
		if err := db.CreateRoomToken(ctx, store.RoomToken{ID: c.ID, RoomID: room.ID, Identity: c.Identity, Name: c.Name, Role: string(c.Role),
			IssuedAt: time.Unix(c.IssuedAt, 0), ExpiresAt: time.Unix(c.ExpiresAt, 0)}); err != nil {
			return fmt.Errorf("demo booths: record: %w", err)
		}
		what := string(d.role)
		if d.booth != "" {
			what += " · booth " + d.booth
		}
		fmt.Fprintf(w, "    %-28s %s\n        %s\n", d.name, what, conference.JoinURL(base, d.lang, room.Slug, tok))
	}
	fmt.Fprintln(w)
	return nil
}
