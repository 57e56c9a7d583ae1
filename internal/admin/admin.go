// Package admin owns the staff pages under /admin and the user management
// API under /api/v1/users: accounts, roles and API tokens.
//
// Authorisation is checked here, server-side, through auth.Require on every
// route. It must not import other feature packages.
package admin

import (
	"context"
	"errors"
	"net/http"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
)

// Staff are the roles that may enter /admin.
var Staff = []account.Role{
	account.RoleAdmin, account.RolePressOfficer, account.RoleApprover,
	account.RoleProtocolOfficer, account.RoleChair, account.RoleInterpreter,
}

// Handlers serve the admin pages and the users API.
type Handlers struct {
	db   *store.DB
	auth *auth.Service
	kit  *httpx.Kit
}

// New returns the admin handlers.
func New(db *store.DB, svc *auth.Service, kit *httpx.Kit) *Handlers {
	return &Handlers{db: db, auth: svc, kit: kit}
}

// Routes lists every route of the admin area and the users API.
func (h *Handlers) Routes(mux *httpx.Router) {
	staff := auth.Require(h.kit, Staff...)
	admin := auth.Require(h.kit, account.RoleAdmin)
	signedIn := auth.Require(h.kit)

	mux.Handle("GET /admin", staff(http.HandlerFunc(h.dashboard)))
	mux.Handle("GET /admin/users", admin(http.HandlerFunc(h.usersPage)))
	mux.Handle("POST /admin/users", admin(http.HandlerFunc(h.createUserForm)))
	mux.Handle("GET /admin/users/{id}", admin(http.HandlerFunc(h.userPage)))
	mux.Handle("POST /admin/users/{id}", admin(http.HandlerFunc(h.updateUserForm)))
	mux.Handle("POST /admin/users/{id}/password", admin(http.HandlerFunc(h.resetPassword)))
	mux.Handle("POST /admin/users/{id}/signin-lock", admin(http.HandlerFunc(h.clearSignInLock)))
	mux.Handle("POST /admin/users/{id}/2fa/reset", admin(http.HandlerFunc(h.resetSecondFactor)))
	mux.Handle("POST /admin/users/{id}/sessions/end", admin(http.HandlerFunc(h.endUserSessions)))
	mux.Handle("GET /admin/tokens", staff(http.HandlerFunc(h.tokensPage)))
	mux.Handle("POST /admin/tokens", staff(http.HandlerFunc(h.createToken)))
	mux.Handle("POST /admin/tokens/{id}/delete", staff(http.HandlerFunc(h.deleteToken)))

	mux.Handle("GET /api/v1/me", signedIn(http.HandlerFunc(h.apiMe)))
	mux.Handle("GET /api/v1/users", admin(http.HandlerFunc(h.apiListUsers)))
	mux.Handle("POST /api/v1/users", admin(http.HandlerFunc(h.apiCreateUser)))
	mux.Handle("GET /api/v1/users/{id}", admin(http.HandlerFunc(h.apiGetUser)))
	mux.Handle("PATCH /api/v1/users/{id}", admin(http.HandlerFunc(h.apiUpdateUser)))
}

// UserInput is a user as submitted by a form or the API. Nil fields are
// left unchanged on update.
type UserInput struct {
	Username    *string  `json:"username"`
	DisplayName *string  `json:"display_name"`
	Email       *string  `json:"email"`
	Roles       []string `json:"roles"`
	Lang        *string  `json:"lang"`
	TimeZone    *string  `json:"time_zone"`
	Disabled    *bool    `json:"disabled"`
	Password    *string  `json:"password"`
}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

func invalid(field, key string, data map[string]any) *fault.Problem {
	return &fault.Problem{Kind: fault.ErrInvalid, Key: key, Field: field, Data: data}
}

