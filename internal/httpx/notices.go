package httpx

import "net/http"

// Notices is the viewer's notification badge: how many are unread.
type Notices struct {
	Unread int
}

// Notices returns the viewer's notification badge, or nil when they get
// no notifications (signed out, or no role that has them).
func (v *View) Notices() *Notices { return v.notices }

func (h *Kit) unread(r *http.Request, viewer *Viewer) *Notices {
	if viewer == nil || h.Unread == nil {
		return nil
	}
	n, ok := h.Unread(r.Context(), viewer.User)
	if !ok {
		return nil
	}
	return &Notices{Unread: n}
}
