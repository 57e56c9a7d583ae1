package press

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/mofa-vn/chancery/internal/store"
)

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
