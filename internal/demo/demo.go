// Package demo loads the living demo: one user per role, articles in all
// seven languages, a conference room (its roll call and votes public, a
// quorum of two) and a multilingual conference with two sessions, so a
// newcomer sees Chancery working
// at once.
//
// It writes through internal/store and hashes passwords with internal/auth.
// Only cmd/server calls it, and only with -demo.
package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/store"
)

// SignIn is a demo account and its password, printed at start.
type SignIn struct {
	Username string
	Password string
	Roles    []account.Role
}

// users are the demo accounts: one per role.
var users = []struct {
	username, name string
	role           account.Role
}{
	{"demo-admin", "Nguyễn Văn An", account.RoleAdmin},
	{"demo-press", "Trần Thị Bình", account.RolePressOfficer},
	{"demo-approver", "Lê Minh Châu", account.RoleApprover},
	{"demo-protocol", "Phạm Quốc Dũng", account.RoleProtocolOfficer},
	{"demo-chair", "Hoàng Thu Hà", account.RoleChair},
	{"demo-interpreter", "Amélie Laurent", account.RoleInterpreter},
	{"demo-delegate", "Kenji Watanabe", account.RoleDelegate},
}

// Load creates the demo content once and gives every demo account a fresh
// password on each start, returned for printing.
func Load(ctx context.Context, db *store.DB, svc *auth.Service) ([]SignIn, error) {
	var out []SignIn
	for _, d := range users {
		pw := auth.GeneratePassword()
		hash, err := svc.HashPassword(pw)
		if err != nil {
			return nil, err
		}
		_, err = db.CreateUser(ctx, account.User{
			Username: d.username, DisplayName: d.name, PasswordHash: hash,
			Roles: []account.Role{d.role}, TimeZone: "Asia/Ho_Chi_Minh",
		})
		if errors.Is(err, store.ErrConflict) {
			// Loaded before, or by another instance starting at the same time.
			var u account.User
			if u, err = db.GetUserByUsername(ctx, d.username); err == nil {
				err = db.SetPassword(ctx, u.ID, hash)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("demo: user %s: %w", d.username, err)
		}
		out = append(out, SignIn{Username: d.username, Password: pw, Roles: []account.Role{d.role}})
	}

	if _, err := db.GetSetting(ctx, "demo_loaded"); err == nil {
		// Loaded before room assignments or events existed, perhaps.
		if err := loadEvent(ctx, db, svc.Now()); err != nil {
			return nil, err
		}
		return out, assignDemoRoom(ctx, db)
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	now := svc.Now().UTC().Truncate(time.Minute)
	for _, tp := range topics {
		if err := db.SaveTopic(ctx, tp); err != nil {
			return nil, fmt.Errorf("demo: topic %s: %w", tp.Slug, err)
		}
	}
	for i, a := range articles {
		a.PublishedAt = now.Add(-time.Duration(i+1) * 26 * time.Hour)
		if _, err := db.CreateArticle(ctx, a); err != nil && !errors.Is(err, store.ErrConflict) {
			return nil, fmt.Errorf("demo: article %s: %w", a.Slug, err)
		}
	}
	if err := correct(ctx, db); err != nil {
		return nil, err
	}
	if _, err := db.CreateRoom(ctx, store.Room{Slug: demoRoom, Title: "ASEAN Digital Diplomacy Forum"}); err != nil && !errors.Is(err, store.ErrConflict) {
		return nil, fmt.Errorf("demo: room: %w", err)
	}
	// The demo meeting's procedure is public (its observers' view), with a
	// quorum of two delegations, so that a chair and two heads of
	// delegation invited from the room's page can call the roll and vote.
	if err := db.SetProcedureRoom(ctx, store.ProcedureRoom{RoomSlug: demoRoom, QuorumKind: "fixed", QuorumN: 2, Public: true}); err != nil {
		return nil, fmt.Errorf("demo: procedure: %w", err)
	}
	if err := assignDemoRoom(ctx, db); err != nil {
		return nil, err
	}
	if err := loadEvent(ctx, db, now); err != nil {
		return nil, err
	}
	if err := db.SetSetting(ctx, "demo_loaded", now.Format(time.RFC3339)); err != nil {
		return nil, err
	}
	return out, nil
}

// demoRoom is the demo's conference room.
const demoRoom = "asean-digital-2026"

// assignDemoRoom makes the demo protocol officer the demo room's
// moderator, so that they can invite anyone to it, chairs included.
func assignDemoRoom(ctx context.Context, db *store.DB) error {
	room, err := db.GetRoomBySlug(ctx, demoRoom)
	if errors.Is(err, store.ErrNotFound) {
		return nil // removed by an administrator
	}
	if err != nil {
		return fmt.Errorf("demo: room: %w", err)
	}
	u, err := db.GetUserByUsername(ctx, "demo-protocol")
	if err != nil {
		return fmt.Errorf("demo: protocol officer: %w", err)
	}
	if _, err := db.GetRoomStaff(ctx, room.ID, u.ID); err == nil {
		return nil // an administrator may have changed it since
	}
	if err := db.AssignRoomStaff(ctx, room.ID, u.ID, true); err != nil {
		return fmt.Errorf("demo: assign the room: %w", err)
	}
	return nil
}

// correct publishes the demo correction as version 2.
func correct(ctx context.Context, db *store.DB) error {
	a, err := db.GetArticleBySlug(ctx, correction.slug)
	if err != nil {
		return fmt.Errorf("demo: correction: %w", err)
	}
	t := a.Translations[correction.lang]
	t.Body = correction.body
	if _, err := db.SaveTranslation(ctx, a.ID, t); err != nil {
		return fmt.Errorf("demo: correction: %w", err)
	}
	if _, err := db.PublishTranslation(ctx, a.ID, correction.lang, correction.note); err != nil {
		return fmt.Errorf("demo: correction: %w", err)
	}
	return nil
}
