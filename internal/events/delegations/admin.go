package delegations

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
)

// AdminPage is the data of the staff page of an event's delegations.
type AdminPage struct {
	EventID     int64
	Event       string
	MailOff     bool
	Precedence  store.Precedence
	Drawn       string // the name of the delegation drawn by lot
	Delegations []DelegationRow
	Categories  []string
	Kinds       []string
	Languages   []lang.Language
	Link        string // a link just made, shown once
	LinkKind    string
	LinkFor     string
	Notice      string
	Error       string
}

// DelegationRow is one delegation on the staff page, in precedence order.
type DelegationRow struct {
	Delegation
	Position      int
	Quotas        []QuotaRow
	Links         []store.DelegationLink
	Registrations []RegistrationView
}

// QuotaRow is a category's quota and the seats taken.
type QuotaRow struct {
	Category string
	Quota    string // empty: not limited
	Taken    int
}

func (h *Handlers) adminPage(w http.ResponseWriter, r *http.Request) {
	h.renderAdmin(w, r, http.StatusOK, AdminPage{})
}

func (h *Handlers) renderAdmin(w http.ResponseWriter, r *http.Request, status int, p AdminPage) {
	ctx := r.Context()
	eventID, err := pathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	ev, err := h.s.event(ctx, eventID)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	code := h.kit.Lang(r).Code
	p.EventID, p.Event, p.MailOff = eventID, ev.TitleIn(code), !h.s.MailOn()
	p.Categories, p.Kinds, p.Languages = Categories, Kinds, languages()
	if p.Precedence, err = h.s.DB.GetPrecedence(ctx, eventID); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	order, err := h.s.Order(ctx, eventID)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	regs, err := h.s.DB.ListRegistrations(ctx, store.RegistrationFilter{EventID: eventID})
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	for i, d := range order {
		row := DelegationRow{Delegation: d, Position: i + 1}
		if d.ID == p.Precedence.StartDelegation {
			p.Drawn = d.Display
		}
		taken := map[string]int{}
		for _, reg := range regs {
			if reg.DelegationID == d.ID {
				row.Registrations = append(row.Registrations, registrationView(reg))
				if reg.State != store.RegRejected && reg.State != store.RegWithdrawn {
					taken[reg.Category]++
				}
			}
		}
		for _, c := range Categories {
			q := ""
			if n, ok := d.Quotas[c]; ok {
				q = strconv.Itoa(n)
			}
			row.Quotas = append(row.Quotas, QuotaRow{Category: c, Quota: q, Taken: taken[c]})
		}
		if row.Links, err = h.s.DB.ListDelegationLinks(ctx, d.ID); err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		p.Delegations = append(p.Delegations, row)
	}
	title := h.kit.Cat.T(code, "delegations_admin_title", map[string]any{"Event": p.Event})
	h.kit.Render(w, r, status, "delegations_admin.html", httpx.Page{Title: title, Data: p})
}

