package portal

import (
	"errors"
	"net/http"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/portal/content"
	"github.com/mofa-vn/chancery/internal/store"
)

// WithdrawnPage is the data of the page a recalled statement keeps: a
// notice of when it was withdrawn, never its text.
type WithdrawnPage struct {
	Withdrawn Date
}

// showWithdrawn answers a request for the page of a withdrawn translation,
// its history or one of its versions: the withdrawal notice, or 410 Gone.
// It reports false when the translation was not withdrawn.
func (h *Handlers) showWithdrawn(w http.ResponseWriter, r *http.Request, l lang.Language, slug string) bool {
	wd, err := h.db.GetWithdrawal(r.Context(), content.ArticlePath(l.Code, slug))
	if errors.Is(err, store.ErrNotFound) {
		return false
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return true
	}
	date := h.date(l.Code, wd.WithdrawnAt)
	if wd.Gone {
		h.kit.Fail(w, r, &fault.Problem{Kind: fault.ErrGone, Key: "portal_gone", Data: map[string]any{"Date": date.Text}})
		return true
	}
	h.kit.Render(w, r, http.StatusOK, "portal-withdrawn.html", httpx.Page{
		Title:       h.t(l.Code, "portal_withdrawn_title", nil),
		Description: h.t(l.Code, "portal_withdrawn_notice", map[string]any{"Date": date.Text}),
		Data:        WithdrawnPage{Withdrawn: date},
	})
	return true
}
