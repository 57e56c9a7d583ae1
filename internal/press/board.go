package press

import (
	"net/http"
	"slices"

	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/store"
)

// boardRoutes are the status board's confirmation pages.
func (h *Handlers) boardRoutes(mux *httpx.Router, read, _, _ func(http.Handler) http.Handler) {
	mux.Handle("GET /press/pause", read(http.HandlerFunc(h.pauseConfirm)))
	mux.Handle("GET /press/channels/{id}/pause", read(http.HandlerFunc(h.pauseConfirm)))
}

// PauseConfirmPage asks before an emergency pause, naming what it holds.
type PauseConfirmPage struct {
	// Channel is the channel to pause; nil pauses all publishing.
	Channel *store.Channel
	// Rows are the publications the pause would hold: cleared or awaiting
	// clearance, not yet out.
	Rows    []PubRow
	Total   int
	Already bool // the pause is on already
	Action  string
}

// heldStates are the publications a pause stops from going out.
var heldStates = []string{store.StateScheduled, store.StateSubmitted, store.StateFailed}

// pauseConfirm shows what a pause would hold before it is set: the whole
// organisation's, or one channel's (GET /press/channels/{id}/pause).
func (h *Handlers) pauseConfirm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := PauseConfirmPage{Action: "/press/pause"}
	var chID int64
	if r.PathValue("id") != "" {
		id, err := pathID(r)
		var ch store.Channel
		if err == nil {
			ch, err = h.db.GetChannel(ctx, id)
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		p.Channel, chID, p.Action = &ch, ch.ID, "/press/channels/"+r.PathValue("id")+"/pause"
		p.Already = ch.Paused()
	} else {
		b, err := h.svc.Banner(ctx)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		p.Already = b.Org
	}
	pubs, err := h.db.ListPublications(ctx, store.QueueFilter{From: h.svc.Now(), Limit: 2000})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var held []store.Publication
	for _, pb := range pubs {
		if (chID == 0 || pb.ChannelID == chID) && pb.DeletedAt.IsZero() && slices.Contains(heldStates, pb.State) {
			held = append(held, pb)
		}
	}
	p.Total = len(held)
	if len(held) > 50 {
		held = held[:50]
	}
	if p.Rows, err = h.rows(r, held); err != nil {
		h.fail(w, r, err)
		return
	}
	h.kit.Render(w, r, http.StatusOK, "press_pause.html", httpx.Page{Title: h.t(r, "press_pause_confirm_title", nil), Data: p})
}
