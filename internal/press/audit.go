package press

import (
	"net/http"
	"strconv"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/store"
)

type auditJSON struct {
	Seq           int64     `json:"seq"`
	At            time.Time `json:"at"`
	Actor         string    `json:"actor"`
	Action        string    `json:"action"`
	StatementID   int64     `json:"statement_id,omitempty"`
	PublicationID int64     `json:"publication_id,omitempty"`
	ContentHash   string    `json:"content_hash,omitempty"`
	Payload       string    `json:"payload,omitempty"`
	Response      string    `json:"response,omitempty"`
	Hash          string    `json:"hash"`
}

func (h *Handlers) apiAudit(w http.ResponseWriter, r *http.Request) {
	var f store.AuditFilter
	if v := r.URL.Query().Get("statement"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			h.kit.Fail(w, r, &fault.Problem{Kind: fault.ErrInvalid, Key: "press_error_id", Field: "statement"})
			return
		}
		f.StatementID = id
	}
	es, err := h.db.ListAudit(r.Context(), f)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	out := make([]auditJSON, 0, len(es))
	for _, e := range es {
		out = append(out, auditJSON{e.Seq, e.At, e.Actor, e.Action, e.StatementID, e.PublicationID, e.ContentHash, e.Payload, e.Response, e.Hash})
	}
	h.kit.JSON(w, http.StatusOK, out)
}
