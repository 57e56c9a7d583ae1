package press

import (
	"errors"
	"net/http"
	"time"

	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/store"
)

// The review through the API follows the page's rule: reading a
// statement's review records that the caller opened that exact version,
// and approving or asking for changes needs it.

// Review is a statement's review as the API returns it.
type Review struct {
	ID              int64         `json:"id"`
	State           string        `json:"state"`
	ContentHash     string        `json:"content_hash"`
	Approvals       int           `json:"approvals"`
	ApprovalsNeeded int           `json:"approvals_needed"`
	Authored        bool          `json:"authored"`
	CanDecide       bool          `json:"can_decide"`
	CanPublishNow   bool          `json:"can_publish_now"`
	LastApproved    *LastApproved `json:"last_approved"`
	Languages       []ReviewText  `json:"languages"`
	Comments        []CommentJSON `json:"comments"`
}

// LastApproved is the version of a statement last approved.
type LastApproved struct {
	ContentHash string    `json:"content_hash"`
	By          string    `json:"by"`
	At          time.Time `json:"at"`
	// Kept: its text was kept, so the languages carry diffs against it.
	Kept bool `json:"kept"`
}

// ReviewText is one language of the version under review, with its diff
// against the last approved version when that one's text was kept.
type ReviewText struct {
	Lang      string     `json:"lang"`
	Title     string     `json:"title"`
	Body      string     `json:"body"`
	Changed   bool       `json:"changed"`
	New       bool       `json:"new"`
	Gone      bool       `json:"gone"`
	TitleDiff []DiffJSON `json:"title_diff"`
	BodyDiff  []DiffJSON `json:"body_diff"`
}

// DiffJSON is a run of a word diff: kept ("equal"), removed or added.
type DiffJSON struct {
	Op   string `json:"op"`
	Text string `json:"text"`
}

// CommentJSON is one message of a statement's thread.
type CommentJSON struct {
	ID          int64     `json:"id"`
	AuthorID    int64     `json:"author_id"`
	Author      string    `json:"author"`
	Kind        string    `json:"kind"`
	Body        string    `json:"body"`
	ContentHash string    `json:"content_hash"`
	CreatedAt   time.Time `json:"created_at"`
}

func commentJSON(c store.Comment) CommentJSON {
	return CommentJSON{ID: c.ID, AuthorID: c.UserID, Author: c.Author, Kind: c.Kind, Body: c.Body, ContentHash: c.ContentHash, CreatedAt: c.CreatedAt.UTC()}
}

func diffJSON(chunks []DiffChunk) []DiffJSON {
	out := make([]DiffJSON, 0, len(chunks))
	for _, c := range chunks {
		op := "equal"
		switch {
		case c.Del:
			op = "delete"
		case c.Ins:
			op = "insert"
		}
		out = append(out, DiffJSON{Op: op, Text: c.Text})
	}
	return out
}

// statementAPI serves an API route about the statement the path names:
// it loads the statement, then answers with f's value as JSON with status,
// or with the first error (no such statement, or f's) through the kit.
func statementAPI[Out any](h *Handlers, status int, f func(r *http.Request, st store.Statement) (Out, error)) http.HandlerFunc {
	return httpx.API(h.kit, status, func(r *http.Request) (Out, error) {
		id, err := pathID(r)
		var st store.Statement
		if err == nil {
			st, err = h.db.GetStatement(r.Context(), id)
		}
		if err != nil {
			var zero Out
			return zero, err
		}
		return f(r, st)
	})
}

// statementAPIWith is statementAPI for a route that takes a JSON body: once
// the statement is loaded, the body is decoded into an In (DecodeJSON: a
// bad body is refused) before f runs.
func statementAPIWith[In, Out any](h *Handlers, status int, f func(r *http.Request, st store.Statement, in In) (Out, error)) http.HandlerFunc {
	return statementAPI(h, status, func(r *http.Request, st store.Statement) (Out, error) {
		var in In
		if err := httpx.DecodeJSON(r, &in); err != nil {
			var zero Out
			return zero, err
		}
		return f(r, st, in)
	})
}

// apiReview returns the review of the statement's current version and
// records that the caller opened it, as the review page does.
func (h *Handlers) apiReview(w http.ResponseWriter, r *http.Request) {
	statementAPI(h, http.StatusOK, h.reviewOf)(w, r)
}

