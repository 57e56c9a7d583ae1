package publishing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
)

// Pause stops publishing everywhere (channel 0) or on one channel, with a
// reason. It takes effect before the next irreversible call of every
// instance: the scheduler checks it immediately before each one.
func (s *Service) Pause(ctx context.Context, a Actor, channel int64, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 500 {
		return fault.Refused("reason", "press_error_reason")
	}
	e := a.entry("pause")
	e.Payload = fmt.Sprintf("channel=%d reason=%s", channel, reason)
	var err error
	if channel == 0 {
		err = s.db.PauseOrg(ctx, reason, a.ID, e)
	} else {
		err = s.db.PauseChannel(ctx, channel, reason, a.ID, e)
	}
	if errors.Is(err, store.ErrConflict) {
		return fault.Refused("", "press_error_already_paused")
	}
	return err
}

// Resume lifts a pause and applies choice to the publications that fell
// due meanwhile.
//
// Clearance allows "now" without a new approval: what fell due during the
// pause goes out from now on, later than approved and never earlier, and
// keeps the due time its approval covers. "reschedule" is a person
// choosing a new time, so each of those publications is moved like any
// other (Reschedule), which voids its statement's approval: they are held
// first, as the pause is lifted, so that none goes out in between.
func (s *Service) Resume(ctx context.Context, a Actor, channel int64, choice store.ResumeChoice) error {
	switch choice.Action {
	case store.ResumeNow, store.ResumeHold:
	case store.ResumeReschedule:
		if !choice.At.After(s.now()) {
			return fault.Refused("at", "press_error_due_past")
		}
	default:
		return fault.Refused("action", "press_error_action")
	}
	e := a.entry("resume")
	e.Payload = fmt.Sprintf("channel=%d action=%s at=%s", channel, choice.Action, choice.At.UTC().Format(time.RFC3339))
	apply := choice
	var overdue []store.OverduePub
	if choice.Action == store.ResumeReschedule {
		var err error
		if overdue, err = s.db.OverduePublications(ctx, channel); err != nil {
			return err
		}
		apply = store.ResumeChoice{Action: store.ResumeHold}
	}
	var err error
	if channel == 0 {
		err = s.db.ResumeOrg(ctx, apply, e)
	} else {
		err = s.db.ResumeChannel(ctx, channel, apply, e)
	}
	if errors.Is(err, store.ErrConflict) {
		return fault.Refused("", "press_error_not_paused")
	}
	if err != nil {
		return err
	}
	for _, o := range overdue {
		if _, err := s.move(ctx, a, o.PublicationID, choice.At, "publication.resume-reschedule"); err != nil {
			return err
		}
	}
	s.changed(ctx)
	return nil
}

// PauseBanner is what every signed-in page shows while a pause holds.
type PauseBanner struct {
	Org      bool
	Reason   string
	Channels []string // names of paused channels
}

// Active reports whether anything is paused.
func (b PauseBanner) Active() bool { return b.Org || len(b.Channels) > 0 }

// Banner returns the current pauses.
func (s *Service) Banner(ctx context.Context) (PauseBanner, error) { return Pauses(ctx, s.db) }

// Pauses returns the current pauses in db: what Service.Banner returns,
// for the page banners, which the HTTP kit is built with before the
// service exists.
func Pauses(ctx context.Context, db *store.DB) (PauseBanner, error) {
	var b PauseBanner
	p, err := db.GetOrgPause(ctx)
	switch {
	case err == nil:
		b.Org, b.Reason = true, p.Reason
	case !errors.Is(err, store.ErrNotFound):
		return PauseBanner{}, err
	}
	chs, err := db.ListChannels(ctx)
	if err != nil {
		return PauseBanner{}, err
	}
	for _, c := range chs {
		if c.Paused() {
			b.Channels = append(b.Channels, c.Name+": "+c.PausedReason)
		}
	}
	return b, nil
}

// RecallLimit is a network's limit on deleting, shown before a recall.
type RecallLimit struct {
	PublicationID int64
	Channel       string
	Network       string
	RemoteURL     string
	Window        time.Duration // 0: no limit
	Expired       bool          // the window has passed: delete by hand
	Note          RecallNote    // the network's limits on deleting and editing
}

// RecallPlan lists where a statement is published and each network's limit
// on deletion.
func (s *Service) RecallPlan(ctx context.Context, id int64) ([]RecallLimit, error) {
	if _, err := s.db.GetStatement(ctx, id); err != nil {
		return nil, err // a statement that does not exist has no plan: 404, not []
	}
	pubs, err := s.db.ListPublications(ctx, store.QueueFilter{StatementID: id})
	if err != nil {
		return nil, err
	}
	var out []RecallLimit
	for _, p := range pubs {
		if p.State != store.StatePublished || !p.DeletedAt.IsZero() {
			continue
		}
		ch, err := s.db.GetChannel(ctx, p.ChannelID)
		if err != nil {
			return nil, err
		}
		l := RecallLimit{PublicationID: p.ID, Channel: ch.Name, Network: ch.Network, RemoteURL: p.RemoteURL, Note: s.NoteOf(ch.Network)}
		if pb, err := s.resolve(ctx, ch); err == nil {
			l.Window = pb.Limits().DeleteWindow
			l.Expired = l.Window > 0 && s.now().Sub(p.PublishedAt) > l.Window
		}
		out = append(out, l)
	}
	return out, nil
}

