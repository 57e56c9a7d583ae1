package notify

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
)

// Readers are the roles that receive notifications and open their pages:
// the press office's.
var Readers = account.PressReaders

// Handlers serves the notification list and settings under
// /press/notifications.
type Handlers struct {
	svc *Service
	kit *httpx.Kit
}

// NewHandlers returns the handlers of svc.
func NewHandlers(svc *Service, kit *httpx.Kit) *Handlers { return &Handlers{svc: svc, kit: kit} }

// Routes lists the area's routes.
func (h *Handlers) Routes(mux *httpx.Router) {
	read := auth.Require(h.kit, Readers...)
	mux.Handle("GET /press/notifications", read(http.HandlerFunc(h.list)))
	mux.Handle("POST /press/notifications/read", read(http.HandlerFunc(h.markRead)))
	mux.Handle("POST /press/notifications/settings", read(http.HandlerFunc(h.saveSettings)))
}

// Unread is Kit.Unread: the badge's count for the press office's people.
func (s *Service) Unread(ctx context.Context, u account.User) (int, bool) {
	if !u.HasRole(Readers...) {
		return 0, false
	}
	n, err := s.DB.UnreadNotifications(ctx, u.ID)
	if err != nil {
		s.Log.ErrorContext(ctx, "notify: count unread", "err", err)
		return 0, false
	}
	return n, true
}

// item is one notification as the list shows it.
type item struct {
	store.Notification
	Link, When, ISO string
}

// pref is one row of the settings form.
type pref struct {
	Kind          string
	InApp, ByMail bool
}

type listPage struct {
	Items       []item
	Unread      int
	Prefs       []pref
	MailEnabled bool
	HasEmail    bool
	Notice      string
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	u := httpx.ViewerFrom(r.Context()).User
	notes, err := h.svc.DB.ListNotifications(r.Context(), u.ID, 200)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	saved, err := h.svc.DB.NotifyPrefs(r.Context(), u.ID)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p := listPage{MailEnabled: h.svc.MailEnabled(), HasEmail: u.Email != ""}
	switch r.URL.Query().Get("notice") {
	case "read", "saved":
		p.Notice = "notify_notice_" + r.URL.Query().Get("notice")
	}
	code, loc := h.kit.Lang(r).Code, time.UTC
	if z, err := time.LoadLocation(u.TimeZone); err == nil && u.TimeZone != "" {
		loc = z
	}
	for _, n := range notes {
		it := item{Notification: n, When: lang.FormatDateTime(code, n.CreatedAt, loc, lang.Medium), ISO: n.CreatedAt.Format(time.RFC3339)}
		if n.StatementID != 0 {
			it.Link = "/press/statements/" + strconv.FormatInt(n.StatementID, 10)
		}
		if n.ReadAt.IsZero() {
			p.Unread++
		}
		p.Items = append(p.Items, it)
	}
	for _, k := range Kinds {
		sp, ok := saved[k]
		if !ok {
			sp = store.NotifyPref{InApp: true, ByMail: true}
		}
		p.Prefs = append(p.Prefs, pref{Kind: k, InApp: sp.InApp, ByMail: sp.ByMail})
	}
	h.kit.Render(w, r, http.StatusOK, "notify_list.html", httpx.Page{Title: h.kit.Cat.T(h.kit.Lang(r).Code, "notify_title", nil), Data: p})
}

// markRead marks one notification read (id), or all of them (no id).
func (h *Handlers) markRead(w http.ResponseWriter, r *http.Request) {
	u := httpx.ViewerFrom(r.Context()).User
	var id int64
	if v := r.PostFormValue("id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			h.kit.Fail(w, r, fault.ErrNotFound)
			return
		}
		id = n
	}
	if err := h.svc.DB.MarkNotificationsRead(r.Context(), u.ID, id); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/press/notifications?notice=read", http.StatusSeeOther)
}

// saveSettings stores the viewer's choice: a box ticked per kind and way.
func (h *Handlers) saveSettings(w http.ResponseWriter, r *http.Request) {
	u := httpx.ViewerFrom(r.Context()).User
	if err := r.ParseForm(); err != nil {
		h.kit.Fail(w, r, fault.Refused("", "notify_error_form"))
		return
	}
	saved, err := h.svc.DB.NotifyPrefs(r.Context(), u.ID)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	prefs := make([]store.NotifyPref, 0, len(Kinds))
	for _, k := range Kinds {
		p := store.NotifyPref{Kind: k, InApp: r.PostForm.Has("app_" + k), ByMail: r.PostForm.Has("mail_" + k)}
		if !h.svc.MailEnabled() {
			// The boxes are disabled without a mail server: keep the choice.
			old, ok := saved[k]
			p.ByMail = !ok || old.ByMail
		}
		prefs = append(prefs, p)
	}
	if err := h.svc.DB.SaveNotifyPrefs(r.Context(), u.ID, prefs); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/press/notifications?notice=saved#settings", http.StatusSeeOther)
}
