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

// apiStatementOf is the statement the path names, or the failure written.
func (h *Handlers) apiStatementOf(w http.ResponseWriter, r *http.Request) (store.Statement, bool) {
	id, err := pathID(r)
	var st store.Statement
	if err == nil {
		st, err = h.db.GetStatement(r.Context(), id)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return st, false
	}
	return st, true
}

// apiReview returns the review of the statement's current version and
// records that the caller opened it, as the review page does.
func (h *Handlers) apiReview(w http.ResponseWriter, r *http.Request) {
	st, ok := h.apiStatementOf(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	if err := h.svc.OpenReview(ctx, actor(r), st); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	d, err := h.decision(r, st)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	pubs, err := h.db.ListPublications(ctx, store.QueueFilter{StatementID: st.ID})
	if err != nil {
		h.kit.Fail(w, r, err)
		return
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
		h.kit.Fail(w, r, err)
		return
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
		h.kit.Fail(w, r, err)
		return
	}
	for _, c := range cs {
		out.Comments = append(out.Comments, commentJSON(c))
	}
	h.kit.JSON(w, http.StatusOK, out)
}

type decisionInput struct {
	Hash    string `json:"hash"`
	Comment string `json:"comment"`
}

// apiApprove approves the version with hash, which the caller must have
// opened (GET …/review); a comment, when given, joins the thread.
func (h *Handlers) apiApprove(w http.ResponseWriter, r *http.Request) {
	st, ok := h.apiStatementOf(w, r)
	if !ok {
		return
	}
	var in decisionInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	res, err := h.svc.ApproveReviewed(r.Context(), actor(r), st.ID, in.Hash, in.Comment)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.JSON(w, http.StatusOK, map[string]any{"approvals": res.Count, "complete": res.Complete, "approval_expired": res.Late})
}

// apiRequestChanges returns the version with hash to its authors with a
// comment, as the review page's form does.
func (h *Handlers) apiRequestChanges(w http.ResponseWriter, r *http.Request) {
	st, ok := h.apiStatementOf(w, r)
	if !ok {
		return
	}
	var in decisionInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	c, err := h.svc.RequestChanges(r.Context(), actor(r), st.ID, in.Hash, in.Comment)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.JSON(w, http.StatusOK, commentJSON(c))
}

// apiComments is the statement's thread, oldest first.
func (h *Handlers) apiComments(w http.ResponseWriter, r *http.Request) {
	st, ok := h.apiStatementOf(w, r)
	if !ok {
		return
	}
	cs, err := h.db.ListComments(r.Context(), st.ID)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	out := make([]CommentJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, commentJSON(c))
	}
	h.kit.JSON(w, http.StatusOK, out)
}

type commentInput struct {
	Comment string `json:"comment"`
}

// apiAddComment adds a remark about the current version to the thread.
func (h *Handlers) apiAddComment(w http.ResponseWriter, r *http.Request) {
	st, ok := h.apiStatementOf(w, r)
	if !ok {
		return
	}
	var in commentInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	c, err := h.svc.Comment(r.Context(), actor(r), st.ID, in.Comment)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.JSON(w, http.StatusCreated, commentJSON(c))
}

// apiPublishNow lets a cleared statement go out now, and returns the
// publications it brought forward.
func (h *Handlers) apiPublishNow(w http.ResponseWriter, r *http.Request) {
	st, ok := h.apiStatementOf(w, r)
	if !ok {
		return
	}
	ids, err := h.svc.PublishNow(r.Context(), actor(r), st.ID)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if ids == nil {
		ids = []int64{}
	}
	h.kit.JSON(w, http.StatusOK, map[string]any{"publications": ids})
}
