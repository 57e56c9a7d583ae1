package admin

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
)

// UsersPage is the data of the users template.
type UsersPage struct {
	Users     []account.User
	Roles     []account.Role
	Error     *fault.Problem
	ErrorText string
	Created   *account.User
	Password  string // generated password, shown once
}

// UserPage is the data of the edit-user template.
type UserPage struct {
	User      account.User
	Roles     []account.Role
	ErrorText string
	Saved     bool
	Password  string // new password after a reset, shown once
	// Failures is the account's failed sign-ins within the throttle's
	// window; WaitSeconds, how long its next attempt must wait.
	Failures    int
	WaitSeconds int
	Unlocked    bool // the administrator just cleared the failures
	// SecondFactor says whether the user has a second factor;
	// SecondFactorReset, that the administrator just reset it.
	SecondFactor      bool
	SecondFactorReset bool
	// Sessions counts the user's open sessions; SessionsEnded, that the
	// administrator just ended them all.
	Sessions      int
	SessionsEnded bool
}

// TokensPage is the data of the API tokens template.
type TokensPage struct {
	Tokens    []account.APIToken
	Roles     []account.Role
	Secret    string // new token, shown once
	ErrorText string
}

func (h *Handlers) t(r *http.Request, key string, data map[string]any) string {
	return h.kit.Cat.T(h.kit.Lang(r).Code, key, data)
}

func (h *Handlers) dashboard(w http.ResponseWriter, r *http.Request) {
	h.kit.Render(w, r, http.StatusOK, "admin.html", httpx.Page{Title: h.t(r, "admin_title", nil)})
}

func (h *Handlers) renderUsers(w http.ResponseWriter, r *http.Request, status int, p UsersPage) {
	users, err := h.db.ListUsers(r.Context())
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p.Users, p.Roles = users, account.Roles
	if p.Error != nil {
		p.ErrorText = h.t(r, p.Error.Key, p.Error.Data)
	}
	h.kit.Render(w, r, status, "users.html", httpx.Page{Title: h.t(r, "users_title", nil), Data: p})
}

func (h *Handlers) usersPage(w http.ResponseWriter, r *http.Request) {
	h.renderUsers(w, r, http.StatusOK, UsersPage{})
}

// formInput reads a user form. Checkboxes that are absent mean "off".
func formInput(r *http.Request, creating bool) UserInput {
	str := func(k string) *string { v := r.PostFormValue(k); return &v }
	in := UserInput{DisplayName: str("display_name"), Email: str("email"), Lang: str("lang"), TimeZone: str("time_zone")}
	in.Roles = r.PostForm["roles"]
	if in.Roles == nil {
		in.Roles = []string{}
	}
	if creating {
		in.Username, in.Password = str("username"), str("password")
	} else {
		disabled := r.PostFormValue("disabled") == "on"
		in.Disabled = &disabled
	}
	return in
}

