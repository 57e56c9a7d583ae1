package press

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/store"
)

// AutosaveJSON is the answer to an autosave: the statement's ID and
// address (a first save creates it) and the line the form shows.
type AutosaveJSON struct {
	ID      int64  `json:"id"`
	URL     string `json:"url"`
	Message string `json:"message"`
	Hash    string `json:"hash"`
}

// autosave saves the compose form as typed, in the background, while the
// statement is a draft. A submitted or cleared statement is never saved
// behind its officer's back: saving voids its approvals, so that takes the
// button. Images travel with the button too; an autosave keeps the ones
// already stored and adds none.
func (h *Handlers) autosave(w http.ResponseWriter, r *http.Request) {
	if err := parseComposeForm(r); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	var old store.Statement
	if r.PathValue("id") != "" {
		id, err := pathID(r)
		if err == nil {
			old, err = h.db.GetStatement(r.Context(), id)
		}
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		if old.State != store.StateDraft || old.RecallState != "" {
			h.kit.Fail(w, r, &fault.Problem{Kind: fault.ErrConflict, Key: "press_autosave_not_draft"})
			return
		}
	}
	if len(r.PostForm["pending_data"]) > 0 || (r.MultipartForm != nil && len(r.MultipartForm.File["media_file"]) > 0) {
		h.kit.Fail(w, r, &fault.Problem{Kind: fault.ErrRefused, Key: "press_autosave_media", Field: "media"})
		return
	}
	f, err := h.readCompose(r, old)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	st, err := h.svc.SaveStatement(r.Context(), actor(r), old.ID, f.in)
	if errors.Is(err, store.ErrConflict) {
		err = &fault.Problem{Kind: fault.ErrRefused, Key: "press_error_generic"}
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	at := h.svc.Now().In(zone(r)).Format("15:04")
	h.kit.JSON(w, http.StatusOK, AutosaveJSON{ID: st.ID, URL: fmt.Sprintf("/press/statements/%d", st.ID), Hash: st.ContentHash,
		Message: h.t(r, "press_autosave_saved", map[string]any{"Time": at})})
}