// RequestRecall asks for a statement to be deleted everywhere, keeping a
// withdrawal notice on its portal pages. Nothing is deleted until a second
// person approves.
func (s *Service) RequestRecall(ctx context.Context, a Actor, id int64, reason string) error {
	return s.RequestRecallMode(ctx, a, id, reason, store.RecallNotice)
}

// RequestRecallMode is RequestRecall with the choice of what becomes of the
// statement's portal pages: store.RecallNotice keeps each page with a
// withdrawal notice instead of the text, store.RecallRemove removes it
// (410 Gone); "" is RecallNotice.
func (s *Service) RequestRecallMode(ctx context.Context, a Actor, id int64, reason, mode string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 500 {
		return fault.Refused("reason", "press_error_reason")
	}
	if mode == "" {
		mode = store.RecallNotice
	}
	if mode != store.RecallNotice && mode != store.RecallRemove {
		return fault.Refused("page", "press_error_recall_page")
	}
	e := a.entry("recall.request")
	e.Payload = reason
	if mode == store.RecallRemove {
		e.Payload = "remove the portal pages: " + reason
	}
	err := s.db.RequestRecall(ctx, id, a.ID, reason, mode, e)
	if errors.Is(err, store.ErrConflict) {
		return fault.Refused("", "press_error_recall_requested")
	}
	return err
}

// RecallResult is what a recall did on one channel.
type RecallResult struct {
	RecallLimit
	Deleted bool
	Error   string
}

// ApproveRecall is the second person's approval: it deletes every part of
// every publication of the statement, withdraws its portal pages, and keeps
// the record. From then on the statement is withdrawn, by the approver, at
// the store's time.
func (s *Service) ApproveRecall(ctx context.Context, a Actor, id int64) ([]RecallResult, error) {
	st, err := s.db.GetStatement(ctx, id)
	if err != nil {
		return nil, err
	}
	if st.RecallState != "requested" {
		return nil, fault.Refused("", "press_error_no_recall")
	}
	if st.RecallBy == a.ID {
		return nil, fault.Refused("", "press_error_self_approval")
	}
	plan, err := s.RecallPlan(ctx, id)
	if err != nil {
		return nil, err
	}
	// The portal withdraws its pages rather than deleting them, as the
	// request chose.
	dctx := social.WithRecall(ctx, social.Recall{Remove: st.RecallMode == store.RecallRemove})
	var out []RecallResult
	for _, l := range plan {
		res := RecallResult{RecallLimit: l}
		if err := s.deletePublication(dctx, a, l.PublicationID); err != nil {
			res.Error = err.Error()
		} else {
			res.Deleted = true
		}
		out = append(out, res)
	}
	e := a.entry("recall.approve")
	e.Payload = fmt.Sprintf("%d publications", len(out))
	if err := s.db.MarkRecallDone(ctx, id, a.ID, e); err != nil {
		return out, err
	}
	return out, nil
}

func (s *Service) deletePublication(ctx context.Context, a Actor, pubID int64) error {
	p, err := s.db.GetPublication(ctx, pubID)
	if err != nil {
		return err
	}
	ch, err := s.db.GetChannel(ctx, p.ChannelID)
	if err != nil {
		return err
	}
	pb, err := s.resolve(ctx, ch)
	if err != nil {
		return fmt.Errorf("channel %s: %w", ch.Name, err)
	}
	parts, err := s.db.ListParts(ctx, pubID)
	if err != nil {
		return err
	}
	var errs []error
	// Replies first, so that a thread never dangles from a deleted root.
	for i := len(parts) - 1; i >= 0; i-- {
		pt := parts[i]
		if !pt.DeletedAt.IsZero() {
			continue
		}
		rec := &recorder{}
		derr := pb.Delete(social.WithRecorder(ctx, rec.add), pt.RemoteID)
		e := a.entry("recall.delete")
		e.StatementID, e.Payload, e.Response = p.StatementID, pt.RemoteID, rec.String()
		if derr != nil {
			e.Action = "recall.delete-failed"
			e.Payload += ": " + derr.Error()
			errs = append(errs, derr)
			if err := s.db.AppendAudit(ctx, e); err != nil {
				return err
			}
			continue
		}
		if err := s.db.MarkPartDeleted(ctx, pubID, pt.Idx, e); err != nil {
			return err
		}
	}
	return errors.Join(errs...)
}
