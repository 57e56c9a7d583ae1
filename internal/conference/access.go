package conference

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

// Who may invite whom. Administrators manage every room. Other staff (the
// Moderators roles) manage only the rooms an administrator assigned them
// to: there they may issue and revoke invitations for delegates,
// interpreters and observers; the moderating roles (chair and protocol),
// which admit, mute and remove others, need an assignment as the room's
// moderator. Nobody may issue a role they could not revoke, nor revoke one
// they could not issue.
var (
	errNotAssigned   = &fault.Problem{Kind: fault.ErrForbidden, Key: "room_admin_not_assigned"}
	errRoleForbidden = &fault.Problem{Kind: fault.ErrForbidden, Key: "room_admin_role_forbidden"}
)

// access is what a viewer may do in one room.
type access struct {
	manage   bool // issue and revoke invitations of the non-moderating roles
	moderate bool // also those of the moderating roles
}

// moderating reports whether role admits, mutes and removes others.
func moderating(r sfu.Role) bool { return r == sfu.RoleChair || r == sfu.RoleProtocol }

// may reports whether a allows issuing or revoking an invitation of role.
func (a access) may(role sfu.Role) bool {
	if moderating(role) {
		return a.moderate
	}
	return a.manage
}

// roles are the roles a may invite, in sfu.Roles order.
func (a access) roles() []sfu.Role {
	var out []sfu.Role
	for _, r := range sfu.Roles {
		if a.may(r) {
			out = append(out, r)
		}
	}
	return out
}

// inviteRoles are the roles the invitation forms offer: a's, with the
// head of delegation (RoleHead) after the delegate.
func inviteRoles(a access) []sfu.Role {
	var out []sfu.Role
	for _, r := range a.roles() {
		out = append(out, r)
		if r == sfu.RoleDelegate {
			out = append(out, RoleHead)
		}
	}
	return out
}

func isAdmin(v *httpx.Viewer) bool { return v.Can(account.RoleAdmin) }

// accessTo returns what the viewer may do in room.
func (h *Handlers) accessTo(ctx context.Context, v *httpx.Viewer, room store.Room) (access, error) {
	return accessOf(ctx, h.p.DB, v, room)
}

// Moderates returns the check of whether a viewer moderates a room:
// administrators, and the staff assigned to it as its moderators. The
// broadcast area asks it (cmd/server hands it over) before a WHIP token
// puts a feed in front of the public, so that one rule decides both.
func Moderates(db *store.DB) func(ctx context.Context, v *httpx.Viewer, room store.Room) (bool, error) {
	return func(ctx context.Context, v *httpx.Viewer, room store.Room) (bool, error) {
		a, err := accessOf(ctx, db, v, room)
		return a.moderate, err
	}
}

// accessOf returns what the viewer may do in room.
func accessOf(ctx context.Context, db *store.DB, v *httpx.Viewer, room store.Room) (access, error) {
	if isAdmin(v) {
		return access{manage: true, moderate: true}, nil
	}
	s, err := db.GetRoomStaff(ctx, room.ID, v.User.ID)
	if errors.Is(err, store.ErrNotFound) {
		return access{}, nil
	}
	if err != nil {
		return access{}, fmt.Errorf("conference: access to %s: %w", room.Slug, err)
	}
	return access{manage: true, moderate: s.Moderator}, nil
}

// managedRoom returns the room of the request's {slug} and what the viewer
// may do there; a viewer who may do nothing gets errNotAssigned.
func (h *Handlers) managedRoom(r *http.Request) (store.Room, access, error) {
	room, err := h.p.DB.GetRoomBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		return store.Room{}, access{}, err
	}
	a, err := h.accessTo(r.Context(), httpx.ViewerFrom(r.Context()), room)
	if err != nil {
		return store.Room{}, access{}, err
	}
	if !a.manage {
		return store.Room{}, access{}, errNotAssigned
	}
	return room, a, nil
}

