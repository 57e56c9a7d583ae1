package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

// tokenCommand handles "chancery token": it signs a conference join token,
// records it (so that staff can revoke it on /admin/rooms or through the
// API), prints the join URL and, on stderr, the token's ID. Add
// &autojoin=1 to join at once with the default devices (kiosks, tests).
// Whoever runs it has the server's keys and database, so it is not limited
// to any room or role, as an administrator.
func tokenCommand(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	env := envMap(environ)
	fs := flag.NewFlagSet("chancery token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	room := fs.String("room", "", "room slug")
	identity := fs.String("identity", "", "stable participant identifier (while it is in the room, only this token rejoins under it)")
	name := fs.String("name", "", "display name")
	delegation := fs.String("delegation", "", "delegation shown on the participant's tile")
	role := fs.String("role", string(sfu.RoleDelegate), "role: "+roleNames())
	booth := fs.String("booth", "", "interpreters: the language booth they work in (fr, es, …)")
	langCode := fs.String("lang", orDefault(env["CHANCERY_DEFAULT_LANG"], "vi"), "language of the join page")
	ttl := fs.Duration("ttl", 2*time.Hour, "how long the token stays valid")
	base := fs.String("base-url", orDefault(env["CHANCERY_PUBLIC_URL"], "http://localhost:8080"), "base URL of the server (env CHANCERY_PUBLIC_URL)")
	keyHex := fs.String("room-token-key", env["CHANCERY_ROOM_TOKEN_KEY"], "hex token key; empty uses the key kept in the database (env CHANCERY_ROOM_TOKEN_KEY)")
	data := fs.String("data", orDefault(env["CHANCERY_DATA"], "./data"), "data directory of the embedded store (env CHANCERY_DATA)")
	dbURL := fs.String("database-url", env["CHANCERY_DATABASE_URL"], "PostgreSQL URL (env CHANCERY_DATABASE_URL)")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if !slices.Contains(config.Languages, *langCode) {
		return usageError{fmt.Errorf("-lang must be one of %s", strings.Join(config.Languages, ", "))}
	}
	if *ttl < time.Minute || *ttl > 7*24*time.Hour {
		return usageError{errors.New("-ttl must be between 1m and 168h")}
	}
	r := sfu.Role(*role)
	c := sfu.Claims{ID: sfu.NewTokenID(), Room: *room, Identity: *identity, Name: *name, Delegation: *delegation, Role: r, Booth: *booth, Permissions: sfu.DefaultPermissions(r)}
	if err := (sfu.Claims{ID: c.ID, Room: c.Room, Identity: c.Identity, Name: c.Name, Delegation: c.Delegation, Role: r, Booth: c.Booth, ExpiresAt: 1}).Validate(); err != nil {
		return usageError{fmt.Errorf("usage: chancery token -room ROOM -identity ID -name NAME -role ROLE: %w", err)}
	}
	db, err := store.Open(ctx, store.Options{DatabaseURL: *dbURL, DataDir: *data})
	if err != nil {
		return err
	}
	defer db.Close()
	dbRoom, err := db.GetRoomBySlug(ctx, c.Room)
	if err != nil {
		return usageError{fmt.Errorf("-room %q: no such room", c.Room)}
	}
	var box *secrets.Box
	if *keyHex == "" {
		// The stored key is sealed with the credentials key, found as the
		// server finds it.
		scfg := config.Default()
		scfg.Storage = config.Storage{DataDir: *data, DatabaseURL: *dbURL}
		scfg.Secrets = config.Secrets{Key: env["CHANCERY_SECRET_KEY"], KeyFile: env["CHANCERY_SECRET_KEY_FILE"], Previous: env["CHANCERY_SECRET_KEYS_PREVIOUS"]}
		if box, err = openSecrets(scfg); err != nil {
			return err
		}
	}
	key, err := conference.TokenKey(ctx, db, *keyHex, box)
	if err != nil {
		return err
	}
	signer, err := sfu.NewSigner(key, nil)
	if err != nil {
		return err
	}
	tok, err := signer.Issue(c, *ttl)
	if err != nil {
		return usageError{err}
	}
	if c, err = signer.Verify(tok); err != nil {
		return fmt.Errorf("token: verify the token just issued: %w", err)
	}
	// An unrecorded token could not be revoked: none is printed unless the
	// record is written.
	if err := db.CreateRoomToken(ctx, store.RoomToken{ID: c.ID, RoomID: dbRoom.ID, Identity: c.Identity, Name: c.Name, Role: string(c.Role),
		IssuedAt: time.Unix(c.IssuedAt, 0), ExpiresAt: time.Unix(c.ExpiresAt, 0)}); err != nil {
		return fmt.Errorf("token: record: %w", err)
	}
	fmt.Fprintln(stdout, conference.JoinURL(*base, *langCode, c.Room, tok))
	fmt.Fprintln(stderr, "token ID (to revoke it):", c.ID)
	return nil
}

func roleNames() string {
	names := make([]string, len(sfu.Roles))
	for i, r := range sfu.Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}
