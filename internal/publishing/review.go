package publishing

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/store"
)

// Review: an approver opens a version, then approves it or asks its
// authors for changes with a comment. Refusals here are keys of the review
// locale area.

// MaxComment bounds a review comment, in characters.
const MaxComment = 4000

// ChangesRequested is what happens when an approver returns a statement
// to its authors: the notifications hook on it (OnChangesRequested).
type ChangesRequested struct {
	Statement Statement // as it was when changes were requested
	Comment   store.Comment
	By        Actor
}

// reviewHooks are the functions called after changes are requested.
type reviewHooks struct {
	mu  sync.Mutex
	fns []func(context.Context, ChangesRequested)
}

// OnChangesRequested registers fn, called after each request for changes
// is stored, with the request. It must not block: the request that asked
// waits for it. cmd/server registers the notifications here.
func (s *Service) OnChangesRequested(fn func(context.Context, ChangesRequested)) {
	s.review.mu.Lock()
	defer s.review.mu.Unlock()
	s.review.fns = append(s.review.fns, fn)
}

func (s *Service) changesRequested(ctx context.Context, ev ChangesRequested) {
	s.review.mu.Lock()
	fns := slices.Clone(s.review.fns)
	s.review.mu.Unlock()
	for _, fn := range fns {
		fn(ctx, ev)
	}
}

// VersionOf is the reviewable content of st.
func VersionOf(st Statement) store.Version {
	return store.Version{Variants: st.Variants, Overrides: st.Overrides}
}

// OpenReview records that a opened the review of st as it is now, which
// an approval by a needs (ApproveReviewed), and keeps the version's text
// for later diffs.
func (s *Service) OpenReview(ctx context.Context, a Actor, st Statement) error {
	return s.db.RecordReview(ctx, st.ID, a.ID, st.ContentHash, VersionOf(st))
}

// LastApproval is the version of a statement last approved, with its text
// when a review kept it (approvals given before reviews were kept have
// none).
type LastApproval struct {
	Hash    string
	Actor   string
	At      time.Time
	Version store.Version
	// Kept says Version holds that version's text.
	Kept bool
}

// LastApproved returns the version of statement id last approved by
// anyone, or store.ErrNotFound when none was.
func (s *Service) LastApproved(ctx context.Context, id int64) (LastApproval, error) {
	v, err := s.db.LastApproved(ctx, id)
	if err != nil {
		return LastApproval{}, err
	}
	la := LastApproval{Hash: v.ContentHash, Actor: v.Actor, At: v.At}
	la.Version, err = s.db.GetVersion(ctx, id, v.ContentHash)
	switch {
	case err == nil:
		la.Kept = true
	case !errors.Is(err, store.ErrNotFound):
		return LastApproval{}, err
	}
	return la, nil
}

// ApproveReviewed approves the version with hash, as Approve does, only if
// a opened that version's review first: an approval must come from a
// person who saw the content, not from a button on a list. A non-empty
// note is added to the thread. A hash other than the current version's is
// stale whether or not a opened it.
func (s *Service) ApproveReviewed(ctx context.Context, a Actor, id int64, hash, note string) (store.ApprovalResult, error) {
	note, err := commentText(note, false)
	if err != nil {
		return store.ApprovalResult{}, err
	}
	st, err := s.db.GetStatement(ctx, id)
	if err != nil {
		return store.ApprovalResult{}, err
	}
	if hash != st.ContentHash {
		return store.ApprovalResult{}, fault.Refused("hash", "press_error_stale_approval")
	}
	ok, err := s.db.Reviewed(ctx, id, a.ID, hash)
	if err != nil {
		return store.ApprovalResult{}, err
	}
	if !ok {
		return store.ApprovalResult{}, fault.Refused("hash", "review_error_not_opened")
	}
	r, err := s.Approve(ctx, a, id, hash)
	if err != nil || note == "" {
		return r, err
	}
	_, err = s.db.AddComment(ctx, store.Comment{StatementID: id, UserID: a.ID, Author: a.Username, Kind: store.CommentApproved, Body: note,
		ContentHash: hash}, a.entry("statement.comment"))
	return r, err
}