// TokenInfo is an issued invitation, as the API lists it.
type TokenInfo struct {
	ID        string     `json:"id"`
	Identity  string     `json:"identity"`
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	IssuedAt  time.Time  `json:"issued_at"`
	NotBefore *time.Time `json:"not_before,omitempty"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	// Revocable says whether the viewer may revoke it.
	Revocable bool `json:"revocable"`
}

func tokenInfo(t store.RoomToken, a access) TokenInfo {
	ti := TokenInfo{ID: t.ID, Identity: t.Identity, Name: t.Name, Role: t.Role, IssuedAt: t.IssuedAt, NotBefore: optTime(t.NotBefore), ExpiresAt: t.ExpiresAt,
		Revocable: !t.Revoked() && a.may(sfu.Role(t.Role))}
	if t.Revoked() {
		at := t.RevokedAt
		ti.RevokedAt = &at
	}
	return ti
}

// Revoked is the outcome of a revocation.
type Revoked struct {
	TokenInfo
	// SessionsEnded is how many sessions on this instance the revocation
	// ended at once (others end within seconds).
	SessionsEnded int `json:"sessions_ended"`
}

// revoke revokes the invitation {id} of the room {slug}: it is recorded
// first, so that it cannot join again, then its sessions end.
func (h *Handlers) revoke(r *http.Request) (Revoked, error) {
	ctx := r.Context()
	room, a, err := h.managedRoom(r)
	if err != nil {
		return Revoked{}, err
	}
	t, err := h.p.DB.GetRoomToken(ctx, room.ID, r.PathValue("id"))
	if err != nil {
		return Revoked{}, err
	}
	if !a.may(sfu.Role(t.Role)) {
		return Revoked{}, errRoleForbidden
	}
	v := httpx.ViewerFrom(ctx)
	if err := h.p.DB.RevokeRoomToken(ctx, room.ID, t.ID, v.User.ID); err != nil {
		return Revoked{}, err
	}
	n := h.p.SFU.Revoke(t.ID)
	h.audit(ctx, v, room, "revoke", t.Identity, t.ID)
	if t, err = h.p.DB.GetRoomToken(ctx, room.ID, t.ID); err != nil {
		return Revoked{}, err
	}
	return Revoked{TokenInfo: tokenInfo(t, a), SessionsEnded: n}, nil
}

// audit records a staff action in the room's audit trail; staff are named
// "staff:" and their username, apart from the identities of participants.
func (h *Handlers) audit(ctx context.Context, v *httpx.Viewer, room store.Room, action, target, detail string) {
	err := h.p.DB.AddRoomAudit(ctx, store.RoomAudit{RoomSlug: room.Slug, ActorIdentity: "staff:" + v.User.Username,
		ActorName: v.User.DisplayName, Action: action, TargetIdentity: target, Detail: detail, CreatedAt: h.p.Now().UTC()})
	if err != nil {
		h.p.Kit.Log.Error("conference: audit", "action", action, "room", room.Slug, "err", err)
	}
}

// StaffInfo is a staff member assigned to a room.
type StaffInfo struct {
	Username  string `json:"username"`
	Name      string `json:"name"`
	Moderator bool   `json:"moderator"`
}

// Assignment is a request to assign a staff member to a room.
type Assignment struct {
	Moderator bool `json:"moderator"`
}

// errNoStaff is a username that names no user who may be assigned.
var (
	errNoUser    = &fault.Problem{Kind: fault.ErrNotFound, Key: "room_admin_no_user"}
	errStaffRole = &fault.Problem{Kind: fault.ErrInvalid, Key: "room_admin_staff_role"}
)

// assign assigns the user named username to the room of the request; only
// administrators get here.
func (h *Handlers) assign(r *http.Request, username string, moderator bool) (StaffInfo, error) {
	ctx := r.Context()
	room, err := h.p.DB.GetRoomBySlug(ctx, r.PathValue("slug"))
	if err != nil {
		return StaffInfo{}, err
	}
	u, err := h.p.DB.GetUserByUsername(ctx, strings.TrimSpace(username))
	if errors.Is(err, store.ErrNotFound) {
		return StaffInfo{}, errNoUser
	}
	if err != nil {
		return StaffInfo{}, err
	}
	// Only those who reach the invitation pages can use an assignment;
	// administrators need none.
	if !assignable(u) {
		return StaffInfo{}, errStaffRole
	}
	if err := h.p.DB.AssignRoomStaff(ctx, room.ID, u.ID, moderator); err != nil {
		return StaffInfo{}, err
	}
	detail := "staff"
	if moderator {
		detail = "moderator"
	}
	h.audit(ctx, httpx.ViewerFrom(ctx), room, "assign", "staff:"+u.Username, detail)
	return StaffInfo{Username: u.Username, Name: u.DisplayName, Moderator: moderator}, nil
}

// assignable reports whether u may be assigned to rooms: only those who
// reach the invitation pages can use an assignment; administrators need
// none.
func assignable(u account.User) bool {
	return slices.ContainsFunc(u.Roles, func(r account.Role) bool {
		return r == account.RoleProtocolOfficer || r == account.RoleChair
	})
}

// unassign removes the assignment of the user named username.
func (h *Handlers) unassign(r *http.Request, username string) (StaffInfo, error) {
	ctx := r.Context()
	room, err := h.p.DB.GetRoomBySlug(ctx, r.PathValue("slug"))
	if err != nil {
		return StaffInfo{}, err
	}
	u, err := h.p.DB.GetUserByUsername(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return StaffInfo{}, errNoUser
	}
	if err != nil {
		return StaffInfo{}, err
	}
	if err := h.p.DB.UnassignRoomStaff(ctx, room.ID, u.ID); err != nil {
		return StaffInfo{}, err
	}
	h.audit(ctx, httpx.ViewerFrom(ctx), room, "unassign", "staff:"+u.Username, "")
	return StaffInfo{Username: u.Username, Name: u.DisplayName}, nil
}

// listTokens lists the invitations of the room {slug}, with whether the
// viewer may revoke each.
func (h *Handlers) listTokens(r *http.Request) ([]TokenInfo, error) {
	room, a, err := h.managedRoom(r)
	if err != nil {
		return nil, err
	}
	ts, err := h.p.DB.ListRoomTokens(r.Context(), room.ID)
	if err != nil {
		return nil, err
	}
	out := make([]TokenInfo, 0, len(ts))
	for _, t := range ts {
		out = append(out, tokenInfo(t, a))
	}
	return out, nil
}

func (h *Handlers) apiListTokens(w http.ResponseWriter, r *http.Request) {
	httpx.API(h.p.Kit, http.StatusOK, h.listTokens)(w, r)
}

func (h *Handlers) apiRevoke(w http.ResponseWriter, r *http.Request) {
	httpx.API(h.p.Kit, http.StatusOK, h.revoke)(w, r)
}

func (h *Handlers) apiListStaff(w http.ResponseWriter, r *http.Request) {
	room, err := h.p.DB.GetRoomBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	staff, err := h.p.DB.ListRoomStaff(r.Context(), room.ID)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	out := make([]StaffInfo, 0, len(staff))
	for _, s := range staff {
		out = append(out, StaffInfo{Username: s.Username, Name: s.DisplayName, Moderator: s.Moderator})
	}
	h.p.Kit.JSON(w, http.StatusOK, out)
}

func (h *Handlers) apiAssign(w http.ResponseWriter, r *http.Request) {
	var in Assignment
	if err := httpx.DecodeJSON(r, &in); err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	out, err := h.assign(r, r.PathValue("username"), in.Moderator)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	h.p.Kit.JSON(w, http.StatusOK, out)
}

func (h *Handlers) apiUnassign(w http.ResponseWriter, r *http.Request) {
	if _, err := h.unassign(r, r.PathValue("username")); err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
