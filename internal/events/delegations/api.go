package delegations

import (
	"net/http"
	"strconv"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/store"
)

// DelegationJSON is a delegation as the API shows it, in precedence
// order.
type DelegationJSON struct {
	ID            int64             `json:"id"`
	Position      int               `json:"position"`
	Kind          string            `json:"kind"`
	Country       string            `json:"country,omitempty"`
	Name          string            `json:"name"`
	DisplayName   string            `json:"display_name"`
	Names         map[string]string `json:"names"`
	Quotas        map[string]int    `json:"quotas"`
	CredentialsAt *time.Time        `json:"credentials_at,omitempty"`
	ManualRank    int               `json:"manual_rank"`
}

// PrecedenceJSON is an event's precedence.
type PrecedenceJSON struct {
	Method          string     `json:"method"`
	Lang            string     `json:"lang"`
	StartDelegation int64      `json:"start_delegation,omitempty"`
	DrawnAt         *time.Time `json:"drawn_at,omitempty"`
}

// DelegationsJSON is the answer of GET …/delegations.
type DelegationsJSON struct {
	Precedence  PrecedenceJSON   `json:"precedence"`
	MailEnabled bool             `json:"mail_enabled"`
	Delegations []DelegationJSON `json:"delegations"`
}

func delegationJSON(d Delegation, pos int) DelegationJSON {
	out := DelegationJSON{ID: d.ID, Position: pos, Kind: d.Kind, Country: d.Country, Name: d.Name, DisplayName: d.Display,
		Names: d.Names, Quotas: d.Quotas, ManualRank: d.ManualRank}
	if !d.CredentialsAt.IsZero() {
		t := d.CredentialsAt
		out.CredentialsAt = &t
	}
	return out
}

func precedenceJSON(p store.Precedence) PrecedenceJSON {
	out := PrecedenceJSON{Method: p.Method, Lang: p.Lang, StartDelegation: p.StartDelegation}
	if !p.DrawnAt.IsZero() {
		t := p.DrawnAt
		out.DrawnAt = &t
	}
	return out
}

// apiEvent returns the {id} of a known event.
func (h *Handlers) apiEvent(r *http.Request) (int64, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, err
	}
	_, err = h.s.event(r.Context(), id)
	return id, err
}

