package delegations

import (
	"net/http"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
)

// RegisterPage is the data of the registration form.
type RegisterPage struct {
	Event      string
	Delegation string
	Categories []string
	Languages  []lang.Language
	Form       RegistrationInput
	Error      string
	Field      string
	Done       *store.Registration
	MaxPDF     string
	MaxPhoto   string
	// EditLink is the registrant's private link to correct the
	// registration, shown once it is received.
	EditLink string
}

// noReferrer keeps the link's token out of other sites' logs.
func noReferrer(w http.ResponseWriter) { w.Header().Set("Referrer-Policy", "no-referrer") }

func (h *Handlers) registerPage(w http.ResponseWriter, r *http.Request) {
	noReferrer(w)
	_, d, err := h.s.linkOf(r.Context(), store.LinkRegister, r.PathValue("token"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	code := h.kit.Lang(r).Code
	h.renderRegister(w, r, http.StatusOK, d, RegisterPage{Form: RegistrationInput{Lang: code, Category: "delegate"}})
}

func (h *Handlers) renderRegister(w http.ResponseWriter, r *http.Request, status int, d store.Delegation, p RegisterPage) {
	code := h.kit.Lang(r).Code
	ev := h.s.eventOr(r.Context(), d.EventID)
	p.Event, p.Delegation = ev.TitleIn(code), NameIn(d, code)
	p.Categories, p.Languages = Categories, languages()
	p.MaxPDF, p.MaxPhoto = "5 MiB", "2 MiB"
	title := h.kit.Cat.T(code, "delegations_register_title", map[string]any{"Event": p.Event})
	h.kit.Render(w, r, status, "delegations_register.html", httpx.Page{Title: title, Data: p})
}

// registerSubmit checks the link before it reads a byte of the body, then
// reads the form part by part within the files' limits; a refused form is
// shown again with its values and the error, nothing kept.
func (h *Handlers) registerSubmit(w http.ResponseWriter, r *http.Request) {
	noReferrer(w)
	_, d, err := h.s.linkOf(r.Context(), store.LinkRegister, r.PathValue("token"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, FormLimit)
	f, err := DecodeRegistrationForm(r.Header.Get("Content-Type"), r.Body)
	var reg store.Registration
	if err == nil {
		reg, err = h.s.Register(r.Context(), d.ID, f.Input, f.Credentials, f.Photo)
	}
	if he, ok := isUserError(err); ok {
		code := h.kit.Lang(r).Code
		h.renderRegister(w, r, httpx.Status(he), d, RegisterPage{Form: f.Input, Error: h.kit.Cat.T(code, he.Key, he.Data), Field: he.Field})
		return
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p := RegisterPage{Done: &reg}
	if tok := h.s.EditToken(reg.ID); tok != "" {
		p.EditLink = "/" + h.kit.Lang(r).Code + "/accreditation/mine/" + tok
	}
	h.renderRegister(w, r, http.StatusCreated, d, p)
}

// FocalPage is the data of the focal point's page.
type FocalPage struct {
	Event         string
	Delegation    string
	Token         string
	Registrations []RegistrationView
	Notice        string
	Error         string
	MailOff       bool
}

func (h *Handlers) focalPage(w http.ResponseWriter, r *http.Request) {
	noReferrer(w)
	_, d, err := h.s.linkOf(r.Context(), store.LinkFocal, r.PathValue("token"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.renderFocal(w, r, http.StatusOK, d, FocalPage{})
}

func (h *Handlers) renderFocal(w http.ResponseWriter, r *http.Request, status int, d store.Delegation, p FocalPage) {
	code := h.kit.Lang(r).Code
	regs, err := h.s.DB.ListRegistrations(r.Context(), store.RegistrationFilter{EventID: d.EventID, DelegationID: d.ID})
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	for _, reg := range regs {
		p.Registrations = append(p.Registrations, registrationView(reg))
	}
	ev := h.s.eventOr(r.Context(), d.EventID)
	p.Event, p.Delegation, p.Token, p.MailOff = ev.TitleIn(code), NameIn(d, code), r.PathValue("token"), !h.s.MailOn()
	title := h.kit.Cat.T(code, "delegations_focal_title", map[string]any{"Delegation": p.Delegation})
	h.kit.Render(w, r, status, "delegations_focal.html", httpx.Page{Title: title, Data: p})
}

// focalDecide is the focal point's approval or rejection of a member of
// their own delegation: a registration of another delegation is not
// found, whatever its ID.
func (h *Handlers) focalDecide(w http.ResponseWriter, r *http.Request) {
	noReferrer(w)
	_, d, err := h.s.linkOf(r.Context(), store.LinkFocal, r.PathValue("token"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	dec, ok := focalDecisions[r.PathValue("action")]
	id, idErr := pathID(r, "rid")
	if !ok || idErr != nil {
		h.kit.Fail(w, r, fault.ErrNotFound)
		return
	}
	if err := httpx.ParseForm(r); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	actor := Actor{Name: "focal-point:" + d.Name, Reason: r.PostFormValue("reason")}
	reg, err := h.s.decide(r.Context(), id, d.ID, d.EventID, dec, actor)
	code := h.kit.Lang(r).Code
	if he, ok := isUserError(err); ok {
		h.renderFocal(w, r, httpx.Status(he), d, FocalPage{Error: h.kit.Cat.T(code, he.Key, he.Data)})
		return
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	notice := h.kit.Cat.T(code, "delegations_notice_"+reg.State, map[string]any{"Name": reg.Name})
	h.renderFocal(w, r, http.StatusOK, d, FocalPage{Notice: notice})
}

func (h *Handlers) focalCredentials(w http.ResponseWriter, r *http.Request) {
	noReferrer(w)
	_, d, err := h.s.linkOf(r.Context(), store.LinkFocal, r.PathValue("token"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	id, err := pathID(r, "rid")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	reg, err := h.s.DB.GetRegistration(r.Context(), id)
	if err == nil && reg.DelegationID != d.ID {
		err = fault.ErrNotFound
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	data, ct, err := h.s.DB.RegistrationFile(r.Context(), id, "credentials")
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	fileResponse(w, id, "credentials", data, ct)
}
