// Package press owns the press office's pages under /press and the
// publishing API under /api/v1/publishing: composing, clearance, the
// calendar, the status board, channels, the pause, recall and the audit
// log. The work itself is internal/publishing's; this package parses,
// checks roles, calls it and renders.
//
// It must not import cmd/ or any connector package.
package press

import (
	_ "embed"
	"net/http"
	"strconv"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/store"
)

// Roles that may read, write and clear (account.PressReaders, …).
var (
	Readers  = account.PressReaders
	Writers  = account.PressWriters
	Clearers = account.PressClearers
)

// Handlers serve the press pages and the publishing API.
type Handlers struct {
	db  *store.DB
	svc *publishing.Service
	kit *httpx.Kit
	res publishing.Resolver
	// health is what the networks last said of each channel's account.
	health health
}

// New returns the handlers.
func New(db *store.DB, svc *publishing.Service, res publishing.Resolver, kit *httpx.Kit) *Handlers {
	return &Handlers{db: db, svc: svc, kit: kit, res: res}
}

// APIRoutes are the publishing API's routes, listed once for the router and
// for the OpenAPI document's test.
var APIRoutes = []string{
	"GET /api/v1/publishing/channels",
	"POST /api/v1/publishing/channels",
	"POST /api/v1/publishing/channels/{id}/pause",
	"POST /api/v1/publishing/channels/{id}/resume",
	"POST /api/v1/publishing/count",
	"POST /api/v1/publishing/preview",
	"GET /api/v1/publishing/statements",
	"POST /api/v1/publishing/statements",
	"GET /api/v1/publishing/statements/{id}",
	"PUT /api/v1/publishing/statements/{id}",
	"POST /api/v1/publishing/statements/{id}/submit",
	"POST /api/v1/publishing/statements/{id}/approve",
	"GET /api/v1/publishing/statements/{id}/recall",
	"POST /api/v1/publishing/statements/{id}/recall",
	"POST /api/v1/publishing/statements/{id}/recall/approve",
	"GET /api/v1/publishing/publications",
	"POST /api/v1/publishing/publications/{id}/reschedule",
	"POST /api/v1/publishing/publications/{id}/decide",
	"POST /api/v1/publishing/publications/{id}/settle",
	"GET /api/v1/publishing/pause",
	"POST /api/v1/publishing/pause",
	"POST /api/v1/publishing/resume",
	"GET /api/v1/publishing/audit",
	"GET /api/v1/publishing/status",
}

// Routes lists every route of the area.
func (h *Handlers) Routes(mux *httpx.Router) {
	read := auth.Require(h.kit, Readers...)
	write := auth.Require(h.kit, Writers...)
	clear := auth.Require(h.kit, Clearers...)
	signedIn := auth.Require(h.kit)
	api := map[string]http.Handler{
		"GET /api/v1/publishing/channels":                        read(http.HandlerFunc(h.apiChannels)),
		"POST /api/v1/publishing/channels":                       write(http.HandlerFunc(h.apiCreateChannel)),
		"POST /api/v1/publishing/channels/{id}/pause":            read(http.HandlerFunc(h.apiPauseChannel)),
		"POST /api/v1/publishing/channels/{id}/resume":           read(http.HandlerFunc(h.apiResumeChannel)),
		"POST /api/v1/publishing/count":                          read(http.HandlerFunc(h.apiCount)),
		"POST /api/v1/publishing/preview":                        read(http.HandlerFunc(h.apiPreview)),
		"GET /api/v1/publishing/statements":                      read(http.HandlerFunc(h.apiStatements)),
		"POST /api/v1/publishing/statements":                     write(http.HandlerFunc(h.apiSaveStatement)),
		"GET /api/v1/publishing/statements/{id}":                 read(http.HandlerFunc(h.apiStatement)),
		"PUT /api/v1/publishing/statements/{id}":                 write(http.HandlerFunc(h.apiSaveStatement)),
		"POST /api/v1/publishing/statements/{id}/submit":         write(http.HandlerFunc(h.apiSubmit)),
		"POST /api/v1/publishing/statements/{id}/approve":        clear(http.HandlerFunc(h.apiApprove)),
		"GET /api/v1/publishing/statements/{id}/recall":          read(http.HandlerFunc(h.apiRecallPlan)),
		"POST /api/v1/publishing/statements/{id}/recall":         read(http.HandlerFunc(h.apiRequestRecall)),
		"POST /api/v1/publishing/statements/{id}/recall/approve": clear(http.HandlerFunc(h.apiApproveRecall)),
		"GET /api/v1/publishing/publications":                    read(http.HandlerFunc(h.apiPublications)),
		"POST /api/v1/publishing/publications/{id}/reschedule":   write(http.HandlerFunc(h.apiReschedule)),
		"POST /api/v1/publishing/publications/{id}/decide":       read(http.HandlerFunc(h.apiDecide)),
		"POST /api/v1/publishing/publications/{id}/settle":       read(http.HandlerFunc(h.apiSettle)),
		"GET /api/v1/publishing/pause":                           read(http.HandlerFunc(h.apiPauseState)),
		"POST /api/v1/publishing/pause":                          read(http.HandlerFunc(h.apiPause)),
		"POST /api/v1/publishing/resume":                         read(http.HandlerFunc(h.apiResume)),
		"GET /api/v1/publishing/audit":                           read(http.HandlerFunc(h.apiAudit)),
		"GET /api/v1/publishing/status":                          read(http.HandlerFunc(h.apiStatus)),
	}
	for _, p := range APIRoutes {
		mux.Handle(p, api[p])
	}
	mux.Handle("GET /api/v1/openapi.json", signedIn(http.HandlerFunc(h.openAPI)))
	h.pageRoutes(mux, read, write, clear)
}