func (h *Handlers) createUserForm(w http.ResponseWriter, r *http.Request) {
	if err := httpx.ParseForm(r); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	u, pw, err := h.createUser(r.Context(), formInput(r, true))
	var he *fault.Problem
	if errors.As(err, &he) && httpx.Status(he) < 500 {
		h.renderUsers(w, r, httpx.Status(he), UsersPage{Error: he})
		return
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.renderUsers(w, r, http.StatusCreated, UsersPage{Created: &u, Password: pw})
}

func (h *Handlers) userPage(w http.ResponseWriter, r *http.Request) {
	u, err := h.userFromPath(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.renderUser(w, r, http.StatusOK, UserPage{User: u})
}

func (h *Handlers) renderUser(w http.ResponseWriter, r *http.Request, status int, p UserPage) {
	p.Roles = account.Roles
	failures, wait, err := h.auth.LockState(r.Context(), p.User.Username)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p.Failures, p.WaitSeconds = failures, int(math.Ceil(wait.Seconds()))
	if p.SecondFactor, err = h.auth.HasSecondFactor(r.Context(), p.User.ID); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	sessions, err := h.auth.Sessions(r.Context(), p.User.ID, "")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p.Sessions = len(sessions)
	h.kit.Render(w, r, status, "user.html", httpx.Page{Title: h.t(r, "users_edit_title", map[string]any{"Name": p.User.DisplayName}), Data: p})
}

func (h *Handlers) updateUserForm(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = httpx.ParseForm(r)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	viewer := httpx.ViewerFrom(r.Context()).User
	u, err := h.updateUser(r.Context(), viewer, id, formInput(r, false))
	var he *fault.Problem
	if errors.As(err, &he) && httpx.Status(he) < 500 && httpx.Status(he) != http.StatusNotFound {
		h.renderUser(w, r, httpx.Status(he), UserPage{User: u, ErrorText: h.t(r, he.Key, he.Data)})
		return
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.renderUser(w, r, http.StatusOK, UserPage{User: u, Saved: true})
}

// resetPassword gives the user a new generated password, shown once to the
// administrator, ends the user's sessions and asks for a change at next sign-in.
func (h *Handlers) resetPassword(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u, err := h.userFromPath(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	pw := auth.GeneratePassword()
	hash, err := h.auth.HashPassword(pw)
	if err == nil {
		err = h.db.SetPassword(ctx, u.ID, hash)
	}
	if err == nil {
		err = h.auth.EndAllSessions(ctx, httpx.ViewerFrom(ctx).User, u)
	}
	if err == nil {
		err = h.db.SetSetting(ctx, auth.PasswordKey(u.ID), "1")
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.renderUser(w, r, http.StatusOK, UserPage{User: u, Password: pw})
}

// clearSignInLock forgets the user's failed sign-ins, so that they can try
// again at once (audited by auth).
func (h *Handlers) clearSignInLock(w http.ResponseWriter, r *http.Request) {
	u, err := h.userFromPath(r)
	if err == nil {
		err = h.auth.ClearLock(r.Context(), httpx.ViewerFrom(r.Context()).User, u.Username)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.renderUser(w, r, http.StatusOK, UserPage{User: u, Unlocked: true})
}

func (h *Handlers) renderTokens(w http.ResponseWriter, r *http.Request, status int, p TokensPage) {
	v := httpx.ViewerFrom(r.Context())
	ts, err := h.db.ListAPITokens(r.Context(), v.User.ID)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p.Tokens, p.Roles = ts, v.User.Roles
	h.kit.Render(w, r, status, "tokens.html", httpx.Page{Title: h.t(r, "tokens_title", nil), Data: p})
}

func (h *Handlers) tokensPage(w http.ResponseWriter, r *http.Request) {
	h.renderTokens(w, r, http.StatusOK, TokensPage{})
}

func (h *Handlers) createToken(w http.ResponseWriter, r *http.Request) {
	if err := httpx.ParseForm(r); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v := httpx.ViewerFrom(r.Context())
	if v.Token {
		// A token may not mint tokens; only a person at a browser may.
		h.kit.Fail(w, r, fault.ErrForbidden)
		return
	}
	name := r.PostFormValue("name")
	roles, err := account.ParseRoles(r.PostForm["roles"])
	var p TokensPage
	switch {
	case len(name) == 0 || len(name) > 100:
		p.ErrorText = h.t(r, "tokens_error_name", nil)
	case err != nil || len(roles) == 0:
		p.ErrorText = h.t(r, "tokens_error_roles", nil)
	}
	var expires time.Time
	if days := r.PostFormValue("days"); p.ErrorText == "" && days != "" && days != "0" {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 3650 {
			p.ErrorText = h.t(r, "tokens_error_days", nil)
		}
		expires = h.auth.Now().AddDate(0, 0, n)
	}
	if p.ErrorText != "" {
		h.renderTokens(w, r, http.StatusBadRequest, p)
		return
	}
	secret, _, err := h.auth.CreateToken(r.Context(), v.User, name, roles, expires)
	if err != nil {
		p.ErrorText = h.t(r, "tokens_error_roles", nil)
		h.renderTokens(w, r, http.StatusBadRequest, p)
		return
	}
	h.renderTokens(w, r, http.StatusCreated, TokensPage{Secret: secret})
}

func (h *Handlers) deleteToken(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = h.db.DeleteAPIToken(r.Context(), httpx.ViewerFrom(r.Context()).User.ID, id)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/tokens", http.StatusSeeOther)
}

// resetSecondFactor removes the user's second factor and signs them out
// everywhere; they enrol again at their next sign-in and are told why
// (audited by auth).
func (h *Handlers) resetSecondFactor(w http.ResponseWriter, r *http.Request) {
	u, err := h.userFromPath(r)
	if err == nil {
		err = h.auth.ResetSecondFactor(r.Context(), httpx.ViewerFrom(r.Context()).User, u)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.renderUser(w, r, http.StatusOK, UserPage{User: u, SecondFactorReset: true})
}

// endUserSessions signs the user out everywhere (audited by auth).
func (h *Handlers) endUserSessions(w http.ResponseWriter, r *http.Request) {
	u, err := h.userFromPath(r)
	if err == nil {
		err = h.auth.EndAllSessions(r.Context(), httpx.ViewerFrom(r.Context()).User, u)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.renderUser(w, r, http.StatusOK, UserPage{User: u, SessionsEnded: true})
}
