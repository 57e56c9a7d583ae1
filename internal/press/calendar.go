package press

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
)

// CalendarPage is the week grid (seven day columns, hour rows) or the
// month grid, with compact chips per publication, filtered by channel,
// language and state. Times are in one zone, named once (Zone).
type CalendarPage struct {
	View       string // week or month
	Title      string // the period shown
	Days       []CalendarDay
	Weekdays   []string // column headings, Monday first
	Hours      []CalendarHour
	Weeks      [][]CalendarDay // the month grid, Monday first
	Prev, Next string
	Today      string
	Zone       string
	Notice     string
	Error      string
	// Filter is what the grid shows; Query keeps it on every link.
	Filter   CalendarFilter
	Query    string
	Channels []store.Channel
	Langs    []lang.Language
	States   []StateCount
	Networks []string // the networks of the chips shown, for the legend
	Count    int
	Return   string // where a move comes back to
}

// CalendarFilter narrows the calendar.
type CalendarFilter struct {
	Channel int64
	Lang    string
	State   string
}

// CalendarDay is one day: a column of the week or a cell of the month.
type CalendarDay struct {
	Date    string // yyyy-mm-dd
	Label   string // the full date, for screen readers and the month cell
	Short   string // day of the month
	InMonth bool
	Today   bool
	Chips   []CalendarChip
}

// CalendarHour is one row of the week grid: the chips of each day in that
// hour.
type CalendarHour struct {
	Hour  int
	Label string // 09:00
	Cells []CalendarDay
}

// CalendarChip is one publication on the grid.
type CalendarChip struct {
	PubRow
	Time      string // hh:mm in the calendar's zone
	Hour      int
	Label     string // the chip said whole, for screen readers
	StateName string
	HeldName  string // why it is held, if it is
	// WithdrawnText says when, by whom and why the statement was
	// withdrawn; "" while it is not.
	WithdrawnText string
}

