package conference

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/recording"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

// sealedKeySetting is where a generated token key is kept, sealed with the
// credentials key (internal/secrets) so that the database alone does not
// let anyone forge join tokens. legacyKeySetting held it in plain hex
// before; TokenKey seals such a key and removes the plain copy.
const (
	sealedKeySetting = "conference_token_key_sealed"
	legacyKeySetting = "conference_token_key"
	keySecretName    = "conference.token_key"
)

// TokenKey returns the key that signs join tokens: the configured hex key,
// else the one kept sealed in the database, else a new random one, stored
// there so that every instance and the `chancery token` command share it.
func TokenKey(ctx context.Context, db *store.DB, configured string, box *secrets.Box) ([]byte, error) {
	if configured != "" {
		return hex.DecodeString(configured)
	}
	if k, err := openTokenKey(ctx, db, box); err == nil || !errors.Is(err, store.ErrNotFound) {
		return k, err
	}
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	if legacy, err := db.GetSetting(ctx, legacyKeySetting); err == nil {
		if k, err = hex.DecodeString(legacy); err != nil {
			return nil, fmt.Errorf("conference: stored token key: %w", err)
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("conference: token key: %w", err)
	}
	sealed, err := box.SealNamed(keySecretName, k)
	if err != nil {
		return nil, fmt.Errorf("conference: seal token key: %w", err)
	}
	if err := db.SetSetting(ctx, sealedKeySetting, base64.StdEncoding.EncodeToString(sealed)); err != nil {
		return nil, fmt.Errorf("conference: store token key: %w", err)
	}
	if err := db.DeleteSetting(ctx, legacyKeySetting); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("conference: remove the plain token key: %w", err)
	}
	// Another instance may have stored its key first: use whichever won.
	return openTokenKey(ctx, db, box)
}

func openTokenKey(ctx context.Context, db *store.DB, box *secrets.Box) ([]byte, error) {
	v, err := db.GetSetting(ctx, sealedKeySetting)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		return nil, fmt.Errorf("conference: token key: %w", err)
	}
	sealed, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return nil, fmt.Errorf("conference: stored token key: %w", err)
	}
	k, err := box.OpenNamed(keySecretName, sealed)
	if err != nil {
		return nil, fmt.Errorf("conference: open the stored token key (is this the credentials key it was sealed with?): %w", err)
	}
	return k, nil
}

// JoinURL is the link that opens room with token, in language code.
func JoinURL(base, code, room, token string) string {
	return strings.TrimRight(base, "/") + "/" + code + "/rooms/" + room + "?t=" + url.QueryEscape(token)
}

// Moderators are the staff roles that may issue join tokens.
var Moderators = []account.Role{account.RoleAdmin, account.RoleProtocolOfficer, account.RoleChair}

// Params are the dependencies of the conference handlers.
type Params struct {
	SFU *sfu.Server
	DB  *store.DB
	Kit *httpx.Kit
	TTL time.Duration // lifetime of issued tokens
	// PublicURL is the base of join links; empty uses the request's origin.
	PublicURL string
	Now       func() time.Time
	// Announce saves a statement draft in the press office from texts in
	// each language and returns its address (nil: no press office).
	Announce func(ctx context.Context, u account.User, texts []Announcement) (string, error)
	// Recordings records rooms (nil: no recording pages).
	Recordings *recording.Manager
}

// Announcement is a statement draft's text in one language.
type Announcement struct {
	Lang, Title, Body string
}

// Handlers serve the conference pages, the signalling endpoint and the
// token API.
type Handlers struct {
	p Params
}

// New returns the handlers.
func New(p Params) *Handlers {
	if p.Now == nil {
		p.Now = time.Now
	}
	return &Handlers{p: p}
}

// SignalPath is the WebSocket endpoint of the signalling protocol.
const SignalPath = "/rooms/signal"

// UsesMedia reports the pages that may use camera, microphone and screen
// capture (httpx.Kit.SecurityHeaders): the rooms, /{lang}/rooms/{slug},
// and the pages beside them under a first segment's rooms/.
func UsesMedia(path string) bool {
	_, rest, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	return strings.HasPrefix(rest, "rooms/")
}