// RequestChanges returns the version with hash, awaiting approval, to its
// authors as a draft with comment, which is required. Like an approval, it
// needs a to have opened the version and not to be one of its authors.
func (s *Service) RequestChanges(ctx context.Context, a Actor, id int64, hash, comment string) (store.Comment, error) {
	comment, err := commentText(comment, true)
	if err != nil {
		return store.Comment{}, err
	}
	st, err := s.db.GetStatement(ctx, id)
	if err != nil {
		return store.Comment{}, err
	}
	authors, err := s.db.StatementAuthors(ctx, id)
	if err != nil {
		return store.Comment{}, err
	}
	if st.AuthorID == a.ID || slices.Contains(authors, a.ID) {
		return store.Comment{}, fault.Refused("", "review_error_own")
	}
	ok, err := s.db.Reviewed(ctx, id, a.ID, hash)
	if err != nil {
		return store.Comment{}, err
	}
	if !ok {
		return store.Comment{}, fault.Refused("hash", "review_error_not_opened")
	}
	c, err := s.db.AddComment(ctx, store.Comment{StatementID: id, UserID: a.ID, Author: a.Username, Kind: store.CommentChanges, Body: comment,
		ContentHash: hash}, a.entry("statement.changes-requested"))
	if errors.Is(err, store.ErrConflict) {
		return store.Comment{}, fault.Refused("hash", "review_error_stale")
	}
	if err != nil {
		return store.Comment{}, err
	}
	s.changesRequested(ctx, ChangesRequested{Statement: st, Comment: c, By: a})
	return c, nil
}

// Comment adds a remark to a statement's thread, about its current
// version, without changing its state: an author answering a request, a
// colleague's note.
func (s *Service) Comment(ctx context.Context, a Actor, id int64, body string) (store.Comment, error) {
	body, err := commentText(body, true)
	if err != nil {
		return store.Comment{}, err
	}
	st, err := s.db.GetStatement(ctx, id)
	if err != nil {
		return store.Comment{}, err
	}
	return s.db.AddComment(ctx, store.Comment{StatementID: id, UserID: a.ID, Author: a.Username, Kind: store.CommentNote, Body: body,
		ContentHash: st.ContentHash}, a.entry("statement.comment"))
}

// commentText trims a comment and checks it is text a person could read.
func commentText(s string, required bool) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		return "", fault.Refused("comment", "review_error_comment_text")
	case utf8.RuneCountInString(s) > MaxComment:
		return "", fault.Refused("comment", "review_error_comment_long", "Max", MaxComment)
	case required && s == "":
		return "", fault.Refused("comment", "review_error_comment_needed")
	}
	return s, nil
}

// PublishNow lets a cleared statement's publications go out now rather
// than at their approved time: the scheduler claims them like any due
// publication (same lease, same idempotency keys, same clearance check at
// publish time), so this is no second path to a network and nothing can go
// out twice. It is refused for a statement not cleared, withdrawn or being
// recalled, under embargo, or while publishing is paused; channels paused
// on their own keep their publications. It returns the publications it
// brought forward.
func (s *Service) PublishNow(ctx context.Context, a Actor, id int64) ([]int64, error) {
	st, err := s.db.GetStatement(ctx, id)
	if err != nil {
		return nil, err
	}
	switch {
	case st.RecallState != "":
		return nil, fault.Refused("", "review_error_now_recalled")
	case st.State != store.StateScheduled || ContentHash(st) != st.ContentHash:
		return nil, fault.Refused("", "review_error_now_not_cleared")
	case !st.EmbargoUntil.IsZero() && s.now().Before(st.EmbargoUntil):
		return nil, fault.Refused("", "review_error_now_embargo")
	}
	b, err := s.Banner(ctx)
	if err != nil {
		return nil, err
	}
	if b.Org {
		return nil, fault.Refused("", "review_error_now_paused")
	}
	ids, err := s.db.PublishNow(ctx, id, st.ContentHash, a.entry("statement.publish-now"))
	if errors.Is(err, store.ErrConflict) {
		return nil, fault.Refused("", "review_error_now_nothing")
	}
	if err != nil {
		return nil, err
	}
	s.changed(ctx)
	return ids, nil
}
