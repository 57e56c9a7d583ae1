package press

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/store"
)

// Banners returns the pause notices for the layout, in language code.
func Banners(db *store.DB, cat *lang.Catalog) func(ctx context.Context, code string) []string {
	return func(ctx context.Context, code string) []string {
		b, err := publishing.Pauses(ctx, db)
		if err != nil || !b.Active() {
			return nil
		}
		var out []string
		if b.Org {
			out = append(out, cat.T(code, "press_banner_org", map[string]any{"Reason": b.Reason}))
		}
		for _, c := range b.Channels {
			out = append(out, cat.T(code, "press_banner_channel", map[string]any{"Channel": c}))
		}
		return out
	}
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

func (h *Handlers) pauseForm(w http.ResponseWriter, r *http.Request) {
	id, err := channelForm(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if err := h.svc.Pause(r.Context(), actor(r), id, r.PostFormValue("reason")); err != nil {
		h.back(w, r, returnTo(r, "/press/channels"), err)
		return
	}
	to := returnTo(r, "/press/channels")
	http.Redirect(w, r, fmt.Sprintf("%s%snotice=paused&channel=%d", to, sep(to), id), http.StatusSeeOther)
}

func (h *Handlers) resumeForm(w http.ResponseWriter, r *http.Request) {
	id, err := channelForm(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	at, err := parseLocal(r, "at")
	if err == nil {
		err = h.svc.Resume(r.Context(), actor(r), id, store.ResumeChoice{Action: r.PostFormValue("action"), At: at})
	}
	h.back(w, r, returnTo(r, "/press/channels"), err)
}

type reasonInput struct {
	Reason string `json:"reason"`
}

type resumeInput struct {
	Action string    `json:"action"`
	At     time.Time `json:"at"`
}

func (h *Handlers) apiPauseState(w http.ResponseWriter, r *http.Request) {
	b, err := h.svc.Banner(r.Context())
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	overdue, err := h.db.OverduePublications(r.Context(), 0)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.JSON(w, http.StatusOK, map[string]any{"paused": b.Org, "reason": b.Reason, "paused_channels": nonNil(b.Channels), "overdue": len(overdue)})
}

func (h *Handlers) apiPause(w http.ResponseWriter, r *http.Request) {
	var in reasonInput
	err := httpx.DecodeJSON(r, &in)
	if err == nil {
		err = h.svc.Pause(r.Context(), actor(r), 0, in.Reason)
	}
	h.done(w, r, err)
}

func (h *Handlers) apiResume(w http.ResponseWriter, r *http.Request) {
	var in resumeInput
	err := httpx.DecodeJSON(r, &in)
	if err == nil {
		err = h.svc.Resume(r.Context(), actor(r), 0, store.ResumeChoice{Action: in.Action, At: in.At})
	}
	h.done(w, r, err)
}

func (h *Handlers) apiPauseChannel(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in reasonInput
	if err == nil {
		err = httpx.DecodeJSON(r, &in)
	}
	if err == nil {
		err = h.svc.Pause(r.Context(), actor(r), id, in.Reason)
	}
	h.done(w, r, err)
}

func (h *Handlers) apiResumeChannel(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in resumeInput
	if err == nil {
		err = httpx.DecodeJSON(r, &in)
	}
	if err == nil {
		err = h.svc.Resume(r.Context(), actor(r), id, store.ResumeChoice{Action: in.Action, At: in.At})
	}
	h.done(w, r, err)
}