// Routes lists every route of the conference area.
func (h *Handlers) Routes(mux *httpx.Router) {
	staff := auth.Require(h.p.Kit, Moderators...)
	// Public: reached with a join token, which is checked server-side on
	// the page and again on the WebSocket's join message.
	mux.HandleFunc("GET /{lang}/rooms/{slug}", h.roomPage)
	mux.Handle("GET "+SignalPath, h.p.SFU)
	h.procRoutes(mux)

	// Staff: each handler checks the viewer's access to the room itself
	// (see access.go); creating, renaming, scheduling and archiving rooms
	// and assigning their staff is for administrators only.
	admin := auth.Require(h.p.Kit, account.RoleAdmin)
	mux.Handle("GET /admin/rooms", staff(http.HandlerFunc(h.roomsPage)))
	mux.Handle("GET /admin/rooms/new", admin(http.HandlerFunc(h.newRoomPage)))
	mux.Handle("POST /admin/rooms", admin(http.HandlerFunc(h.createForm)))
	mux.Handle("GET /admin/rooms/{slug}", staff(http.HandlerFunc(h.roomManagePage)))
	mux.Handle("POST /admin/rooms/{slug}", admin(http.HandlerFunc(h.updateForm)))
	mux.Handle("POST /admin/rooms/{slug}/archive", admin(http.HandlerFunc(h.archiveForm)))
	mux.Handle("POST /admin/rooms/{slug}/unarchive", admin(http.HandlerFunc(h.archiveForm)))
	mux.Handle("POST /admin/rooms/{slug}/invite", staff(http.HandlerFunc(h.inviteForm)))
	mux.Handle("POST /admin/rooms/{slug}/invite-list", staff(http.HandlerFunc(h.inviteListForm)))
	mux.Handle("POST /admin/rooms/{slug}/tokens/{id}/revoke", staff(http.HandlerFunc(h.revokeForm)))
	mux.Handle("POST /admin/rooms/{slug}/staff", admin(http.HandlerFunc(h.assignForm)))
	mux.Handle("POST /admin/rooms/{slug}/staff/{username}/remove", admin(http.HandlerFunc(h.unassignForm)))
	h.recordingRoutes(mux, staff)
	mux.Handle("GET /api/v1/rooms", staff(http.HandlerFunc(h.apiListRooms)))
	mux.Handle("POST /api/v1/rooms", admin(http.HandlerFunc(h.apiCreateRoom)))
	mux.Handle("GET /api/v1/rooms/{slug}", staff(http.HandlerFunc(h.apiGetRoom)))
	mux.Handle("PATCH /api/v1/rooms/{slug}", admin(http.HandlerFunc(h.apiPatchRoom)))
	mux.Handle("GET /api/v1/rooms/{slug}/participants", staff(http.HandlerFunc(h.apiParticipants)))
	mux.Handle("POST /api/v1/rooms/{slug}/invitations", staff(http.HandlerFunc(h.apiInviteList)))
	mux.Handle("GET /api/v1/rooms/{slug}/tokens", staff(http.HandlerFunc(h.apiListTokens)))
	mux.Handle("POST /api/v1/rooms/{slug}/tokens", staff(http.HandlerFunc(h.apiIssue)))
	mux.Handle("DELETE /api/v1/rooms/{slug}/tokens/{id}", staff(http.HandlerFunc(h.apiRevoke)))
	mux.Handle("GET /api/v1/rooms/{slug}/staff", admin(http.HandlerFunc(h.apiListStaff)))
	mux.Handle("PUT /api/v1/rooms/{slug}/staff/{username}", admin(http.HandlerFunc(h.apiAssign)))
	mux.Handle("DELETE /api/v1/rooms/{slug}/staff/{username}", admin(http.HandlerFunc(h.apiUnassign)))
}

// RoomPage is the data of the room template.
type RoomPage struct {
	Room     store.Room
	Claims   sfu.Claims
	Token    string
	Signal   string
	Autojoin bool
	Strings  map[string]string
}