// apply validates in and copies it onto u. A user's own admin role cannot be
// removed by that user, so nobody locks the last door behind them.
func apply(u *account.User, in UserInput, creating bool, self bool) error {
	if creating || in.Username != nil {
		if !creating {
			return invalid("username", "users_error_username_fixed", nil)
		}
		if in.Username == nil || !usernameRE.MatchString(account.NormalizeUsername(*in.Username)) {
			return invalid("username", "users_error_username", nil)
		}
		u.Username = account.NormalizeUsername(*in.Username)
	}
	if in.DisplayName != nil {
		n := strings.TrimSpace(*in.DisplayName)
		if n == "" || utf8.RuneCountInString(n) > 200 || !utf8.ValidString(n) {
			return invalid("display_name", "users_error_display_name", nil)
		}
		u.DisplayName = n
	} else if creating {
		u.DisplayName = u.Username
	}
	if in.Email != nil {
		e := strings.TrimSpace(*in.Email)
		if e != "" {
			a, err := mail.ParseAddress(e)
			if err != nil || a.Address != e || len(e) > 254 {
				return invalid("email", "users_error_email", nil)
			}
		}
		u.Email = e
	}
	if in.Roles != nil || creating {
		roles, err := account.ParseRoles(in.Roles)
		if err != nil {
			return invalid("roles", "users_error_role", nil)
		}
		if self && u.HasRole(account.RoleAdmin) && !containsRole(roles, account.RoleAdmin) {
			return invalid("roles", "users_error_own_admin", nil)
		}
		u.Roles = roles
	}
	if in.Lang != nil {
		if _, ok := lang.Lookup(*in.Lang); !ok && *in.Lang != "" {
			return invalid("lang", "users_error_lang", nil)
		}
		u.Lang = *in.Lang
	}
	if in.TimeZone != nil {
		tz := strings.TrimSpace(*in.TimeZone)
		if tz != "" {
			if _, err := time.LoadLocation(tz); err != nil || tz == "Local" {
				return invalid("time_zone", "users_error_time_zone", map[string]any{"Zone": tz})
			}
		}
		u.TimeZone = tz
	}
	if in.Disabled != nil {
		if self && *in.Disabled {
			return invalid("disabled", "users_error_own_disable", nil)
		}
		u.Disabled = *in.Disabled
	}
	return nil
}

func containsRole(rs []account.Role, r account.Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// createUser validates and stores a new user. Without a password one is
// generated, returned once, and must be changed at first sign-in.
func (h *Handlers) createUser(ctx context.Context, in UserInput) (account.User, string, error) {
	var u account.User
	if err := apply(&u, in, true, false); err != nil {
		return u, "", err
	}
	pw, generated := "", false
	if in.Password != nil && *in.Password != "" {
		pw = *in.Password
		if utf8.RuneCountInString(pw) < auth.MinPasswordLen || len(pw) > 1024 {
			return u, "", invalid("password", "password_error_length", map[string]any{"Min": auth.MinPasswordLen})
		}
	} else {
		pw, generated = auth.GeneratePassword(), true
	}
	hash, err := h.auth.HashPassword(pw)
	if err != nil {
		return u, "", err
	}
	u.PasswordHash = hash
	u, err = h.db.CreateUser(ctx, u)
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return u, "", &fault.Problem{Kind: fault.ErrConflict, Key: "users_error_taken", Field: "username", Err: err}
		}
		return u, "", err
	}
	if !generated {
		return u, "", nil
	}
	if err := h.db.SetSetting(ctx, auth.PasswordKey(u.ID), "1"); err != nil {
		return u, "", err
	}
	return u, pw, nil
}

func (h *Handlers) updateUser(ctx context.Context, viewer account.User, id int64, in UserInput) (account.User, error) {
	u, err := h.db.GetUser(ctx, id)
	if err != nil {
		return u, err
	}
	if in.Password != nil {
		return u, invalid("password", "users_error_password_field", nil)
	}
	if err := apply(&u, in, false, viewer.ID == u.ID); err != nil {
		return u, err
	}
	u, err = h.db.UpdateUser(ctx, u)
	if err != nil {
		return u, err
	}
	if u.Disabled {
		// A disabled account loses its sessions at once.
		if err := h.db.DeleteUserSessions(ctx, u.ID); err != nil {
			return u, err
		}
	}
	return u, nil
}

// userFromPath loads the user named by the {id} path segment.
func (h *Handlers) userFromPath(r *http.Request) (account.User, error) {
	id, err := pathID(r)
	if err != nil {
		return account.User{}, err
	}
	return h.db.GetUser(r.Context(), id)
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fault.ErrNotFound
	}
	return id, nil
}