// nonNil makes a nil slice an empty one, so that the API sends [] where
// its document promises an array, never null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func actor(r *http.Request) publishing.Actor {
	return publishing.ActorOf(httpx.ViewerFrom(r.Context()).User)
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fault.ErrNotFound
	}
	return id, nil
}

// Channel is a channel as the API shows it.
type Channel struct {
	ID               int64     `json:"id"`
	Network          string    `json:"network"`
	Name             string    `json:"name"`
	Account          string    `json:"account"`
	Languages        []string  `json:"languages"`
	TimeZone         string    `json:"time_zone"`
	MaxLength        int       `json:"max_length"`
	Paused           bool      `json:"paused"`
	PausedReason     string    `json:"paused_reason,omitempty"`
	RateLimitedUntil time.Time `json:"rate_limited_until,omitzero"`
}

func channelJSON(c store.Channel) Channel {
	return Channel{ID: c.ID, Network: c.Network, Name: c.Name, Account: c.Account, Languages: nonNil(c.Languages), TimeZone: c.TimeZone,
		MaxLength: c.MaxLength, Paused: c.Paused(), PausedReason: c.PausedReason, RateLimitedUntil: c.RateLimitedUntil}
}

func (h *Handlers) apiChannels(w http.ResponseWriter, r *http.Request) {
	chs, err := h.db.ListChannels(r.Context())
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	out := make([]Channel, 0, len(chs))
	for _, c := range chs {
		out = append(out, channelJSON(c))
	}
	h.kit.JSON(w, http.StatusOK, out)
}

func (h *Handlers) apiCreateChannel(w http.ResponseWriter, r *http.Request) {
	var in publishing.ChannelInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	c, err := h.svc.CreateChannel(r.Context(), actor(r), in)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.JSON(w, http.StatusCreated, channelJSON(c))
}

type reasonInput struct {
	Reason string `json:"reason"`
}

