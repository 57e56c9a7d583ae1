package press

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
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
	// Rows are the publications the pause would hold (heldStates).
	Rows    []PubRow
	Total   int
	Already bool // the pause is on already
	Action  string
}

// heldStates are the publications a pause stops from going out: cleared,
// or awaiting clearance. A failed one goes nowhere until a person moves
// it, and one being published is past stopping.
var heldStates = []string{store.StateScheduled, store.StateSubmitted}

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
			h.kit.Fail(w, r, err)
			return
		}
		p.Channel, chID, p.Action = &ch, ch.ID, "/press/channels/"+r.PathValue("id")+"/pause"
		p.Already = ch.Paused()
	} else {
		b, err := h.svc.Banner(ctx)
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		p.Already = b.Org
	}
	pubs, err := h.db.ListPublications(ctx, store.QueueFilter{From: h.svc.Now(), Limit: 2000})
	if err != nil {
		h.kit.Fail(w, r, err)
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
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.Render(w, r, http.StatusOK, "press_pause.html", httpx.Page{Title: h.t(r, "press_pause_confirm_title", nil), Data: p})
}

// flash is the confirmation shown after a form, said from what the store
// holds now: the address names only what happened and to what, so a
// crafted link can at most repeat a true fact, never put words on the page.
// An unknown notice, or one whose subject is gone, says "Done."
func (h *Handlers) flash(r *http.Request, notice string) string {
	ctx := r.Context()
	q := r.URL.Query()
	id := func(name string) int64 {
		n, _ := strconv.ParseInt(q.Get(name), 10, 64)
		return n
	}
	loc := zone(r)
	code := h.kit.Lang(r).Code
	switch notice {
	case "moved", "reapproval":
		p, err := h.db.GetPublication(ctx, id("pub"))
		if err != nil {
			break
		}
		rows, err := h.rows(r, []store.Publication{p})
		if err != nil || len(rows) != 1 {
			break
		}
		return h.t(r, "press_notice_"+notice+"_to", map[string]any{"Title": rows[0].Title, "Channel": rows[0].Channel,
			"When": lang.FormatDateTime(code, p.DueAt, loc, lang.Full)})
	case "saved", "submitted":
		st, err := h.db.GetStatement(ctx, id("statement"))
		if err != nil {
			break
		}
		title := statementTitle(st, code)
		if notice == "saved" && st.State == store.StateDraft {
			return h.t(r, "press_notice_saved_draft", map[string]any{"Title": title})
		}
		if notice == "submitted" && st.State == store.StateSubmitted {
			return h.t(r, "press_notice_submitted_for", map[string]any{"Title": title, "Need": st.ApprovalsNeeded, "Count": len(st.Targets)})
		}
	case "approved":
		st, err := h.db.GetStatement(ctx, id("statement"))
		if err != nil {
			break
		}
		title := statementTitle(st, code)
		if st.State != store.StateScheduled {
			aps, err := h.db.ListApprovals(ctx, st.ID)
			if err != nil || len(aps) == 0 {
				break
			}
			return h.t(r, "press_notice_approved_more", map[string]any{"Title": title, "Have": len(aps), "Need": st.ApprovalsNeeded})
		}
		pubs, err := h.db.ListPublications(ctx, store.QueueFilter{StatementID: st.ID})
		if err != nil || len(pubs) == 0 {
			break
		}
		first := pubs[0].DueAt
		for _, p := range pubs {
			if p.DueAt.Before(first) {
				first = p.DueAt
			}
		}
		return h.t(r, "press_notice_approved_scheduled", map[string]any{"Title": title, "Count": len(pubs),
			"When": lang.FormatDateTime(code, first, loc, lang.Full), "Zone": loc.String()})
	case "paused":
		b, err := h.svc.Banner(ctx)
		if err != nil {
			break
		}
		if ch := id("channel"); ch != 0 {
			c, err := h.db.GetChannel(ctx, ch)
			if err != nil || !c.Paused() {
				break
			}
			return h.t(r, "press_notice_paused_channel", map[string]any{"Channel": c.Name})
		}
		if b.Org {
			return h.t(r, "press_notice_paused_all", nil)
		}
	}
	if !slices.Contains([]string{"done", "reapproval", "moved", "approved", "paused", "saved", "submitted"}, notice) {
		notice = "done"
	}
	return h.t(r, "press_notice_"+notice, nil)
}

// adviceKey is the message key saying what settles a publication's state,
// "" when nothing is asked of anyone.
func adviceKey(p store.Publication) string {
	switch {
	case !p.DeletedAt.IsZero():
		return ""
	case p.Held == store.HeldPaused:
		return "press_advice_held_paused"
	case p.Held == store.HeldApprovalExpired:
		return "press_advice_held_approval_expired"
	case p.Held != "":
		return "press_advice_held_late"
	case p.State == store.StateNeedsCheck:
		return "press_advice_needs_check"
	case p.State == store.StateFailed:
		return "press_advice_failed"
	case p.State == store.StateSubmitted:
		return "press_advice_submitted"
	case p.State == store.StateDraft:
		return "press_advice_draft"
	}
	return ""
}