func (h *Handlers) apiList(w http.ResponseWriter, r *http.Request) {
	eventID, err := h.apiEvent(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p, err := h.s.DB.GetPrecedence(r.Context(), eventID)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	order, err := h.s.Order(r.Context(), eventID)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	out := DelegationsJSON{Precedence: precedenceJSON(p), MailEnabled: h.s.MailOn(), Delegations: []DelegationJSON{}}
	for i, d := range order {
		out.Delegations = append(out.Delegations, delegationJSON(d, i+1))
	}
	h.kit.JSON(w, http.StatusOK, out)
}

// NewDelegation is the body of POST …/delegations.
type NewDelegation struct {
	Kind          string            `json:"kind"`
	Country       string            `json:"country"`
	Name          string            `json:"name"`
	Names         map[string]string `json:"names"`
	Quotas        map[string]int    `json:"quotas"`
	CredentialsAt *time.Time        `json:"credentials_at"`
}

func (h *Handlers) apiCreate(w http.ResponseWriter, r *http.Request) {
	eventID, err := h.apiEvent(r)
	var in NewDelegation
	if err == nil {
		err = httpx.DecodeJSON(r, &in)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	di := DelegationInput{Kind: in.Kind, Country: in.Country, Name: in.Name, Names: in.Names, Quotas: in.Quotas}
	if in.CredentialsAt != nil {
		di.CredentialsAt = in.CredentialsAt.UTC()
	}
	d, err := h.s.CreateDelegation(r.Context(), eventID, di, staffActor(r, ""))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p, err := h.s.DB.GetPrecedence(r.Context(), eventID)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.JSON(w, http.StatusCreated, delegationJSON(Delegation{Delegation: d, Display: NameIn(d, p.Lang)}, 0))
}

// NewLink is the body of POST …/links.
type NewLink struct {
	Kind string `json:"kind"` // register or focal
	Days int    `json:"days"`
	Lang string `json:"lang"` // the language the link opens in
}

// LinkJSON is a link just made; its URL holds the secret, shown once.
type LinkJSON struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (h *Handlers) apiLink(w http.ResponseWriter, r *http.Request) {
	d, err := h.delegationOfRequest(r)
	var in NewLink
	if err == nil {
		err = httpx.DecodeJSON(r, &in)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	code := in.Lang
	if code == "" {
		code = h.kit.Lang(r).Code
	}
	if _, ok := lookupLang(code); !ok {
		h.kit.Fail(w, r, fieldError("lang"))
		return
	}
	l, token, err := h.s.NewLink(r.Context(), d, in.Kind, time.Duration(in.Days)*24*time.Hour, staffActor(r, ""))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.JSON(w, http.StatusCreated, LinkJSON{ID: l.ID, Kind: l.Kind, URL: linkURL(h.base(r), code, l.Kind, token), ExpiresAt: l.ExpiresAt})
}

func (h *Handlers) apiRegistrations(w http.ResponseWriter, r *http.Request) {
	eventID, err := h.apiEvent(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	f := store.RegistrationFilter{EventID: eventID}
	if v := r.URL.Query().Get("delegation"); v != "" {
		if f.DelegationID, err = strconv.ParseInt(v, 10, 64); err != nil || f.DelegationID <= 0 {
			h.kit.Fail(w, r, fieldError("delegation"))
			return
		}
	}
	regs, err := h.s.DB.ListRegistrations(r.Context(), f)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	out := []RegistrationView{}
	for _, reg := range regs {
		out = append(out, registrationView(reg))
	}
	h.kit.JSON(w, http.StatusOK, out)
}

// RegistrationChangeJSON is the body of PATCH …/registrations/{rid}: the
// person's data, all of it.
type RegistrationChangeJSON struct {
	Name     string `json:"name"`
	Title    string `json:"title"`
	Category string `json:"category"`
	Email    string `json:"email"`
	Lang     string `json:"lang"`
}

func (h *Handlers) apiChange(w http.ResponseWriter, r *http.Request) {
	eventID, err := h.apiEvent(r)
	var id int64
	if err == nil {
		id, err = pathID(r, "rid")
	}
	var in RegistrationChangeJSON
	if err == nil {
		err = httpx.DecodeJSON(r, &in)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	reg, err := h.s.Change(r.Context(), eventID, id, 0, RegistrationInput(in), staffActor(r, ""))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.JSON(w, http.StatusOK, registrationView(reg))
}

// DecisionJSON is the body of POST …/registrations/{rid}/{action}.
type DecisionJSON struct {
	Reason string `json:"reason"`
}

func (h *Handlers) apiDecide(w http.ResponseWriter, r *http.Request) {
	eventID, err := h.apiEvent(r)
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
	var in DecisionJSON
	if err := httpx.DecodeJSON(r, &in); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	reg, err := h.s.decide(r.Context(), id, 0, eventID, dec, staffActor(r, in.Reason))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.JSON(w, http.StatusOK, registrationView(reg))
}

// PrecedenceChange is the body of PUT …/precedence; Order is the manual
// order, by delegation ID.
type PrecedenceChange struct {
	Method string  `json:"method"`
	Lang   string  `json:"lang"`
	Order  []int64 `json:"order"`
}

func (h *Handlers) apiPrecedence(w http.ResponseWriter, r *http.Request) {
	eventID, err := h.apiEvent(r)
	var in PrecedenceChange
	if err == nil {
		err = httpx.DecodeJSON(r, &in)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if len(in.Order) > 0 && in.Method != store.PrecedenceManual {
		h.kit.Fail(w, r, fieldError("order"))
		return
	}
	p, err := h.s.SetPrecedence(r.Context(), eventID, in.Method, in.Lang, staffActor(r, ""))
	if err == nil && len(in.Order) > 0 {
		err = h.s.SetManualOrder(r.Context(), eventID, in.Order, staffActor(r, ""))
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.JSON(w, http.StatusOK, precedenceJSON(p))
}

// DrawJSON is the outcome of a draw by lot.
type DrawJSON struct {
	Precedence PrecedenceJSON `json:"precedence"`
	Drawn      DelegationJSON `json:"drawn"`
}

func (h *Handlers) apiDraw(w http.ResponseWriter, r *http.Request) {
	eventID, err := h.apiEvent(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p, drawn, err := h.s.Draw(r.Context(), eventID, staffActor(r, ""))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.JSON(w, http.StatusOK, DrawJSON{Precedence: precedenceJSON(p), Drawn: delegationJSON(drawn, 1)})
}
