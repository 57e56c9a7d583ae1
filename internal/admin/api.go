package admin

import (
	"net/http"
	"strconv"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/httpx"
)

// UserJSON is a user in the API. It never carries the password hash.
type UserJSON struct {
	ID          int64          `json:"id"`
	Username    string         `json:"username"`
	DisplayName string         `json:"display_name"`
	Email       string         `json:"email,omitempty"`
	Roles       []account.Role `json:"roles"`
	Lang        string         `json:"lang,omitempty"`
	TimeZone    string         `json:"time_zone,omitempty"`
	Disabled    bool           `json:"disabled"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

func toJSON(u account.User) UserJSON {
	roles := u.Roles
	if roles == nil {
		roles = []account.Role{}
	}
	return UserJSON{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Email: u.Email, Roles: roles,
		Lang: u.Lang, TimeZone: u.TimeZone, Disabled: u.Disabled, CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC()}
}

// MeJSON describes the caller: who they are and the roles this request may use.
type MeJSON struct {
	User     UserJSON       `json:"user"`
	Roles    []account.Role `json:"effective_roles"`
	ViaToken bool           `json:"via_token"`
}

func (h *Handlers) apiMe(w http.ResponseWriter, r *http.Request) {
	v := httpx.ViewerFrom(r.Context())
	roles := v.Roles
	if roles == nil {
		roles = []account.Role{}
	}
	h.kit.JSON(w, http.StatusOK, MeJSON{User: toJSON(v.User), Roles: roles, ViaToken: v.Token})
}

func (h *Handlers) apiListUsers(w http.ResponseWriter, r *http.Request) {
	users, err := h.db.ListUsers(r.Context())
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	out := make([]UserJSON, 0, len(users))
	for _, u := range users {
		out = append(out, toJSON(u))
	}
	h.kit.JSON(w, http.StatusOK, map[string]any{"users": out})
}

// CreatedJSON answers a created user; Password is set only when the server
// generated one, and is shown this once.
type CreatedJSON struct {
	User     UserJSON `json:"user"`
	Password string   `json:"generated_password,omitempty"`
}

func (h *Handlers) apiCreateUser(w http.ResponseWriter, r *http.Request) {
	var in UserInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	u, pw, err := h.createUser(r.Context(), in)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/users/"+strconv.FormatInt(u.ID, 10))
	h.kit.JSON(w, http.StatusCreated, CreatedJSON{User: toJSON(u), Password: pw})
}

func (h *Handlers) apiGetUser(w http.ResponseWriter, r *http.Request) {
	u, err := h.userFromPath(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.JSON(w, http.StatusOK, toJSON(u))
}

func (h *Handlers) apiUpdateUser(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	var in UserInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	u, err := h.updateUser(r.Context(), httpx.ViewerFrom(r.Context()).User, id, in)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.JSON(w, http.StatusOK, toJSON(u))
}
