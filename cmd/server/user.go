package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/store"
)

// maxPasswordBytes is the longest password the sign-in form accepts; a
// longer one could never be used.
const maxPasswordBytes = 1024

// userCommand handles "chancery user add". The password is read from
// standard input with -password-stdin, or generated and printed once.
func userCommand(ctx context.Context, args, environ []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return usageError{errors.New("usage: chancery user add -username NAME -roles ROLE[,ROLE…] [-name DISPLAY] [-email E] [-password-stdin]")}
	}
	env := envMap(environ)
	fs := flag.NewFlagSet("chancery user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	username := fs.String("username", "", "username to sign in with")
	name := fs.String("name", "", "display name (defaults to the username)")
	email := fs.String("email", "", "e-mail address")
	roles := fs.String("roles", "", "comma-separated roles: "+roleList())
	pwStdin := fs.Bool("password-stdin", false, "read the password from standard input instead of generating one")
	data := fs.String("data", orDefault(env["CHANCERY_DATA"], "./data"), "data directory of the embedded store (env CHANCERY_DATA)")
	dbURL := fs.String("database-url", env["CHANCERY_DATABASE_URL"], "PostgreSQL URL (env CHANCERY_DATABASE_URL)")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err}
	}
	rs, err := account.ParseRoles(strings.Split(*roles, ","))
	if ire, ok := errors.AsType[*account.InvalidRoleError](err); ok {
		return usageError{fmt.Errorf("-roles: unknown role %q; the roles are: %s", ire.Name, roleList())}
	}
	if err != nil || len(rs) == 0 {
		return usageError{fmt.Errorf("-roles must name at least one of: %s", roleList())}
	}
	u := account.User{Username: account.NormalizeUsername(*username), DisplayName: strings.TrimSpace(*name), Email: strings.TrimSpace(*email), Roles: rs}
	if u.Username == "" {
		return usageError{errors.New("-username is required")}
	}
	if u.DisplayName == "" {
		u.DisplayName = u.Username
	}

	pw, generated := "", false
	if *pwStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password: %w", err)
		}
		pw = strings.TrimRight(line, "\r\n")
		if len([]rune(pw)) < auth.MinPasswordLen {
			return usageError{fmt.Errorf("the password must have at least %d characters", auth.MinPasswordLen)}
		}
		if len(pw) > maxPasswordBytes {
			return usageError{fmt.Errorf("the password must have at most %d bytes", maxPasswordBytes)}
		}
	} else {
		pw, generated = auth.GeneratePassword(), true
	}
	hash, err := auth.HashPassword(pw, auth.DefaultArgon2)
	if err != nil {
		return err
	}
	u.PasswordHash = hash

	db, err := store.Open(ctx, store.Options{DatabaseURL: *dbURL, DataDir: *data})
	if err != nil {
		return err
	}
	defer db.Close()
	created, err := db.CreateUser(ctx, u)
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("a user named %q already exists", u.Username)
	}
	if err != nil {
		return err
	}
	u = created
	fmt.Fprintf(stdout, "created user %s (id %d) with roles %s\n", u.Username, u.ID, joinRoles(u.Roles))
	if generated {
		if err := db.SetSetting(ctx, auth.PasswordKey(u.ID), "1"); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "one-time password: %s\n(it must be changed at first sign-in and is not shown again)\n", pw)
	}
	return nil
}

func roleList() string { return joinRoles(account.Roles) }

func joinRoles(rs []account.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func envMap(environ []string) map[string]string {
	m := map[string]string{}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}
