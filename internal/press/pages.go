package press

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
)

func (h *Handlers) pageRoutes(mux *httpx.Router, read, write, clear func(http.Handler) http.Handler) {
	mux.Handle("GET /press", read(http.HandlerFunc(h.board)))
	mux.Handle("GET /press/compose", write(http.HandlerFunc(h.compose)))
	mux.Handle("GET /press/statements/{id}", read(http.HandlerFunc(h.compose)))
	mux.Handle("GET /press/statements/{id}/media/{media}", read(http.HandlerFunc(h.media)))
	h.mediaRoutes(mux, read)
	mux.Handle("POST /press/statements", write(http.HandlerFunc(h.saveForm)))
	mux.Handle("POST /press/statements/{id}", write(http.HandlerFunc(h.saveForm)))
	mux.Handle("POST /press/statements/{id}/submit", write(http.HandlerFunc(h.submitForm)))
	mux.Handle("POST /press/statements/{id}/approve", clear(http.HandlerFunc(h.approveForm)))
	mux.Handle("POST /press/statements/{id}/recall", read(http.HandlerFunc(h.recallForm)))
	mux.Handle("POST /press/statements/{id}/recall/approve", clear(http.HandlerFunc(h.recallApproveForm)))
	mux.Handle("GET /press/queue", read(http.HandlerFunc(h.queue)))
	mux.Handle("POST /press/publications/{id}/reschedule", write(http.HandlerFunc(h.rescheduleForm)))
	mux.Handle("POST /press/publications/{id}/decide", read(http.HandlerFunc(h.decideForm)))
	mux.Handle("POST /press/publications/{id}/settle", read(http.HandlerFunc(h.settleForm)))
	mux.Handle("GET /press/channels", read(http.HandlerFunc(h.channels)))
	mux.Handle("POST /press/channels", write(http.HandlerFunc(h.createChannelForm)))
	mux.Handle("POST /press/channels/{id}/pause", read(http.HandlerFunc(h.pauseForm)))
	mux.Handle("POST /press/channels/{id}/resume", read(http.HandlerFunc(h.resumeForm)))
	mux.Handle("POST /press/pause", read(http.HandlerFunc(h.pauseForm)))
	mux.Handle("POST /press/resume", read(http.HandlerFunc(h.resumeForm)))
	h.composerRoutes(mux, write)
	h.calendarRoutes(mux, read)
	h.boardRoutes(mux, read, write, clear)
}

