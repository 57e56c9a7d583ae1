package press

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/textdiff"
)

// ReviewPage is what an approver reads before deciding: each language's
// text with what changed since the last approved version, and each post
// as its network will show it.
type ReviewPage struct {
	Statement store.Statement
	Title     string
	StateKey  string
	Approvals int
	// Last is the version last approved; nil when none was. LastWhen is
	// its time in the viewer's zone.
	Last     *publishing.LastApproval
	LastWhen string
	Same     bool // the version under review is the one last approved
	Langs    []ReviewLang
	Comments []CommentRow
	Due      string
	// CanDecide: the viewer may approve or ask for changes now.
	CanDecide bool
	// Authored: the viewer wrote or changed this version.
	Authored      bool
	CanPublishNow bool
	Notice        string
	Error         string
}

// ReviewLang is one language of the statement under review.
type ReviewLang struct {
	Lang      lang.Language
	Title     string
	Body      string
	TitleDiff []DiffChunk
	BodyDiff  []DiffChunk
	Changed   bool
	New       bool // the language was not in the last approved version
	Gone      bool // the language was approved and is now removed
	Posts     []ReviewPost
}

// DiffChunk is a run of text of a diff, removed, added or kept.
type DiffChunk struct {
	Text     string
	Del, Ins bool
}

// ReviewPost is one post of the preview, as its network shows it.
type ReviewPost struct {
	publishing.PreviewPart
	Channel store.Channel
	Network string // the network's own name
	Handle  string
	Initial string
	N       int // the part's place in its thread, from 1
	Total   int
	Limit   string // the limit passed, in the viewer's language
	Problem string // why the channel would refuse the statement
	Images  []ReviewImage
	Max     int
}

// ReviewImage is an image as a post shows it, with its description in the
// post's language.
type ReviewImage struct {
	URL string
	Alt string
}

// CommentRow is one message of the thread.
type CommentRow struct {
	store.Comment
	When    string
	KindKey string
}

func diffChunks(a, b string) []DiffChunk {
	var out []DiffChunk
	for _, c := range textdiff.Words(a, b) {
		out = append(out, DiffChunk{Text: c.Text, Del: c.Op == textdiff.Delete, Ins: c.Op == textdiff.Insert})
	}
	return out
}