func (h *Handlers) calendarGrid(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	loc := zone(r)
	code := h.kit.Lang(r).Code
	q := r.URL.Query()
	view := q.Get("view")
	if view != "month" {
		view = "week"
	}
	now := h.svc.Now().In(loc)
	start := now
	if v := q.Get("start"); v != "" {
		t, err := time.ParseInLocation("2006-01-02", v, loc)
		if err != nil {
			h.kit.Fail(w, r, &fault.Problem{Kind: fault.ErrInvalid, Key: "press_error_time", Field: "start"})
			return
		}
		start = t
	}
	var f CalendarFilter
	if v := q.Get("channel"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 0 {
			h.kit.Fail(w, r, &fault.Problem{Kind: fault.ErrInvalid, Key: "press_error_filter", Field: "channel"})
			return
		}
		f.Channel = id
	}
	if v := q.Get("lang"); v != "" {
		if _, ok := lang.Lookup(v); !ok {
			h.kit.Fail(w, r, &fault.Problem{Kind: fault.ErrInvalid, Key: "press_error_filter", Field: "lang"})
			return
		}
		f.Lang = v
	}
	states := calendarStates()
	if v := q.Get("state"); v != "" {
		if !slices.Contains(states, v) {
			h.kit.Fail(w, r, &fault.Problem{Kind: fault.ErrInvalid, Key: "press_error_filter", Field: "state"})
			return
		}
		f.State = v
	}
	start = time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, loc)
	var from, end, prev, next time.Time
	if view == "week" {
		from = start.AddDate(0, 0, -((int(start.Weekday()) + 6) % 7)) // Monday
		end, prev, next = from.AddDate(0, 0, 7), from.AddDate(0, 0, -7), from.AddDate(0, 0, 7)
	} else {
		first := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, loc)
		from = first.AddDate(0, 0, -((int(first.Weekday()) + 6) % 7))
		last := first.AddDate(0, 1, 0)
		end = last.AddDate(0, 0, (7-(int(last.Weekday())+6)%7)%7)
		prev, next, start = first.AddDate(0, -1, 0), first.AddDate(0, 1, 0), first
	}
	pubs, err := h.db.ListPublications(ctx, store.QueueFilter{From: from, To: end, Limit: 2000})
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	chs, err := h.db.ListChannels(ctx)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	byID := map[int64]store.Channel{}
	for _, c := range chs {
		byID[c.ID] = c
	}
	var kept []store.Publication
	for _, p := range pubs {
		if f.Channel != 0 && p.ChannelID != f.Channel {
			continue
		}
		if f.Lang != "" {
			if !slices.Contains(byID[p.ChannelID].Languages, f.Lang) {
				continue
			}
			st, err := h.db.GetStatement(ctx, p.StatementID)
			if err != nil {
				h.kit.Fail(w, r, err)
				return
			}
			if !slices.ContainsFunc(st.Variants, func(v store.Variant) bool { return v.Lang == f.Lang }) {
				continue
			}
		}
		kept = append(kept, p)
	}
	rows, err := h.rows(r, kept)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p := CalendarPage{View: view, Zone: loc.String(), Prev: prev.Format("2006-01-02"), Next: next.Format("2006-01-02"),
		Today: now.Format("2006-01-02"), Filter: f, Channels: chs, Langs: lang.All()}
	for _, s := range states {
		p.States = append(p.States, StateCount{State: s, Key: stateKey("press_state_", s)})
	}
	vals := url.Values{}
	if f.Channel != 0 {
		vals.Set("channel", strconv.FormatInt(f.Channel, 10))
	}
	if f.Lang != "" {
		vals.Set("lang", f.Lang)
	}
	if f.State != "" {
		vals.Set("state", f.State)
	}
	p.Query = vals.Encode()
	p.Return = fmt.Sprintf("/press/calendar?view=%s&start=%s", view, start.Format("2006-01-02"))
	if p.Query != "" {
		p.Return += "&" + p.Query
	}
	var chips []CalendarChip
	nets := map[string]bool{}
	for _, row := range rows {
		state := row.State
		if row.Withdrawn != nil && row.StateKey == stateKey("press_state_", stateWithdrawn) {
			state = stateWithdrawn
		}
		if f.State != "" && state != f.State {
			continue
		}
		t := row.DueAt.In(loc)
		c := CalendarChip{PubRow: row, Time: t.Format("15:04"), Hour: t.Hour(), StateName: h.t(r, row.StateKey, nil)}
		c.State = state
		if row.HeldKey != "" {
			c.HeldName = h.t(r, row.HeldKey, nil)
		}
		if wd := row.Withdrawn; wd != nil {
			c.WithdrawnText = h.t(r, "press_withdrawn", map[string]any{"When": wd.When, "Approver": wd.ApprovedBy, "Requester": wd.RequestedBy, "Reason": wd.Reason})
		}
		c.Label = h.t(r, "press_cal_chip", map[string]any{"Title": row.Title, "Channel": row.Channel, "When": lang.FormatDateTime(code, t, loc, lang.Full),
			"State": c.StateName})
		chips = append(chips, c)
		nets[row.Network] = true
	}
	p.Count = len(chips)
	for n := range nets {
		p.Networks = append(p.Networks, n)
	}
	slices.Sort(p.Networks)
	day := func(d time.Time) CalendarDay {
		cd := CalendarDay{Date: d.Format("2006-01-02"), Label: lang.FormatDate(code, d, loc, lang.Full), Short: strconv.Itoa(d.Day()),
			InMonth: view == "week" || d.Month() == start.Month(), Today: d.Format("2006-01-02") == p.Today}
		for _, c := range chips {
			if c.Day == cd.Date {
				cd.Chips = append(cd.Chips, c)
			}
		}
		return cd
	}
	for d := from; d.Before(end); d = d.AddDate(0, 0, 1) {
		p.Days = append(p.Days, day(d))
	}
	for i := range 7 {
		p.Weekdays = append(p.Weekdays, lang.WeekdayName(code, from.AddDate(0, 0, i).Weekday()))
	}
	if view == "week" {
		p.Title = h.t(r, "press_cal_week_of", map[string]any{"Date": lang.FormatDate(code, from, loc, lang.Long)})
		// Working hours always; earlier or later hours only when
		// something is due then.
		lo, hi := 7, 20
		for _, c := range chips {
			lo, hi = min(lo, c.Hour), max(hi, c.Hour)
		}
		for hr := lo; hr <= hi; hr++ {
			row := CalendarHour{Hour: hr, Label: fmt.Sprintf("%02d:00", hr)}
			for _, d := range p.Days {
				cell := CalendarDay{Date: d.Date, Label: d.Label, Today: d.Today}
				for _, c := range d.Chips {
					if c.Hour == hr {
						cell.Chips = append(cell.Chips, c)
					}
				}
				row.Cells = append(row.Cells, cell)
			}
			p.Hours = append(p.Hours, row)
		}
	} else {
		p.Title = lang.MonthYear(code, start, loc)
		for i := 0; i < len(p.Days); i += 7 {
			p.Weeks = append(p.Weeks, p.Days[i:min(i+7, len(p.Days))])
		}
	}
	if e := q.Get("error"); e != "" {
		p.Error = h.t(r, safeErrKey(e), nil)
	}
	if n := q.Get("notice"); n != "" {
		p.Notice = h.flash(r, n)
	}
	h.kit.Render(w, r, http.StatusOK, "press_calendar.html", httpx.Page{Title: h.t(r, "press_calendar_title", nil), Data: p})
}

// calendarStates are the states a chip may be in, in the order of a
// publication's life.
func calendarStates() []string {
	return []string{store.StateDraft, store.StateSubmitted, store.StateScheduled, store.StatePublishing, store.StatePublished,
		store.StateFailed, store.StateNeedsCheck, stateWithdrawn}
}

type rescheduleInput struct {
	DueAt time.Time `json:"due_at"`
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