// Banners returns the pause notices for the layout, in language code.
func Banners(svc *publishing.Service, cat *lang.Catalog) func(ctx context.Context, code string) []string {
	return func(ctx context.Context, code string) []string {
		b, err := svc.Banner(ctx)
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

func (h *Handlers) t(r *http.Request, key string, data map[string]any) string {
	return h.kit.Cat.T(h.kit.Lang(r).Code, key, data)
}

// zone is the officer's time zone (UTC when unset or unknown).
func zone(r *http.Request) *time.Location {
	if v := httpx.ViewerFrom(r.Context()); v != nil && v.User.TimeZone != "" {
		if loc, err := time.LoadLocation(v.User.TimeZone); err == nil {
			return loc
		}
	}
	return time.UTC
}

func (h *Handlers) when(r *http.Request, t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return lang.FormatDateTime(h.kit.Lang(r).Code, t, loc, lang.Medium) + " (" + loc.String() + ")"
}

// PubRow is one publication on the board or the calendar.
type PubRow struct {
	store.Publication
	Title       string
	Channel     string
	Network     string
	Officer     string // due time in the officer's zone
	Local       string // due time in the channel's zone
	InputValue  string // due time for a datetime-local input in the officer's zone
	ISO         string
	Day         string // yyyy-mm-dd in the officer's zone
	CanDecide   bool
	CanSchedule bool
	NeedsCheck  bool
	StateKey    string // message key of State
	HeldKey     string // message key of Held, if held
	// AdviceKey names what settles the row's state (a hold, a failure, a
	// check, an approval), "" when nothing is asked of anyone.
	AdviceKey string
	// PostURL is the post's address while it exists: never a deleted
	// post's.
	PostURL string
	// Withdrawn says when, by whom and why the statement was withdrawn;
	// nil while it is not.
	Withdrawn *Withdrawal
}

// rowStatement is what the rows of one statement share.
type rowStatement struct {
	title     string
	withdrawn *Withdrawal
}

// stateKey is the message key of a state or hold reason.
func stateKey(prefix, s string) string { return prefix + strings.ReplaceAll(s, "-", "_") }

func (h *Handlers) rows(r *http.Request, pubs []store.Publication) ([]PubRow, error) {
	ctx := r.Context()
	chs, err := h.db.ListChannels(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[int64]store.Channel{}
	for _, c := range chs {
		byID[c.ID] = c
	}
	stmts := map[int64]rowStatement{}
	loc := zone(r)
	code := h.kit.Lang(r).Code
	var out []PubRow
	for _, p := range pubs {
		rs, ok := stmts[p.StatementID]
		if !ok {
			st, err := h.db.GetStatement(ctx, p.StatementID)
			if err != nil {
				return nil, err
			}
			rs.title = statementTitle(st, code)
			if st.RecallState == "done" {
				wd, err := h.withdrawal(r, st)
				if err != nil {
					return nil, err
				}
				rs.withdrawn = &wd
			}
			stmts[p.StatementID] = rs
		}
		title := rs.title
		ch := byID[p.ChannelID]
		chLoc, err := time.LoadLocation(ch.TimeZone)
		if err != nil {
			chLoc = time.UTC
		}
		row := PubRow{Publication: p, Title: title, Channel: ch.Name, Network: ch.Network, Officer: h.when(r, p.DueAt, loc),
			Local: h.when(r, p.DueAt, chLoc), CanDecide: p.Held != "",
			CanSchedule: slices.Contains([]string{store.StateDraft, store.StateSubmitted, store.StateScheduled}, p.State),
			StateKey:    stateKey("press_state_", p.State), NeedsCheck: p.State == store.StateNeedsCheck}
		if p.Held != "" {
			row.HeldKey = stateKey("press_held_", p.Held)
		}
		row.AdviceKey = adviceKey(p)
		if p.DeletedAt.IsZero() {
			row.PostURL = p.RemoteURL
		}
		if rs.withdrawn != nil {
			row.Withdrawn, row.AdviceKey = rs.withdrawn, ""
			if !p.DeletedAt.IsZero() || p.State != store.StatePublished {
				row.StateKey = stateKey("press_state_", stateWithdrawn)
			}
		}
		if !p.DueAt.IsZero() {
			row.InputValue = p.DueAt.In(loc).Format("2006-01-02T15:04")
			row.ISO = p.DueAt.UTC().Format(time.RFC3339)
			row.Day = p.DueAt.In(loc).Format("2006-01-02")
		}
		out = append(out, row)
	}
	return out, nil
}

func statementTitle(st store.Statement, code string) string {
	for _, v := range st.Variants {
		if v.Lang == code && v.Title != "" {
			return v.Title
		}
	}
	if len(st.Variants) == 0 {
		return fmt.Sprintf("#%d", st.ID)
	}
	v := st.Variants[0]
	if v.Title != "" {
		return v.Title
	}
	b := []rune(v.Body)
	if len(b) > 60 {
		b = append(b[:60], '…')
	}
	return string(b)
}

// BoardPage is the status board.
type BoardPage struct {
	Rows []PubRow
	// Attention are the rows a person must settle: held, failed or
	// needing a check.
	Attention []PubRow
	Counts    []StateCount
	Paused    bool
	Overdue   int
	Notice    string
	Error     string
}

// StateCount is how many publications are in one state.
type StateCount struct {
	State, Key string
	Count      int
}

func (h *Handlers) board(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	pubs, err := h.db.ListPublications(ctx, store.QueueFilter{Limit: 500})
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	var p BoardPage
	if p.Rows, err = h.rows(r, pubs); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	for _, row := range p.Rows {
		if row.Withdrawn == nil && (row.Held != "" || row.NeedsCheck || row.State == store.StateFailed) {
			p.Attention = append(p.Attention, row)
		}
	}
	counts, err := h.db.CountPublicationsByState(ctx)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	for _, s := range []string{store.StateDraft, store.StateSubmitted, store.StateScheduled, store.StatePublishing, store.StatePublished, store.StateFailed, store.StateNeedsCheck} {
		p.Counts = append(p.Counts, StateCount{State: s, Key: stateKey("press_state_", s), Count: counts[s]})
	}
	b, err := h.svc.Banner(ctx)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p.Paused = b.Org
	if p.Paused {
		od, err := h.db.OverduePublications(ctx, 0)
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		p.Overdue = len(od)
	}
	p.Notice, p.Error = r.URL.Query().Get("notice"), r.URL.Query().Get("error")
	if p.Notice != "" {
		p.Notice = h.flash(r, p.Notice)
	}
	if p.Error != "" {
		p.Error = h.t(r, safeErrKey(p.Error), nil)
	}
	h.kit.Render(w, r, http.StatusOK, "press_board.html", httpx.Page{Title: h.t(r, "press_board_title", nil), Data: p})
}

func safeKey(s string) string {
	if strings.IndexFunc(s, func(c rune) bool { return (c < 'a' || c > 'z') && c != '_' }) >= 0 {
		return "done"
	}
	return s
}

func safeErrKey(s string) string {
	if !strings.HasPrefix(s, "press_error_") || safeKey(s) != s {
		return "press_error_generic"
	}
	return s
}

// back redirects after a form: to the referring press page, with a notice
// or the problem's message key.
func (h *Handlers) back(w http.ResponseWriter, r *http.Request, to string, err error) {
	p, refused := fault.As(err, fault.ErrRefused)
	switch {
	case err == nil:
		to += sep(to) + "notice=done"
	case refused:
		to += sep(to) + "error=" + url.QueryEscape(p.Key)
	case errors.Is(err, store.ErrConflict):
		to += sep(to) + "error=press_error_generic"
	default:
		h.kit.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func sep(u string) string {
	if strings.Contains(u, "?") {
		return "&"
	}
	return "?"
}

// returnTo is the press page a form came from.
func returnTo(r *http.Request, def string) string {
	if v := r.PostFormValue("return"); strings.HasPrefix(v, "/press") && !strings.HasPrefix(v, "//") {
		return v
	}
	return def
}

// RecallRow is one place a recall would delete from, with the network's
// limit on deletion.
type RecallRow struct {
	publishing.RecallLimit
	Hours int
}

func (h *Handlers) settleForm(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = httpx.ParseForm(r)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	err = h.svc.Settle(r.Context(), actor(r), id, r.PostFormValue("outcome") == "published", strings.TrimSpace(r.PostFormValue("url")))
	h.back(w, r, returnTo(r, "/press"), err)
}

// parseLocal reads a datetime-local value in the officer's zone.
func parseLocal(r *http.Request, name string) (time.Time, error) {
	v := strings.TrimSpace(r.PostFormValue(name))
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02T15:04", v, zone(r))
	if err != nil {
		return time.Time{}, fault.Refused(name, "press_error_time")
	}
	return t, nil
}

func (h *Handlers) approveForm(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = httpx.ParseForm(r)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	_, err = h.svc.Approve(r.Context(), actor(r), id, r.PostFormValue("hash"))
	if err == nil {
		to := returnTo(r, "/press/queue")
		http.Redirect(w, r, fmt.Sprintf("%s%snotice=approved&statement=%d", to, sep(to), id), http.StatusSeeOther)
		return
	}
	h.back(w, r, returnTo(r, "/press/queue"), err)
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

// QueuePage is the approval queue.
type QueuePage struct {
	Items  []QueueItem
	Recall []store.Statement
	Notice string
	Error  string
}

// QueueItem is one statement awaiting approval.
type QueueItem struct {
	store.Statement
	Title    string
	Due      string
	Expired  bool // due before approval completed
	Approved int
	// Mine: the viewer wrote the statement or changed this version, so
	// may not approve it.
	Mine bool
}

func (h *Handlers) queue(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sts, err := h.db.ListStatements(ctx, 500)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	me := httpx.ViewerFrom(ctx).User.ID
	var p QueuePage
	for _, st := range sts {
		if st.RecallState == "requested" {
			p.Recall = append(p.Recall, st)
		}
		if st.State != store.StateSubmitted {
			continue
		}
		aps, err := h.db.ListApprovals(ctx, st.ID)
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		authors, err := h.db.StatementAuthors(ctx, st.ID)
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		p.Items = append(p.Items, QueueItem{Statement: st, Title: statementTitle(st, h.kit.Lang(r).Code), Due: h.when(r, st.DueAt, zone(r)),
			Expired: !st.DueAt.IsZero() && st.DueAt.Before(h.svc.Now()), Approved: len(aps), Mine: slices.Contains(authors, me)})
	}
	if e := r.URL.Query().Get("error"); e != "" {
		p.Error = h.t(r, safeErrKey(e), nil)
	}
	if n := r.URL.Query().Get("notice"); n != "" {
		p.Notice = h.flash(r, n)
	}
	h.kit.Render(w, r, http.StatusOK, "press_queue.html", httpx.Page{Title: h.t(r, "press_queue_title", nil), Data: p})
}

func (h *Handlers) rescheduleForm(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = httpx.ParseForm(r)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	at, err := parseLocal(r, "due_at")
	var voided bool
	if err == nil {
		voided, err = h.svc.Reschedule(r.Context(), actor(r), id, at)
	}
	if err == nil {
		// Say what happened: moved, and whether the move voided the
		// approval.
		notice := "moved"
		if voided {
			notice = "reapproval"
		}
		to := returnTo(r, "/press/calendar")
		http.Redirect(w, r, fmt.Sprintf("%s%snotice=%s&pub=%d", to, sep(to), notice, id), http.StatusSeeOther)
		return
	}
	h.back(w, r, returnTo(r, "/press/calendar"), err)
}

func (h *Handlers) decideForm(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = httpx.ParseForm(r)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	at, err := parseLocal(r, "at")
	if err == nil {
		err = h.svc.Decide(r.Context(), actor(r), id, r.PostFormValue("action"), at)
	}
	h.back(w, r, returnTo(r, "/press"), err)
}

// ChannelsPage lists channels with their pause and health.
type ChannelsPage struct {
	Channels []ChannelRow
	Networks []social.Network
	Langs    []lang.Language
	Paused   bool
	Reason   string
	Overdue  int
	Notice   string
	Error    string
	// Form is the new-channel form as typed; after a refusal, ErrorField
	// names the field the error is about.
	Form       publishing.ChannelInput
	ErrorField string
}

// Picked reports whether the form has language code ticked.
func (p ChannelsPage) Picked(code string) bool { return slices.Contains(p.Form.Languages, code) }

// ChannelRow is a channel and what the network says about its credentials.
type ChannelRow struct {
	store.Channel
	Healthy bool
	Account string
	Limited string
	Overdue int
}

func (h *Handlers) channels(w http.ResponseWriter, r *http.Request) {
	p := ChannelsPage{Form: publishing.ChannelInput{TimeZone: "Asia/Ho_Chi_Minh"}}
	if ns := h.svc.Networks(); len(ns) > 0 {
		p.Form.Network = string(ns[0].Network)
	}
	if e := r.URL.Query().Get("error"); e != "" {
		p.Error = h.t(r, safeErrKey(e), nil)
	}
	if n := r.URL.Query().Get("notice"); n != "" {
		p.Notice = h.flash(r, n)
	}
	h.renderChannels(w, r, http.StatusOK, p)
}

// renderChannels shows the channels page with p's form, notice and error.
func (h *Handlers) renderChannels(w http.ResponseWriter, r *http.Request, status int, p ChannelsPage) {
	ctx := r.Context()
	chs, err := h.db.ListChannels(ctx)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p.Networks, p.Langs = h.svc.Networks().Networks(), lang.All()
	health := h.health.check(ctx, h.res, h.svc.Now(), chs)
	for i, c := range chs {
		row := ChannelRow{Channel: c, Healthy: health[i].ok, Account: health[i].account}
		if c.RateLimitedUntil.After(h.svc.Now()) {
			row.Limited = h.when(r, c.RateLimitedUntil, zone(r))
		}
		if c.Paused() {
			od, err := h.db.OverduePublications(ctx, c.ID)
			if err != nil {
				h.kit.Fail(w, r, err)
				return
			}
			row.Overdue = len(od)
		}
		p.Channels = append(p.Channels, row)
	}
	b, err := h.svc.Banner(ctx)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p.Paused, p.Reason = b.Org, b.Reason
	if p.Paused {
		od, err := h.db.OverduePublications(ctx, 0)
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		p.Overdue = len(od)
	}
	h.kit.Render(w, r, status, "press_channels.html", httpx.Page{Title: h.t(r, "press_channels_title", nil), Data: p})
}

// createChannelForm makes a channel, or shows the form again as typed, with
// the reason, when it is refused.
func (h *Handlers) createChannelForm(w http.ResponseWriter, r *http.Request) {
	if err := httpx.ParseForm(r); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	max, _ := strconv.Atoi(r.PostFormValue("max_length"))
	in := publishing.ChannelInput{Network: r.PostFormValue("network"), Name: r.PostFormValue("name"),
		Account: r.PostFormValue("account"), BaseURL: r.PostFormValue("base_url"), Languages: r.PostForm["languages"],
		TimeZone: strings.TrimSpace(r.PostFormValue("time_zone")), MaxLength: max}
	_, err := h.svc.CreateChannel(r.Context(), actor(r), in)
	if p, ok := fault.As(err, fault.ErrRefused); ok {
		h.renderChannels(w, r, http.StatusUnprocessableEntity, ChannelsPage{Form: in, Error: h.t(r, safeErrKey(p.Key), p.Data), ErrorField: p.Field})
		return
	}
	h.back(w, r, "/press/channels", err)
}

// channelForm parses a pause or resume form: the channel id from the path,
// or 0 for the whole organisation when the route has none.
func channelForm(r *http.Request) (int64, error) {
	var id int64
	if r.PathValue("id") != "" {
		var err error
		if id, err = pathID(r); err != nil {
			return 0, err
		}
	}
	return id, httpx.ParseForm(r)
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