// jsKeys are the messages the client script shows.
var jsKeys = []string{
	"room_you", "room_mic_off", "room_hand_raised", "room_speaking", "room_screen_of", "room_joined",
	"room_reconnecting", "room_reconnected", "room_left", "room_bye_removed", "room_bye_denied", "room_bye_replaced", "room_bye_revoked",
	"room_error_locked", "room_error_forbidden", "room_error_generic", "room_error_media", "room_device_switched", "room_error_expired", "room_error_invalid",
	"room_error_revoked", "room_error_identity_in_use", "room_error_archived", "room_error_not_yet_valid", "room_bye_archived",
	"room_admit", "room_admit_delegation", "room_expected_absent", "room_expected_waiting", "room_expected_admitted", "room_deny", "room_mute", "room_remove", "room_locked_notice", "room_camera", "room_microphone",
	"room_role_chair", "room_role_protocol", "room_role_delegate", "room_role_interpreter", "room_role_observer",
	"room_muted_by_chair", "room_camera_off_by_chair", "room_unmute_allowed", "room_error_muted_by_chair", "room_muted_by", "room_allow_unmute",
	"room_media_denied", "room_media_fix_chrome", "room_media_fix_edge", "room_media_fix_firefox", "room_media_fix_safari", "room_media_fix_other",
	"room_media_none", "room_media_none_fix", "room_media_busy", "room_media_busy_fix", "room_media_join_anyway",
	"room_speaker", "room_speaker_playing", "room_hand_raised_by", "room_left_by", "room_waiting_one", "room_unread", "room_chat_from",
	"room_pin", "room_fullscreen", "room_pip", "room_now_mic_on", "room_now_mic_off", "room_now_cam_on", "room_now_cam_off",
	"room_quality_good", "room_quality_fair", "room_quality_poor", "room_quality_unknown", "room_quality_loss", "room_quality_rtt", "room_quality_layer",
}

func (h *Handlers) roomPage(w http.ResponseWriter, r *http.Request) {
	room, err := h.p.DB.GetRoomBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	l := h.p.Kit.Lang(r)
	c, err := h.p.SFU.Signer().Verify(r.URL.Query().Get("t"))
	switch {
	case errors.Is(err, sfu.ErrTokenExpired):
		h.p.Kit.Fail(w, r, &fault.Problem{Kind: fault.ErrForbidden, Key: "room_error_expired"})
		return
	case errors.Is(err, sfu.ErrTokenNotYetValid):
		// Say from when, if the token is genuine and for this room.
		if c, err := h.p.SFU.Signer().Inspect(r.URL.Query().Get("t")); err == nil && c.Room == room.Slug {
			at := lang.FormatDateTime(l.Code, time.Unix(c.NotBefore, 0), zone(r), lang.Medium) + " (" + zone(r).String() + ")"
			h.p.Kit.Fail(w, r, &fault.Problem{Kind: fault.ErrForbidden, Key: "room_error_not_yet", Data: map[string]any{"Time": at}})
			return
		}
		h.p.Kit.Fail(w, r, &fault.Problem{Kind: fault.ErrForbidden, Key: "room_error_invalid"})
		return
	case err != nil || c.Room != room.Slug:
		h.p.Kit.Fail(w, r, &fault.Problem{Kind: fault.ErrForbidden, Key: "room_error_invalid"})
		return
	case room.Archived():
		h.p.Kit.Fail(w, r, &fault.Problem{Kind: fault.ErrGone, Key: "room_error_archived"})
		return
	}
	// A revoked token opens no page either (the signalling refuses it too).
	if revoked, err := h.p.DB.RevokedRoomTokens(r.Context(), []string{c.ID}); err != nil || len(revoked) > 0 {
		if err == nil {
			err = &fault.Problem{Kind: fault.ErrForbidden, Key: "room_error_revoked"}
		}
		h.p.Kit.Fail(w, r, err)
		return
	}
	room.Title = room.TitleIn(l.Code)
	strs := make(map[string]string, len(jsKeys)+len(floorJSKeys)+len(procJSKeys)+len(interpJSKeys)+len(recordJSKeys))
	for _, k := range slices.Concat(jsKeys, floorJSKeys, procJSKeys, interpJSKeys, recordJSKeys) {
		strs[k] = h.p.Kit.Cat.T(l.Code, k, procPlaceholders)
	}
	w.Header().Set("Referrer-Policy", "no-referrer") // the URL carries the token
	h.p.Kit.Render(w, r, http.StatusOK, "room.html", httpx.Page{Title: room.Title, Data: RoomPage{
		Room: room, Claims: c, Token: r.URL.Query().Get("t"), Signal: SignalPath,
		Autojoin: r.URL.Query().Get("autojoin") == "1", Strings: strs,
	}})
}