func (h *Handlers) review(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := pathID(r)
	var st store.Statement
	if err == nil {
		st, err = h.db.GetStatement(ctx, id)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	// Opening the page is what an approval needs: recorded before the
	// page is shown, for the version shown.
	me := actor(r)
	if err := h.svc.OpenReview(ctx, me, st); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	code := h.kit.Lang(r).Code
	loc := zone(r)
	p := ReviewPage{Statement: st, Title: statementTitle(st, code), Due: h.when(r, st.DueAt, loc)}
	p.StateKey = stateKey("press_state_", st.State)
	if st.RecallState == "done" {
		p.StateKey = stateKey("press_state_", stateWithdrawn)
	}
	d, err := h.decision(r, st)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p.Approvals, p.Authored, p.CanDecide, p.CanPublishNow = d.approvals, d.authored, d.canDecide, d.canPublishNow
	last, err := h.svc.LastApproved(ctx, st.ID)
	switch {
	case err == nil:
		p.Last, p.LastWhen, p.Same = &last, h.when(r, last.At, loc), last.Hash == st.ContentHash
	case !errors.Is(err, store.ErrNotFound):
		h.kit.Fail(w, r, err)
		return
	}
	if p.Langs, err = h.reviewLangs(r, st, p.Last); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if p.Comments, err = h.commentRows(r, st.ID); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p.Notice, p.Error = h.reviewNotice(r), reviewError(h, r)
	h.kit.Render(w, r, http.StatusOK, "press_review.html", httpx.Page{Title: h.t(r, "review_title", map[string]any{"Title": p.Title}), Data: p})
}

// reviewDecision is what the viewer may do with a statement's current
// version, as the review page and its API say.
type reviewDecision struct {
	approvals                int // of the current version
	authored                 bool
	canDecide, canPublishNow bool
}

func (h *Handlers) decision(r *http.Request, st store.Statement) (reviewDecision, error) {
	ctx := r.Context()
	me := actor(r)
	var d reviewDecision
	aps, err := h.db.ListApprovals(ctx, st.ID)
	if err != nil {
		return d, err
	}
	for _, a := range aps {
		if a.ContentHash == st.ContentHash {
			d.approvals++
		}
	}
	authors, err := h.db.StatementAuthors(ctx, st.ID)
	if err != nil {
		return d, err
	}
	d.authored = st.AuthorID == me.ID || slices.Contains(authors, me.ID)
	clearer := httpx.ViewerFrom(ctx).Can(Clearers...)
	d.canDecide = clearer && !d.authored && st.State == store.StateSubmitted && st.RecallState == "" &&
		!slices.ContainsFunc(aps, func(a store.Approval) bool { return a.UserID == me.ID && a.ContentHash == st.ContentHash })
	d.canPublishNow = clearer && st.State == store.StateScheduled && st.RecallState == ""
	return d, nil
}

// reviewLangs puts each language's text beside the last approved one and
// the posts each target would make of it.
func (h *Handlers) reviewLangs(r *http.Request, st store.Statement, last *publishing.LastApproval) ([]ReviewLang, error) {
	prev, err := h.svc.Preview(r.Context(), st)
	if err != nil {
		return nil, err
	}
	out := reviewTexts(st, last)
	for i := range out {
		for _, cp := range prev {
			out[i].Posts = append(out[i].Posts, h.reviewPosts(r, st, cp, out[i].Lang.Code)...)
		}
	}
	return out, nil
}

// reviewTexts puts each language's text beside the last approved one, in
// the order of lang.All.
func reviewTexts(st store.Statement, last *publishing.LastApproval) []ReviewLang {
	old := map[string]store.Variant{}
	if last != nil && last.Kept {
		for _, v := range last.Version.Variants {
			old[v.Lang] = v
		}
	}
	var out []ReviewLang
	for _, l := range lang.All() {
		i := slices.IndexFunc(st.Variants, func(v store.Variant) bool { return v.Lang == l.Code })
		o, had := old[l.Code]
		if i < 0 && !had {
			continue
		}
		rl := ReviewLang{Lang: l}
		if i >= 0 {
			rl.Title, rl.Body = st.Variants[i].Title, st.Variants[i].Body
		}
		if last != nil && last.Kept {
			rl.TitleDiff, rl.BodyDiff = diffChunks(o.Title, rl.Title), diffChunks(o.Body, rl.Body)
			rl.Changed = o.Title != rl.Title || o.Body != rl.Body
			rl.New, rl.Gone = !had, i < 0
		}
		out = append(out, rl)
	}
	return out
}

// reviewPosts are the posts one channel would make in one language, or
// the reason it would refuse the statement.
func (h *Handlers) reviewPosts(r *http.Request, st store.Statement, cp publishing.ChannelPreview, code string) []ReviewPost {
	base := ReviewPost{Channel: cp.Channel, Network: networkName(cp.Channel.Network), Handle: handle(cp.Channel), Initial: initial(cp.Channel.Name), Max: cp.Max}
	var out []ReviewPost
	var parts []publishing.PreviewPart
	for _, pt := range cp.Parts {
		if pt.Lang == code {
			parts = append(parts, pt)
		}
	}
	for _, pt := range parts {
		rp := base
		rp.PreviewPart, rp.N, rp.Total = pt, pt.Index+1, len(parts)
		if pt.Over {
			rp.Limit = h.t(r, "press_preview_over", map[string]any{"Network": rp.Network, "Channel": cp.Channel.Name,
				"Lang": langName(code), "Count": pt.Count, "Max": cp.Max})
		}
		if pt.Index == 0 {
			for _, m := range st.Media {
				rp.Images = append(rp.Images, ReviewImage{URL: string(mediaURL(st.ID, m.ID)), Alt: m.Alts[code]})
			}
		}
		out = append(out, rp)
	}
	if cp.Problem != nil && slices.Contains(cp.Channel.Languages, code) {
		rp := base
		rp.Problem = h.t(r, cp.Problem.Key, cp.Problem.Data)
		out = append(out, rp)
	}
	return out
}

func handle(ch store.Channel) string {
	if ch.Account == "" {
		return ""
	}
	switch ch.Network {
	case "x", "bluesky", "mastodon":
		return "@" + strings.TrimPrefix(ch.Account, "@")
	}
	return ch.Account
}

func initial(name string) string {
	for _, r := range name {
		return strings.ToUpper(string(r))
	}
	return "?"
}

// commentRows is a statement's thread as the viewer reads it.
func (h *Handlers) commentRows(r *http.Request, id int64) ([]CommentRow, error) {
	cs, err := h.db.ListComments(r.Context(), id)
	if err != nil {
		return nil, err
	}
	out := make([]CommentRow, 0, len(cs))
	for _, c := range cs {
		out = append(out, CommentRow{Comment: c, When: h.when(r, c.CreatedAt, zone(r)), KindKey: "review_kind_" + c.Kind})
	}
	return out, nil
}

// reviewBack redirects to the review page with a notice or the refusal's
// message key, or fails for an error that is not the viewer's.
func (h *Handlers) reviewBack(w http.ResponseWriter, r *http.Request, id int64, notice string, err error) {
	to := fmt.Sprintf("/press/statements/%d/review", id)
	p, refused := fault.As(err, fault.ErrRefused)
	switch {
	case err == nil:
		to += "?notice=" + notice + "&statement=" + strconv.FormatInt(id, 10)
	case refused:
		to += "?error=" + url.QueryEscape(p.Key)
	case errors.Is(err, store.ErrConflict):
		to += "?error=review_error_stale"
	default:
		h.kit.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, to+"#decision", http.StatusSeeOther)
}

// reviewError is the refusal named in the address, in the viewer's
// language; only message keys of refusals are read from it.
func reviewError(h *Handlers, r *http.Request) string {
	e := r.URL.Query().Get("error")
	if e == "" {
		return ""
	}
	if strings.HasPrefix(e, "review_error_") && safeKey(e) == e {
		return h.t(r, e, map[string]any{"Max": publishing.MaxComment})
	}
	return h.t(r, safeErrKey(e), nil)
}

// reviewNotice says what the last form did, from what the store holds now.
func (h *Handlers) reviewNotice(r *http.Request) string {
	n := r.URL.Query().Get("notice")
	if n == "" {
		return ""
	}
	ctx := r.Context()
	id, _ := strconv.ParseInt(r.URL.Query().Get("statement"), 10, 64)
	st, err := h.db.GetStatement(ctx, id)
	if err != nil {
		return h.t(r, "press_notice_done", nil)
	}
	title := statementTitle(st, h.kit.Lang(r).Code)
	switch n {
	case "changes":
		if st.State == store.StateDraft {
			return h.t(r, "review_notice_changes", map[string]any{"Title": title})
		}
	case "commented":
		return h.t(r, "review_notice_commented", nil)
	case "now":
		pubs, err := h.db.ListPublications(ctx, store.QueueFilter{StatementID: st.ID})
		if err != nil {
			break
		}
		names, err := h.nowChannels(r, pubs, true)
		if err != nil || len(names) == 0 {
			break
		}
		return h.t(r, "review_notice_now", map[string]any{"Title": title, "Count": len(names), "Channels": strings.Join(names, ", ")})
	}
	return h.flash(r, n)
}

func (h *Handlers) reviewForm(r *http.Request) (int64, error) {
	id, err := pathID(r)
	if err == nil {
		err = httpx.ParseForm(r)
	}
	return id, err
}

func (h *Handlers) reviewApprove(w http.ResponseWriter, r *http.Request) {
	id, err := h.reviewForm(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	_, err = h.svc.ApproveReviewed(r.Context(), actor(r), id, r.PostFormValue("hash"), r.PostFormValue("comment"))
	h.reviewBack(w, r, id, "approved", err)
}

func (h *Handlers) reviewChanges(w http.ResponseWriter, r *http.Request) {
	id, err := h.reviewForm(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	_, err = h.svc.RequestChanges(r.Context(), actor(r), id, r.PostFormValue("hash"), r.PostFormValue("comment"))
	h.reviewBack(w, r, id, "changes", err)
}

// reviewComment adds a remark to the thread, from the review page or the
// composer (return names which).
func (h *Handlers) reviewComment(w http.ResponseWriter, r *http.Request) {
	id, err := h.reviewForm(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	_, err = h.svc.Comment(r.Context(), actor(r), id, r.PostFormValue("comment"))
	if to := r.PostFormValue("return"); to == "compose" {
		if p, ok := fault.As(err, fault.ErrRefused); ok {
			http.Redirect(w, r, fmt.Sprintf("/press/statements/%d?error=%s#thread", id, url.QueryEscape(p.Key)), http.StatusSeeOther)
			return
		}
		if err == nil {
			http.Redirect(w, r, fmt.Sprintf("/press/statements/%d#thread", id), http.StatusSeeOther)
			return
		}
	}
	h.reviewBack(w, r, id, "commented", err)
}

// nowChannels names the channels of pubs that publish now would bring
// forward (waiting), or that it brought forward and are out or on their
// way (!waiting).
func (h *Handlers) nowChannels(r *http.Request, pubs []store.Publication, done bool) ([]string, error) {
	var names []string
	for _, p := range pubs {
		if !p.DeletedAt.IsZero() {
			continue
		}
		ok := p.State == store.StateScheduled && p.Held == ""
		if done {
			ok = ok || p.State == store.StatePublishing || p.State == store.StatePublished
		}
		if !ok {
			continue
		}
		ch, err := h.db.GetChannel(r.Context(), p.ChannelID)
		if err != nil {
			return nil, err
		}
		if ch.Paused() && !done {
			continue
		}
		names = append(names, ch.Name)
	}
	return names, nil
}

// PublishNowPage asks before publishing a cleared statement now, naming
// the channels.
type PublishNowPage struct {
	Statement store.Statement
	Title     string
	Due       string
	Channels  []string
	Error     string
}

func (h *Handlers) publishNowConfirm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := pathID(r)
	var st store.Statement
	if err == nil {
		st, err = h.db.GetStatement(ctx, id)
	}
	var pubs []store.Publication
	if err == nil {
		pubs, err = h.db.ListPublications(ctx, store.QueueFilter{StatementID: id})
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p := PublishNowPage{Statement: st, Title: statementTitle(st, h.kit.Lang(r).Code), Due: h.when(r, st.DueAt, zone(r))}
	if p.Channels, err = h.nowChannels(r, pubs, false); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if st.State != store.StateScheduled || st.RecallState != "" {
		p.Error = h.t(r, "review_error_now_not_cleared", nil)
	} else if len(p.Channels) == 0 {
		p.Error = h.t(r, "review_error_now_nothing", nil)
	}
	h.kit.Render(w, r, http.StatusOK, "press_publish_now.html", httpx.Page{Title: h.t(r, "review_now_title", nil), Data: p})
}

func (h *Handlers) publishNowForm(w http.ResponseWriter, r *http.Request) {
	id, err := h.reviewForm(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	_, err = h.svc.PublishNow(r.Context(), actor(r), id)
	h.reviewBack(w, r, id, "now", err)
}

// ChangeRequest is a statement an approver returned to its authors, with
// the request, as the status board lists them.
type ChangeRequest struct {
	CommentRow
	Title string
}

// changeRequests are the statements awaiting their authors' changes.
func (h *Handlers) changeRequests(r *http.Request) ([]ChangeRequest, error) {
	cs, err := h.db.OpenChangeRequests(r.Context(), 50)
	if err != nil {
		return nil, err
	}
	var out []ChangeRequest
	for _, c := range cs {
		st, err := h.db.GetStatement(r.Context(), c.StatementID)
		if err != nil {
			return nil, err
		}
		out = append(out, ChangeRequest{CommentRow: CommentRow{Comment: c, When: h.when(r, c.CreatedAt, zone(r)), KindKey: "review_kind_changes"},
			Title: statementTitle(st, h.kit.Lang(r).Code)})
	}
	return out, nil
}
