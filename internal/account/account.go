// Package account owns the domain types of people who sign in to Chancery:
// users, their roles, browser sessions and API tokens.
//
// It holds plain data and rules about that data only. It must not import
// storage, HTTP or any other Chancery package, so that every other package
// can depend on it.
package account

import (
	"slices"
	"strings"
	"time"
)

// Role is a named set of permissions. A user may hold several roles.
type Role string

// The roles known to Chancery.
const (
	RoleAdmin           Role = "admin"
	RolePressOfficer    Role = "press_officer"
	RoleApprover        Role = "approver"
	RoleProtocolOfficer Role = "protocol_officer"
	RoleChair           Role = "chair"
	RoleInterpreter     Role = "interpreter"
	RoleDelegate        Role = "delegate"
)

// Roles lists every role in a stable order, for forms and validation.
var Roles = []Role{
	RoleAdmin, RolePressOfficer, RoleApprover, RoleProtocolOfficer,
	RoleChair, RoleInterpreter, RoleDelegate,
}

// The press office's roles: PressReaders see its statements, channels,
// calendar, audit log and alerts; PressWriters compose, schedule and
// connect channels; PressClearers approve statements and recalls.
var (
	PressReaders  = []Role{RoleAdmin, RolePressOfficer, RoleApprover}
	PressWriters  = []Role{RoleAdmin, RolePressOfficer}
	PressClearers = []Role{RoleAdmin, RoleApprover}
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// ParseRoles turns role names into roles, rejecting unknown ones and
// removing duplicates. The result is sorted in the order of Roles.
func ParseRoles(names []string) ([]Role, error) {
	var out []Role
	for _, n := range names {
		r := Role(strings.TrimSpace(n))
		if r == "" {
			continue
		}
		if !r.Valid() {
			return nil, &InvalidRoleError{Name: string(r)}
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	SortRoles(out)
	return out, nil
}

// SortRoles sorts roles in the order of Roles.
func SortRoles(rs []Role) {
	slices.SortFunc(rs, func(a, b Role) int {
		return slices.Index(Roles, a) - slices.Index(Roles, b)
	})
}

// InvalidRoleError reports a role name that Chancery does not know.
type InvalidRoleError struct{ Name string }

func (e *InvalidRoleError) Error() string { return "account: unknown role " + e.Name }

// User is a person who can sign in.
type User struct {
	ID           int64
	Username     string // unique, lower case, used to sign in
	DisplayName  string
	Email        string
	PasswordHash string // argon2id PHC string; never shown or logged
	Roles        []Role
	Lang         string // preferred UI language (BCP 47), may be empty
	TimeZone     string // IANA zone the person chose, may be empty
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// HasRole reports whether u holds any of the given roles.
func (u User) HasRole(roles ...Role) bool {
	for _, r := range roles {
		if slices.Contains(u.Roles, r) {
			return true
		}
	}
	return false
}

// Session is a server-side browser session. Only a hash of the cookie value
// is stored, so a copy of the database does not let anyone sign in.
type Session struct {
	IDHash     string
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	UserAgent  string
	IP         string
	// IdPSecondFactor records that the identity provider of a single
	// sign-on checked a second factor (its amr or acr said so), so that
	// Chancery does not ask for its own.
	IdPSecondFactor bool
}

// APIToken grants access to the JSON API. Only a hash of the secret is
// stored. A token's roles are a subset of its owner's roles, checked on
// every request, so removing a role from the user removes it from the token.
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	Hash       string
	Prefix     string // first characters of the secret, to recognise it in lists
	Roles      []Role
	CreatedAt  time.Time
	ExpiresAt  time.Time // zero means it does not expire
	LastUsedAt time.Time // zero if never used
}

// EffectiveRoles returns the roles a token may use: those it was scoped to
// that its owner still holds.
func (t APIToken) EffectiveRoles(owner User) []Role {
	var out []Role
	for _, r := range t.Roles {
		if owner.HasRole(r) {
			out = append(out, r)
		}
	}
	return out
}

// NormalizeUsername returns the canonical form of a username.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
