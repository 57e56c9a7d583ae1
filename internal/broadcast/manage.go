package broadcast

import (
	"net/http"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/store"
)

// ManagePage is the data of a room's broadcast management page.
type ManagePage struct {
	Room   store.Room
	Public bool
	State  State
	// Live is the room's public live page, when it has one.
	Live   string
	Tokens []TokenInfo
	// Issued is the token just issued, shown once.
	Issued *IssuedToken
	Notice string
	Error  string
	// Viewers is how many WHEP viewers this server serves now (all rooms).
	Viewers int
}

func (h *Handlers) managePage(w http.ResponseWriter, r *http.Request) {
	h.renderManage(w, r, http.StatusOK, ManagePage{})
}

func (h *Handlers) renderManage(w http.ResponseWriter, r *http.Request, status int, p ManagePage) {
	room, err := h.moderatedRoom(r)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	b, err := h.broadcastOf(r.Context(), room)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	ts, err := h.p.DB.ListWHIPTokens(r.Context(), room.ID)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	p.Room, p.Public, p.State, p.Viewers = room, b.Public, b.State, h.p.SFU.Viewers()
	if b.Public {
		p.Live = "/" + h.p.Kit.Lang(r).Code + "/rooms/" + room.Slug + "/live"
	}
	for _, t := range ts {
		p.Tokens = append(p.Tokens, h.tokenInfo(t))
	}
	h.p.Kit.Render(w, r, status, "broadcast-manage.html", httpx.Page{Title: room.TitleIn(h.p.Kit.Lang(r).Code), Data: p})
}

func (h *Handlers) issueForm(w http.ResponseWriter, r *http.Request) {
	if err := httpx.ParseForm(r); err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	out, err := h.issue(r, TokenInput{Label: r.PostFormValue("label"), Programme: r.PostFormValue("programme") == "1"})
	if err != nil {
		if pr, ok := fault.As(err, fault.ErrInvalid); ok {
			l := h.p.Kit.Lang(r)
			h.renderManage(w, r, http.StatusBadRequest, ManagePage{Error: h.p.Kit.Cat.T(l.Code, pr.Key)})
			return
		}
		h.p.Kit.Fail(w, r, err)
		return
	}
	h.renderManage(w, r, http.StatusOK, ManagePage{Issued: &out})
}

func (h *Handlers) revokeForm(w http.ResponseWriter, r *http.Request) {
	if err := httpx.ParseForm(r); err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	t, err := h.revoke(r)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	l := h.p.Kit.Lang(r)
	h.renderManage(w, r, http.StatusOK, ManagePage{Notice: h.p.Kit.Cat.T(l.Code, "broadcast_token_revoked", map[string]any{"Label": t.Label})})
}