type resumeInput struct {
	Action string    `json:"action"`
	At     time.Time `json:"at"`
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

func (h *Handlers) done(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.JSON(w, http.StatusOK, map[string]bool{"ok": true})
}

type countInput struct {
	ChannelID int64  `json:"channel_id"`
	Text      string `json:"text"`
}

// apiCount counts text as the channel's network does (X's weighted count
// comes from the X connector's Count).
func (h *Handlers) apiCount(w http.ResponseWriter, r *http.Request) {
	var in countInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	ch, err := h.db.GetChannel(r.Context(), in.ChannelID)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p, err := h.res(r.Context(), ch)
	if err != nil {
		h.kit.Fail(w, r, fault.Refused("", "press_error_credentials", "Channel", ch.Name))
		return
	}
	max := p.Limits().MaxLength
	if ch.MaxLength > 0 && (max == 0 || ch.MaxLength < max) {
		max = ch.MaxLength
	}
	h.kit.JSON(w, http.StatusOK, map[string]int{"count": p.Count(in.Text), "max": max})
}

// Statement is a statement as the API shows it.
type Statement struct {
	ID       int64 `json:"id"`
	AuthorID int64 `json:"author_id"`
	// State is derived from the publications once clearance is complete
	// (published, partially-published, failed, needs-check, …); Clearance
	// is where the statement stands in clearance.
	State           string         `json:"state"`
	Clearance       string         `json:"clearance"`
	Progress        store.Progress `json:"progress"`
	Category        string         `json:"category"`
	Sensitive       bool           `json:"sensitive"`
	DueAt           time.Time      `json:"due_at,omitzero"`
	EmbargoUntil    time.Time      `json:"embargo_until,omitzero"`
	ArticleURL      string         `json:"article_url"`
	ContentHash     string         `json:"content_hash"`
	ApprovalsNeeded int            `json:"approvals_needed"`
	RecallState     string         `json:"recall_state,omitempty"`
	// RecallPage is what a requested or approved recall makes of the
	// portal pages: notice or remove.
	RecallPage string `json:"recall_page,omitempty"`
	// Withdrawal says when, by whom and why the statement was withdrawn
	// (State withdrawn).
	Withdrawal   *withdrawalJSON            `json:"withdrawal,omitempty"`
	Corrects     int64                      `json:"corrects,omitempty"`
	Variants     []publishing.VariantInput  `json:"variants"`
	Overrides    []publishing.OverrideInput `json:"overrides"`
	Media        []mediaJSON                `json:"media"`
	Targets      []int64                    `json:"targets"`
	Publications []Publication              `json:"publications,omitempty"`
}

type mediaJSON struct {
	ID          int64             `json:"id"`
	Filename    string            `json:"filename"`
	ContentType string            `json:"content_type"`
	Size        int               `json:"size"`
	Alts        map[string]string `json:"alts"`
}

func statementJSON(st store.Statement, pr store.Progress) Statement {
	out := Statement{ID: st.ID, AuthorID: st.AuthorID, State: statementState(st, pr), Clearance: st.State, Progress: pr, Category: st.Category, Sensitive: st.Sensitive, DueAt: st.DueAt,
		EmbargoUntil: st.EmbargoUntil, ArticleURL: st.ArticleURL, ContentHash: st.ContentHash, ApprovalsNeeded: st.ApprovalsNeeded,
		RecallState: st.RecallState, Corrects: st.Corrects, Targets: nonNil(st.Targets), Variants: []publishing.VariantInput{}, Overrides: []publishing.OverrideInput{}, Media: []mediaJSON{}}
	if st.RecallState != "" {
		out.RecallPage = st.RecallMode
	}
	for _, v := range st.Variants {
		out.Variants = append(out.Variants, publishing.VariantInput{Lang: v.Lang, Title: v.Title, Body: v.Body})
	}
	for _, o := range st.Overrides {
		out.Overrides = append(out.Overrides, publishing.OverrideInput{ChannelID: o.ChannelID, Lang: o.Lang, Body: o.Body})
	}
	for _, m := range st.Media {
		alts := m.Alts
		if alts == nil {
			alts = map[string]string{}
		}
		out.Media = append(out.Media, mediaJSON{m.ID, m.Filename, m.ContentType, len(m.Data), alts})
	}
	return out
}

// Publication is a publication as the API shows it.
type Publication struct {
	ID            int64     `json:"id"`
	StatementID   int64     `json:"statement_id"`
	ChannelID     int64     `json:"channel_id"`
	State         string    `json:"state"`
	Held          string    `json:"held,omitempty"`
	DueAt         time.Time `json:"due_at,omitzero"`
	NextAttemptAt time.Time `json:"next_attempt_at,omitzero"`
	Tries         int       `json:"tries"`
	Reason        string    `json:"reason,omitempty"`
	// RemoteURL is the post's address while it exists: a deleted post
	// (DeletedAt) has none.
	RemoteURL   string    `json:"remote_url,omitempty"`
	PublishedAt time.Time `json:"published_at,omitzero"`
	DeletedAt   time.Time `json:"deleted_at,omitzero"`
}

func publicationJSON(p store.Publication) Publication {
	out := Publication{ID: p.ID, StatementID: p.StatementID, ChannelID: p.ChannelID, State: p.State, Held: p.Held, DueAt: p.DueAt,
		NextAttemptAt: p.NextAttemptAt, Tries: p.Tries, Reason: p.Reason, RemoteURL: p.RemoteURL, PublishedAt: p.PublishedAt, DeletedAt: p.DeletedAt}
	if !p.DeletedAt.IsZero() {
		out.RemoteURL = "" // no link to a deleted post
	}
	return out
}

func (h *Handlers) apiStatements(w http.ResponseWriter, r *http.Request) {
	sts, err := h.db.ListStatements(r.Context(), 200)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	ids := make([]int64, 0, len(sts))
	for _, st := range sts {
		ids = append(ids, st.ID)
	}
	prs, err := h.db.StatementProgress(r.Context(), ids)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	out := make([]Statement, 0, len(sts))
	for _, st := range sts {
		j := statementJSON(st, prs[st.ID])
		if err := h.addWithdrawal(r.Context(), st, &j); err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		out = append(out, j)
	}
	h.kit.JSON(w, http.StatusOK, out)
}

func (h *Handlers) apiStatement(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	st, err := h.db.GetStatement(r.Context(), id)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	pubs, err := h.db.ListPublications(r.Context(), store.QueueFilter{StatementID: id})
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	out := statementJSON(st, store.ProgressOf(pubs))
	if err := h.addWithdrawal(r.Context(), st, &out); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	for _, p := range pubs {
		out.Publications = append(out.Publications, publicationJSON(p))
	}
	h.kit.JSON(w, http.StatusOK, out)
}

func (h *Handlers) apiSaveStatement(w http.ResponseWriter, r *http.Request) {
	var id int64
	if r.PathValue("id") != "" {
		var err error
		if id, err = pathID(r); err != nil {
			h.kit.Fail(w, r, err)
			return
		}
	}
	var in publishing.StatementInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	st, err := h.svc.SaveStatement(r.Context(), actor(r), id, in)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	status := http.StatusOK
	if id == 0 {
		status = http.StatusCreated
	}
	pubs, err := h.db.ListPublications(r.Context(), store.QueueFilter{StatementID: st.ID})
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.JSON(w, status, statementJSON(st, store.ProgressOf(pubs)))
}

func (h *Handlers) apiSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = h.svc.Submit(r.Context(), actor(r), id)
	}
	h.done(w, r, err)
}

