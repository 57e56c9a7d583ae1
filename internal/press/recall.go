package press

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/store"
)

// RecallRow is one place a recall would delete from, with the network's
// limit on deletion.
type RecallRow struct {
	publishing.RecallLimit
	Hours int
}

func (h *Handlers) recallForm(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = httpx.ParseForm(r)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if r.PostFormValue("mode") == "correct" {
		c, err := h.svc.CorrectMode(r.Context(), actor(r), id, r.PostFormValue("reason"), r.PostFormValue("page"))
		if err != nil {
			h.back(w, r, fmt.Sprintf("/press/statements/%d", id), err)
			return
		}
		h.back(w, r, fmt.Sprintf("/press/statements/%d", c.ID), nil)
		return
	}
	h.back(w, r, fmt.Sprintf("/press/statements/%d", id), h.svc.RequestRecallMode(r.Context(), actor(r), id, r.PostFormValue("reason"), r.PostFormValue("page")))
}

func (h *Handlers) recallApproveForm(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	_, err = h.svc.ApproveRecall(r.Context(), actor(r), id)
	h.back(w, r, fmt.Sprintf("/press/statements/%d", id), err)
}

type recallJSON struct {
	PublicationID int64  `json:"publication_id"`
	Channel       string `json:"channel"`
	Network       string `json:"network"`
	RemoteURL     string `json:"remote_url"`
	WindowHours   int    `json:"delete_window_hours,omitempty"`
	Expired       bool   `json:"window_expired"`
	EditInPlace   bool   `json:"network_edits_in_place"`
	Deleted       bool   `json:"deleted"`
	Error         string `json:"error,omitempty"`
}

func recallOut(l publishing.RecallLimit) recallJSON {
	return recallJSON{PublicationID: l.PublicationID, Channel: l.Channel, Network: l.Network, RemoteURL: l.RemoteURL,
		WindowHours: int(l.Window / time.Hour), Expired: l.Expired, EditInPlace: l.Note.EditInPlace}
}

func (h *Handlers) apiRecallPlan(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	plan, err := h.svc.RecallPlan(r.Context(), id)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	out := []recallJSON{}
	for _, l := range plan {
		out = append(out, recallOut(l))
	}
	h.kit.JSON(w, http.StatusOK, out)
}

type recallInput struct {
	Reason string `json:"reason"`
	// Correct also starts a corrected version: a new draft copied from
	// the recalled statement.
	Correct bool `json:"correct"`
	// PortalPage is what the recall makes of the statement's portal
	// pages: "notice" (the default) keeps each with a withdrawal notice,
	// "remove" answers 410 Gone.
	PortalPage string `json:"portal_page"`
}

func (h *Handlers) apiRequestRecall(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in recallInput
	if err == nil {
		err = httpx.DecodeJSON(r, &in)
	}
	if err == nil && in.Correct {
		c, err := h.svc.CorrectMode(r.Context(), actor(r), id, in.Reason, in.PortalPage)
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		h.kit.JSON(w, http.StatusOK, map[string]any{"ok": true, "correction_id": c.ID})
		return
	}
	if err == nil {
		err = h.svc.RequestRecallMode(r.Context(), actor(r), id, in.Reason, in.PortalPage)
	}
	h.done(w, r, err)
}

func (h *Handlers) apiApproveRecall(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	res, err := h.svc.ApproveRecall(r.Context(), actor(r), id)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	out := []recallJSON{}
	for _, x := range res {
		j := recallOut(x.RecallLimit)
		j.Deleted, j.Error = x.Deleted, x.Error
		out = append(out, j)
	}
	h.kit.JSON(w, http.StatusOK, out)
}

// stateWithdrawn is the derived state of a statement whose recall was
// approved: its posts are deleted and its portal pages withdrawn.
const stateWithdrawn = "withdrawn"

// Withdrawal says when a statement was withdrawn, by whom and why, for the
// pages (names and a time in the officer's language and zone).
type Withdrawal struct {
	At          time.Time
	When        string // At in the officer's language and zone
	RequestedBy string // who asked for the recall
	ApprovedBy  string // who approved it
	Reason      string
	// Mode is what became of the portal pages: store.RecallNotice or
	// store.RecallRemove.
	Mode string
}

// ModeKey is the message key naming what became of the portal pages.
func (w Withdrawal) ModeKey() string { return recallModeKey(w.Mode) }

func recallModeKey(mode string) string {
	if mode == store.RecallRemove {
		return "press_recall_page_remove"
	}
	return "press_recall_page_notice"
}

// statementState is the state a statement shows: withdrawn once its recall
// was approved, else what clearance and its publications say.
func statementState(st store.Statement, pr store.Progress) string {
	if st.RecallState == "done" {
		return stateWithdrawn
	}
	return pr.State(st.State)
}

// userName is how the pages name a user: the display name, else the
// username, else the ID of a user that no longer exists.
func (h *Handlers) userName(ctx context.Context, id int64) (string, error) {
	if id == 0 {
		return "", nil
	}
	u, err := h.db.GetUser(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Sprintf("#%d", id), nil
	}
	if err != nil {
		return "", err
	}
	if u.DisplayName != "" {
		return u.DisplayName, nil
	}
	return u.Username, nil
}

// withdrawal returns who withdrew st, when and why; st is withdrawn
// (RecallState done).
func (h *Handlers) withdrawal(r *http.Request, st store.Statement) (Withdrawal, error) {
	ctx := r.Context()
	w := Withdrawal{At: st.RecallDoneAt, When: h.when(r, st.RecallDoneAt, zone(r)), Reason: st.RecallReason, Mode: st.RecallMode}
	var err error
	if w.RequestedBy, err = h.userName(ctx, st.RecallBy); err != nil {
		return Withdrawal{}, err
	}
	if w.ApprovedBy, err = h.userName(ctx, st.RecallApprovedBy); err != nil {
		return Withdrawal{}, err
	}
	return w, nil
}

// withdrawalJSON is a withdrawal as the API shows it.
type withdrawalJSON struct {
	At              time.Time `json:"at"`
	RequestedBy     int64     `json:"requested_by"`
	RequestedByName string    `json:"requested_by_name"`
	RequestedAt     time.Time `json:"requested_at,omitzero"`
	ApprovedBy      int64     `json:"approved_by"`
	ApprovedByName  string    `json:"approved_by_name"`
	Reason          string    `json:"reason"`
	// PortalPage is what became of the portal pages: notice or remove.
	PortalPage string `json:"portal_page"`
}

// addWithdrawal adds who withdrew st, when and why, to its API form out
// when st is withdrawn.
func (h *Handlers) addWithdrawal(ctx context.Context, st store.Statement, out *Statement) error {
	if st.RecallState != "done" {
		return nil
	}
	w := &withdrawalJSON{At: st.RecallDoneAt, RequestedBy: st.RecallBy, RequestedAt: st.RecallRequestedAt, ApprovedBy: st.RecallApprovedBy,
		Reason: st.RecallReason, PortalPage: st.RecallMode}
	var err error
	if w.RequestedByName, err = h.userName(ctx, st.RecallBy); err != nil {
		return err
	}
	if w.ApprovedByName, err = h.userName(ctx, st.RecallApprovedBy); err != nil {
		return err
	}
	out.Withdrawal = w
	return nil
}
