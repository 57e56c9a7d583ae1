package press

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
)

// flash is the confirmation shown after a form, said from what the store
// holds now: the address names only what happened and to what, so a
// crafted link can at most repeat a true fact, never put words on the page.
// An unknown notice, or one whose subject is gone, says "Done."
func (h *Handlers) flash(r *http.Request, notice string) string {
	ctx := r.Context()
	q := r.URL.Query()
	id := func(name string) int64 {
		n, _ := strconv.ParseInt(q.Get(name), 10, 64)
		return n
	}
	loc := zone(r)
	code := h.kit.Lang(r).Code
	switch notice {
	case "moved", "reapproval":
		p, err := h.db.GetPublication(ctx, id("pub"))
		if err != nil {
			break
		}
		rows, err := h.rows(r, []store.Publication{p})
		if err != nil || len(rows) != 1 {
			break
		}
		return h.t(r, "press_notice_"+notice+"_to", map[string]any{"Title": rows[0].Title, "Channel": rows[0].Channel,
			"When": lang.FormatDateTime(code, p.DueAt, loc, lang.Full)})
	case "saved", "submitted":
		st, err := h.db.GetStatement(ctx, id("statement"))
		if err != nil {
			break
		}
		title := statementTitle(st, code)
		if notice == "saved" && st.State == store.StateDraft {
			return h.t(r, "press_notice_saved_draft", map[string]any{"Title": title})
		}
		if notice == "submitted" && st.State == store.StateSubmitted {
			return h.t(r, "press_notice_submitted_for", map[string]any{"Title": title, "Need": st.ApprovalsNeeded, "Count": len(st.Targets)})
		}
	case "approved":
		st, err := h.db.GetStatement(ctx, id("statement"))
		if err != nil {
			break
		}
		title := statementTitle(st, code)
		if st.State != store.StateScheduled {
			aps, err := h.db.ListApprovals(ctx, st.ID)
			if err != nil || len(aps) == 0 {
				break
			}
			return h.t(r, "press_notice_approved_more", map[string]any{"Title": title, "Have": len(aps), "Need": st.ApprovalsNeeded})
		}
		pubs, err := h.db.ListPublications(ctx, store.QueueFilter{StatementID: st.ID})
		if err != nil || len(pubs) == 0 {
			break
		}
		first := pubs[0].DueAt
		for _, p := range pubs {
			if p.DueAt.Before(first) {
				first = p.DueAt
			}
		}
		return h.t(r, "press_notice_approved_scheduled", map[string]any{"Title": title, "Count": len(pubs),
			"When": lang.FormatDateTime(code, first, loc, lang.Full), "Zone": loc.String()})
	case "paused":
		b, err := h.svc.Banner(ctx)
		if err != nil {
			break
		}
		if ch := id("channel"); ch != 0 {
			c, err := h.db.GetChannel(ctx, ch)
			if err != nil || !c.Paused() {
				break
			}
			return h.t(r, "press_notice_paused_channel", map[string]any{"Channel": c.Name})
		}
		if b.Org {
			return h.t(r, "press_notice_paused_all", nil)
		}
	}
	if !slices.Contains([]string{"done", "reapproval", "moved", "approved", "paused", "saved", "submitted"}, notice) {
		notice = "done"
	}
	return h.t(r, "press_notice_"+notice, nil)
}

// adviceKey is the message key saying what settles a publication's state,
// "" when nothing is asked of anyone.
func adviceKey(p store.Publication) string {
	switch {
	case !p.DeletedAt.IsZero():
		return ""
	case p.Held == store.HeldPaused:
		return "press_advice_held_paused"
	case p.Held == store.HeldApprovalExpired:
		return "press_advice_held_approval_expired"
	case p.Held != "":
		return "press_advice_held_late"
	case p.State == store.StateNeedsCheck:
		return "press_advice_needs_check"
	case p.State == store.StateFailed:
		return "press_advice_failed"
	case p.State == store.StateSubmitted:
		return "press_advice_submitted"
	case p.State == store.StateDraft:
		return "press_advice_draft"
	}
	return ""
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
	// Changes are the statements returned to their authors (review.go).
	Changes []ChangeRequest
	Notice  string
	Error   string
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
	if p.Changes, err = h.changeRequests(r); err != nil {
		h.kit.Fail(w, r, err)
		return
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

// apiStatus counts publications by state, for the board and monitoring.
func (h *Handlers) apiStatus(w http.ResponseWriter, r *http.Request) {
	counts, err := h.db.CountPublicationsByState(r.Context())
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.JSON(w, http.StatusOK, counts)
}