// reviewOf is apiReview's answer for st.
func (h *Handlers) reviewOf(r *http.Request, st store.Statement) (Review, error) {
	ctx := r.Context()
	if err := h.svc.OpenReview(ctx, actor(r), st); err != nil {
		return Review{}, err
	}
	d, err := h.decision(r, st)
	if err != nil {
		return Review{}, err
	}
	pubs, err := h.db.ListPublications(ctx, store.QueueFilter{StatementID: st.ID})
	if err != nil {
		return Review{}, err
	}
	out := Review{ID: st.ID, State: statementState(st, store.ProgressOf(pubs)), ContentHash: st.ContentHash, Approvals: d.approvals,
		ApprovalsNeeded: st.ApprovalsNeeded, Authored: d.authored, CanDecide: d.canDecide, CanPublishNow: d.canPublishNow,
		Languages: []ReviewText{}, Comments: []CommentJSON{}}
	var last *publishing.LastApproval
	la, err := h.svc.LastApproved(ctx, st.ID)
	switch {
	case err == nil:
		last = &la
		out.LastApproved = &LastApproved{ContentHash: la.Hash, By: la.Actor, At: la.At.UTC(), Kept: la.Kept}
	case !errors.Is(err, store.ErrNotFound):
		return Review{}, err
	}
	for _, rl := range reviewTexts(st, last) {
		rt := ReviewText{Lang: rl.Lang.Code, Title: rl.Title, Body: rl.Body, Changed: rl.Changed, New: rl.New, Gone: rl.Gone,
			TitleDiff: diffJSON(rl.TitleDiff), BodyDiff: diffJSON(rl.BodyDiff)}
		if last == nil || !last.Kept {
			// Nothing to compare with: the whole text is new, or changed
			// unless it is the version last approved.
			rt.TitleDiff, rt.BodyDiff = diffJSON(diffChunks("", rl.Title)), diffJSON(diffChunks("", rl.Body))
			rt.New, rt.Changed = last == nil, last == nil || last.Hash != st.ContentHash
		}
		out.Languages = append(out.Languages, rt)
	}
	cs, err := h.db.ListComments(ctx, st.ID)
	if err != nil {
		return Review{}, err
	}
	for _, c := range cs {
		out.Comments = append(out.Comments, commentJSON(c))
	}
	return out, nil
}

type decisionInput struct {
	Hash    string `json:"hash"`
	Comment string `json:"comment"`
}

// apiApprove approves the version with hash, which the caller must have
// opened (GET …/review); a comment, when given, joins the thread.
func (h *Handlers) apiApprove(w http.ResponseWriter, r *http.Request) {
	statementAPIWith(h, http.StatusOK, func(r *http.Request, st store.Statement, in decisionInput) (map[string]any, error) {
		res, err := h.svc.ApproveReviewed(r.Context(), actor(r), st.ID, in.Hash, in.Comment)
		if err != nil {
			return nil, err
		}
		return map[string]any{"approvals": res.Count, "complete": res.Complete, "approval_expired": res.Late}, nil
	})(w, r)
}

// apiRequestChanges returns the version with hash to its authors with a
// comment, as the review page's form does.
func (h *Handlers) apiRequestChanges(w http.ResponseWriter, r *http.Request) {
	statementAPIWith(h, http.StatusOK, func(r *http.Request, st store.Statement, in decisionInput) (CommentJSON, error) {
		c, err := h.svc.RequestChanges(r.Context(), actor(r), st.ID, in.Hash, in.Comment)
		return commentJSON(c), err
	})(w, r)
}

// apiComments is the statement's thread, oldest first.
func (h *Handlers) apiComments(w http.ResponseWriter, r *http.Request) {
	statementAPI(h, http.StatusOK, func(r *http.Request, st store.Statement) ([]CommentJSON, error) {
		cs, err := h.db.ListComments(r.Context(), st.ID)
		out := make([]CommentJSON, 0, len(cs))
		for _, c := range cs {
			out = append(out, commentJSON(c))
		}
		return out, err
	})(w, r)
}

type commentInput struct {
	Comment string `json:"comment"`
}

// apiAddComment adds a remark about the current version to the thread.
func (h *Handlers) apiAddComment(w http.ResponseWriter, r *http.Request) {
	statementAPIWith(h, http.StatusCreated, func(r *http.Request, st store.Statement, in commentInput) (CommentJSON, error) {
		c, err := h.svc.Comment(r.Context(), actor(r), st.ID, in.Comment)
		return commentJSON(c), err
	})(w, r)
}

// apiPublishNow lets a cleared statement go out now, and returns the
// publications it brought forward.
func (h *Handlers) apiPublishNow(w http.ResponseWriter, r *http.Request) {
	statementAPI(h, http.StatusOK, func(r *http.Request, st store.Statement) (map[string]any, error) {
		ids, err := h.svc.PublishNow(r.Context(), actor(r), st.ID)
		if ids == nil {
			ids = []int64{}
		}
		return map[string]any{"publications": ids}, err
	})(w, r)
}
