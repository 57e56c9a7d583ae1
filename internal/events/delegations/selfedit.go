package delegations

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/store"
)

// errEditLink is a self-edit link that is not genuine, or of a
// registration that no longer exists.
var errEditLink = errCalendar

// EditToken returns the private token with which the person of a
// registration corrects it (/{lang}/accreditation/mine/{token}): its ID
// and a MAC of it under the calendar key, for another purpose than the
// calendar's; empty without invitations (no key).
func (s *Service) EditToken(regID int64) string {
	if s.Invites == nil {
		return ""
	}
	id := strconv.FormatInt(regID, 10)
	return id + "-" + s.editMAC(id)
}

func (s *Service) editMAC(id string) string {
	m := hmac.New(sha256.New, s.Invites.CalendarKey)
	m.Write([]byte("chancery registration self-edit " + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:24])
}

// registrationOfEdit returns the registration of a genuine edit token.
func (s *Service) registrationOfEdit(ctx context.Context, token string) (store.Registration, error) {
	if s.Invites == nil || len(token) > 80 {
		return store.Registration{}, errEditLink
	}
	id, mac, ok := strings.Cut(token, "-")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || n <= 0 || strconv.FormatInt(n, 10) != id || !hmac.Equal([]byte(mac), []byte(s.editMAC(id))) {
		return store.Registration{}, errEditLink
	}
	r, err := s.DB.GetRegistration(ctx, n)
	if isNotFound(err) {
		return store.Registration{}, errEditLink
	}
	return r, err
}

// SelfChange is a registrant's correction of their own registration: as a
// staff change, it returns an approved or accredited person to pending
// (their join links revoked), audited with the registrant as actor; the
// registrant is told, as for a new registration, and it is back on the
// focal point's page to approve. The same data again changes nothing. A
// rejected or withdrawn registration cannot be corrected (errState).
func (s *Service) SelfChange(ctx context.Context, r store.Registration, in RegistrationInput) (store.Registration, bool, error) {
	if err := in.clean(); err != nil {
		return store.Registration{}, false, err
	}
	if r.State == store.RegRejected || r.State == store.RegWithdrawn {
		return store.Registration{}, false, errState
	}
	if in.Name == r.Name && in.Title == r.Title && in.Category == r.Category && in.Email == r.Email && in.Lang == r.Lang {
		return r, false, nil
	}
	got, err := s.Change(ctx, 0, r.ID, r.DelegationID, in, Actor{Name: "registrant:" + r.Email, Reason: "self-edit"})
	if err != nil {
		return store.Registration{}, false, err
	}
	d, err := s.DB.GetDelegation(ctx, got.DelegationID)
	if err != nil {
		s.Log.ErrorContext(ctx, "delegations: self-edit mail", "registration", r.ID, "err", err)
		return got, true, nil
	}
	mails := s.mailTo(ctx, got, d, s.eventOr(ctx, d.EventID), "received")
	if err := s.DB.EnqueueMail(ctx, mails...); err != nil {
		s.Log.ErrorContext(ctx, "delegations: self-edit mail", "registration", r.ID, "err", err)
	}
	s.queued(mails)
	return got, true, nil
}

// MinePage is the data of a registrant's own page.
type MinePage struct {
	RegisterPage
	State string
	Saved bool // the corrections were saved
	Same  bool // nothing to save
}

func (h *Handlers) minePage(w http.ResponseWriter, r *http.Request) {
	noReferrer(w)
	reg, err := h.s.registrationOfEdit(r.Context(), r.PathValue("token"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.renderMine(w, r, http.StatusOK, reg, MinePage{RegisterPage: RegisterPage{Form: inputOf(reg)}})
}

func inputOf(r store.Registration) RegistrationInput {
	return RegistrationInput{Name: r.Name, Title: r.Title, Category: r.Category, Email: r.Email, Lang: r.Lang}
}

func (h *Handlers) renderMine(w http.ResponseWriter, r *http.Request, status int, reg store.Registration, p MinePage) {
	code := h.kit.Lang(r).Code
	d, err := h.s.DB.GetDelegation(r.Context(), reg.DelegationID)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	ev := h.s.eventOr(r.Context(), d.EventID)
	p.Event, p.Delegation, p.State = ev.TitleIn(code), NameIn(d, code), reg.State
	p.Categories, p.Languages = Categories, languages()
	title := h.kit.Cat.T(code, "delegations_mine_heading", nil)
	h.kit.Render(w, r, status, "delegations_mine.html", httpx.Page{Title: title, Data: p})
}

func (h *Handlers) mineSubmit(w http.ResponseWriter, r *http.Request) {
	noReferrer(w)
	reg, err := h.s.registrationOfEdit(r.Context(), r.PathValue("token"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if err := httpx.ParseForm(r); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	in := RegistrationInput{Name: r.PostFormValue("name"), Title: r.PostFormValue("title"), Category: r.PostFormValue("category"),
		Email: r.PostFormValue("email"), Lang: r.PostFormValue("lang")}
	got, changed, err := h.s.SelfChange(r.Context(), reg, in)
	if he, ok := isUserError(err); ok {
		code := h.kit.Lang(r).Code
		h.renderMine(w, r, httpx.Status(he), reg, MinePage{RegisterPage: RegisterPage{Form: in, Error: h.kit.Cat.T(code, he.Key, he.Data), Field: he.Field}})
		return
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.renderMine(w, r, http.StatusOK, got, MinePage{RegisterPage: RegisterPage{Form: inputOf(got)}, Saved: changed, Same: !changed})
}