// adminResult shows the page again after an action: its notice, or the
// user's error beside the forms; other errors are error pages.
func (h *Handlers) adminResult(w http.ResponseWriter, r *http.Request, err error, p AdminPage) {
	if he, ok := isUserError(err); ok {
		p.Error = h.kit.Cat.T(h.kit.Lang(r).Code, he.Key, he.Data)
		h.renderAdmin(w, r, httpx.Status(he), p)
		return
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.renderAdmin(w, r, http.StatusOK, p)
}

func (h *Handlers) adminCreate(w http.ResponseWriter, r *http.Request) {
	eventID, err := pathID(r, "id")
	if err == nil {
		err = httpx.ParseForm(r)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	in := DelegationInput{Kind: r.PostFormValue("kind"), Country: r.PostFormValue("country"), Name: r.PostFormValue("name")}
	d, err := h.s.CreateDelegation(r.Context(), eventID, in, staffActor(r, ""))
	code := h.kit.Lang(r).Code
	h.adminResult(w, r, err, AdminPage{Notice: h.kit.Cat.T(code, "delegations_notice_created", map[string]any{"Name": NameIn(d, code)})})
}

// delegationOfRequest returns the delegation {did} of the event {id}.
func (h *Handlers) delegationOfRequest(r *http.Request) (store.Delegation, error) {
	eventID, err := pathID(r, "id")
	if err != nil {
		return store.Delegation{}, err
	}
	id, err := pathID(r, "did")
	if err != nil {
		return store.Delegation{}, err
	}
	return h.s.delegationOf(r.Context(), eventID, id)
}

func (h *Handlers) adminQuotas(w http.ResponseWriter, r *http.Request) {
	d, err := h.delegationOfRequest(r)
	if err == nil {
		err = httpx.ParseForm(r)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	d.Quotas = map[string]int{}
	for _, c := range Categories {
		v := strings.TrimSpace(r.PostFormValue("quota_" + c))
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			h.adminResult(w, r, fieldError("quotas"), AdminPage{})
			return
		}
		d.Quotas[c] = n
	}
	if v := strings.TrimSpace(r.PostFormValue("credentials_at")); v != "" {
		t, err := time.Parse("2006-01-02T15:04", v)
		if err != nil {
			h.adminResult(w, r, fieldError("credentials_at"), AdminPage{})
			return
		}
		d.CredentialsAt = t.UTC()
	} else {
		d.CredentialsAt = time.Time{}
	}
	_, err = h.s.UpdateDelegation(r.Context(), d, staffActor(r, ""))
	code := h.kit.Lang(r).Code
	h.adminResult(w, r, err, AdminPage{Notice: h.kit.Cat.T(code, "delegations_notice_saved", map[string]any{"Name": NameIn(d, code)})})
}

func (h *Handlers) adminLink(w http.ResponseWriter, r *http.Request) {
	d, err := h.delegationOfRequest(r)
	if err == nil {
		err = httpx.ParseForm(r)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	days, err := strconv.Atoi(r.PostFormValue("days"))
	if err != nil {
		days = -1
	}
	kind := r.PostFormValue("kind")
	_, token, err := h.s.NewLink(r.Context(), d, kind, time.Duration(days)*24*time.Hour, staffActor(r, ""))
	code := h.kit.Lang(r).Code
	h.adminResult(w, r, err, AdminPage{Link: linkURL(h.base(r), code, kind, token), LinkKind: kind, LinkFor: NameIn(d, code)})
}

// base is the public origin links are made with.
func (h *Handlers) base(r *http.Request) string {
	if h.s.PublicURL != "" {
		return h.s.PublicURL
	}
	return httpx.Origin(r)
}

// linkURL is the address a link's token opens, in the language code.
func linkURL(base, code, kind, token string) string {
	if kind == store.LinkFocal {
		return strings.TrimRight(base, "/") + "/" + code + "/" + registerSeg + "/" + focalSeg + "/" + token
	}
	return strings.TrimRight(base, "/") + "/" + code + "/" + registerSeg + "/" + token
}

func (h *Handlers) adminRevokeLink(w http.ResponseWriter, r *http.Request) {
	d, err := h.delegationOfRequest(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	lid, err := pathID(r, "lid")
	if err == nil {
		err = h.s.DB.RevokeDelegationLink(r.Context(), d.ID, lid, staffActor(r, "").audit("delegation.link_revoke", nil))
	}
	code := h.kit.Lang(r).Code
	h.adminResult(w, r, err, AdminPage{Notice: h.kit.Cat.T(code, "delegations_notice_link_revoked", map[string]any{"Name": NameIn(d, code)})})
}

func (h *Handlers) adminDecide(w http.ResponseWriter, r *http.Request) {
	eventID, err := pathID(r, "id")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	id, err := pathID(r, "rid")
	dec, ok := staffDecisions[r.PathValue("action")]
	if err != nil || !ok {
		h.kit.Fail(w, r, fault.ErrNotFound)
		return
	}
	if err := httpx.ParseForm(r); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	reg, err := h.s.decide(r.Context(), id, 0, eventID, dec, staffActor(r, r.PostFormValue("reason")))
	code := h.kit.Lang(r).Code
	h.adminResult(w, r, err, AdminPage{Notice: h.kit.Cat.T(code, "delegations_notice_"+reg.State, map[string]any{"Name": reg.Name})})
}

func (h *Handlers) adminPrecedence(w http.ResponseWriter, r *http.Request) {
	eventID, err := pathID(r, "id")
	if err == nil {
		err = httpx.ParseForm(r)
	}
	if err == nil {
		_, err = h.s.event(r.Context(), eventID)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	_, err = h.s.SetPrecedence(r.Context(), eventID, r.PostFormValue("method"), r.PostFormValue("lang"), staffActor(r, ""))
	if err == nil && r.PostFormValue("method") == store.PrecedenceManual {
		// rank_<id> fields: the positions typed beside the delegations.
		type ranked struct{ id, rank int64 }
		var rs []ranked
		for k, vs := range r.PostForm {
			idText, ok := strings.CutPrefix(k, "rank_")
			v := strings.TrimSpace(vs[0])
			if !ok || v == "" {
				continue
			}
			id, ierr := strconv.ParseInt(idText, 10, 64)
			rank, rerr := strconv.ParseInt(v, 10, 64)
			if ierr != nil || rerr != nil || rank <= 0 {
				err = fieldError("order")
				break
			}
			rs = append(rs, ranked{id, rank})
		}
		slices.SortFunc(rs, func(a, b ranked) int { return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.id, b.id)) })
		ids := make([]int64, len(rs))
		for i, x := range rs {
			ids[i] = x.id
		}
		if err == nil && len(ids) > 0 {
			err = h.s.SetManualOrder(r.Context(), eventID, ids, staffActor(r, ""))
		}
	}
	h.adminResult(w, r, err, AdminPage{Notice: h.kit.Cat.T(h.kit.Lang(r).Code, "delegations_notice_precedence", nil)})
}

func (h *Handlers) adminDraw(w http.ResponseWriter, r *http.Request) {
	eventID, err := pathID(r, "id")
	if err == nil {
		_, err = h.s.event(r.Context(), eventID)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	_, drawn, err := h.s.Draw(r.Context(), eventID, staffActor(r, ""))
	h.adminResult(w, r, err, AdminPage{Notice: h.kit.Cat.T(h.kit.Lang(r).Code, "delegations_notice_drawn", map[string]any{"Name": drawn.Display})})
}