// Invite is a request to issue a join token.
type Invite struct {
	Identity   string `json:"identity"`
	Name       string `json:"name"`
	Delegation string `json:"delegation"`
	Role       string `json:"role"`
	// Booth is an interpreter's language booth (fr, es, …).
	Booth string `json:"booth"`
	Lang  string `json:"lang"`
	// NotBefore and ExpiresAt are the invitation's window: by default
	// from now until the room closes, else for the configured lifetime.
	NotBefore *time.Time `json:"not_before"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// Issued is an issued join token; ID is what revokes it.
type Issued struct {
	ID        string     `json:"id"`
	Token     string     `json:"token"`
	URL       string     `json:"url"`
	NotBefore *time.Time `json:"not_before,omitempty"`
	ExpiresAt time.Time  `json:"expires_at"`
	Identity  string     `json:"identity"`
	Name      string     `json:"name"`
	Role      string     `json:"role"`
}

// issue signs an invitation to the room of the request, if the viewer may
// invite its role there, and records it so that it can be revoked.
func (h *Handlers) issue(r *http.Request, in Invite) (Issued, error) {
	room, a, err := h.managedRoom(r)
	if err != nil {
		return Issued{}, err
	}
	role := sfu.Role(in.Role)
	if in.Role == RoleHead {
		// A head of delegation is a delegate who acts for a delegation.
		if strings.TrimSpace(in.Delegation) == "" {
			return Issued{}, &fault.Problem{Kind: fault.ErrInvalid, Key: "room_invite_head_delegation", Field: "delegation"}
		}
		role = sfu.RoleDelegate
	}
	if role.Valid() && !a.may(role) {
		return Issued{}, errRoleForbidden
	}
	if room.Archived() {
		return Issued{}, errArchived
	}
	wnd, err := h.invitationWindow(room, in.NotBefore, in.ExpiresAt)
	if err != nil {
		return Issued{}, err
	}
	code := in.Lang
	if code == "" {
		code = h.p.Kit.Lang(r).Code
	}
	out, err := h.issueAll(r, room, []Invitee{{Identity: strings.TrimSpace(in.Identity), Name: strings.TrimSpace(in.Name),
		Delegation: strings.TrimSpace(in.Delegation), Role: in.Role, Booth: in.Booth}}, wnd, code)
	if err != nil {
		return Issued{}, err
	}
	return out[0], nil
}

func (h *Handlers) inviteForm(w http.ResponseWriter, r *http.Request) {
	if err := httpx.ParseForm(r); err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	from, until, err := formWindow(r)
	if err != nil {
		h.formFailed(w, r, err)
		return
	}
	in := Invite{Identity: r.PostFormValue("identity"), Name: r.PostFormValue("name"), Delegation: r.PostFormValue("delegation"),
		Role: r.PostFormValue("role"), Booth: r.PostFormValue("booth"), NotBefore: from, ExpiresAt: until}
	out, err := h.issue(r, in)
	if err != nil {
		h.formFailed(w, r, err)
		return
	}
	h.renderManage(w, r, http.StatusOK, ManagePage{Issued: h.issuedRows(r, []Issued{out})})
}

func (h *Handlers) inviteListForm(w http.ResponseWriter, r *http.Request) {
	if err := httpx.ParseForm(r); err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	from, until, err := formWindow(r)
	if err != nil {
		h.formFailed(w, r, err)
		return
	}
	list, err := parseList(r.PostFormValue("list"))
	if err == nil {
		var out []Issued
		out, err = h.inviteList(r, list, r.PostFormValue("role"), from, until, "", "list")
		if err == nil {
			h.renderManage(w, r, http.StatusOK, ManagePage{Issued: h.issuedRows(r, out)})
			return
		}
	}
	h.formFailed(w, r, err)
}

func (h *Handlers) apiIssue(w http.ResponseWriter, r *http.Request) {
	httpx.APIWith(h.p.Kit, http.StatusCreated, h.issue)(w, r)
}

func (h *Handlers) revokeForm(w http.ResponseWriter, r *http.Request) {
	out, err := h.revoke(r)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	notice := h.p.Kit.Cat.T(h.p.Kit.Lang(r).Code, "room_admin_revoked", map[string]any{"Name": out.Name})
	h.renderManage(w, r, http.StatusOK, ManagePage{Notice: notice})
}

func (h *Handlers) assignForm(w http.ResponseWriter, r *http.Request) {
	if err := httpx.ParseForm(r); err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	out, err := h.assign(r, r.PostFormValue("username"), r.PostFormValue("moderator") != "")
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	notice := h.p.Kit.Cat.T(h.p.Kit.Lang(r).Code, "room_admin_assigned", map[string]any{"Name": out.Name})
	h.renderManage(w, r, http.StatusOK, ManagePage{Notice: notice})
}

func (h *Handlers) unassignForm(w http.ResponseWriter, r *http.Request) {
	out, err := h.unassign(r, r.PathValue("username"))
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	notice := h.p.Kit.Cat.T(h.p.Kit.Lang(r).Code, "room_admin_unassigned", map[string]any{"Name": out.Name})
	h.renderManage(w, r, http.StatusOK, ManagePage{Notice: notice})
}