type approveInput struct {
	Hash string `json:"hash"`
}

func (h *Handlers) apiApprove(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in approveInput
	if err == nil {
		err = httpx.DecodeJSON(r, &in)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	res, err := h.svc.Approve(r.Context(), actor(r), id, in.Hash)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.JSON(w, http.StatusOK, map[string]any{"approvals": res.Count, "complete": res.Complete, "approval_expired": res.Late})
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

func parseTimeParam(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, &fault.Problem{Kind: fault.ErrInvalid, Key: "press_error_time", Field: name}
	}
	return t, nil
}

func (h *Handlers) apiPublications(w http.ResponseWriter, r *http.Request) {
	from, err := parseTimeParam(r, "from")
	var to time.Time
	if err == nil {
		to, err = parseTimeParam(r, "to")
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	pubs, err := h.db.ListPublications(r.Context(), store.QueueFilter{From: from, To: to})
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	out := make([]Publication, 0, len(pubs))
	for _, p := range pubs {
		out = append(out, publicationJSON(p))
	}
	h.kit.JSON(w, http.StatusOK, out)
}

type rescheduleInput struct {
	DueAt time.Time `json:"due_at"`
}

func (h *Handlers) apiReschedule(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in rescheduleInput
	if err == nil {
		err = httpx.DecodeJSON(r, &in)
	}
	var voided bool
	if err == nil {
		voided, err = h.svc.Reschedule(r.Context(), actor(r), id, in.DueAt)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	// approval_void: the move voided the statement's approval, which
	// covers the time; it awaits approval again.
	h.kit.JSON(w, http.StatusOK, map[string]bool{"ok": true, "approval_void": voided})
}

func (h *Handlers) apiDecide(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in resumeInput
	if err == nil {
		err = httpx.DecodeJSON(r, &in)
	}
	if err == nil {
		err = h.svc.Decide(r.Context(), actor(r), id, in.Action, in.At)
	}
	h.done(w, r, err)
}

type settleInput struct {
	Published bool   `json:"published"`
	URL       string `json:"url"`
}

func (h *Handlers) apiSettle(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in settleInput
	if err == nil {
		err = httpx.DecodeJSON(r, &in)
	}
	if err == nil {
		err = h.svc.Settle(r.Context(), actor(r), id, in.Published, in.URL)
	}
	h.done(w, r, err)
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

// apiStatus counts publications by state, for the board and monitoring.
func (h *Handlers) apiStatus(w http.ResponseWriter, r *http.Request) {
	counts, err := h.db.CountPublicationsByState(r.Context())
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.JSON(w, http.StatusOK, counts)
}

type auditJSON struct {
	Seq           int64     `json:"seq"`
	At            time.Time `json:"at"`
	Actor         string    `json:"actor"`
	Action        string    `json:"action"`
	StatementID   int64     `json:"statement_id,omitempty"`
	PublicationID int64     `json:"publication_id,omitempty"`
	ContentHash   string    `json:"content_hash,omitempty"`
	Payload       string    `json:"payload,omitempty"`
	Response      string    `json:"response,omitempty"`
	Hash          string    `json:"hash"`
}

func (h *Handlers) apiAudit(w http.ResponseWriter, r *http.Request) {
	var f store.AuditFilter
	if v := r.URL.Query().Get("statement"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			h.kit.Fail(w, r, &fault.Problem{Kind: fault.ErrInvalid, Key: "press_error_id", Field: "statement"})
			return
		}
		f.StatementID = id
	}
	es, err := h.db.ListAudit(r.Context(), f)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	out := make([]auditJSON, 0, len(es))
	for _, e := range es {
		out = append(out, auditJSON{e.Seq, e.At, e.Actor, e.Action, e.StatementID, e.PublicationID, e.ContentHash, e.Payload, e.Response, e.Hash})
	}
	h.kit.JSON(w, http.StatusOK, out)
}

//go:embed openapi.json
var openAPIDoc []byte

func (h *Handlers) openAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(openAPIDoc)
}
