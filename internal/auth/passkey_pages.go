package auth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
)

// maxCeremonyBody bounds the JSON a browser sends with a WebAuthn answer:
// attestations with certificate chains stay well under it.
const maxCeremonyBody = 64 << 10

// passkeyRoutes lists the routes of passkeys. The ceremonies speak JSON
// with web/static/passkey.js; removing one is a plain form.
func (h *Handlers) passkeyRoutes(mux *httpx.Router) {
	mux.Handle("POST /account/2fa/passkeys/begin", RequireFunc(h.kit, h.beginRegistration))
	mux.Handle("POST /account/2fa/passkeys/finish", RequireFunc(h.kit, h.finishRegistration))
	mux.Handle("POST /account/2fa/passkeys/remove", RequireFunc(h.kit, h.removePasskey))
	// Anonymous: the answer itself is the credential.
	mux.HandleFunc("POST /signin/passkey/begin", h.beginPasskeySignIn)
	mux.HandleFunc("POST /signin/passkey/finish", h.finishPasskeySignIn)
	// The pending sign-in's cookie is checked by the handlers.
	mux.HandleFunc("POST /signin/2fa/passkey/begin", h.beginPasskeySecondStep)
	mux.HandleFunc("POST /signin/2fa/passkey/finish", h.finishPasskeySecondStep)
}

// ceremonyStart is what a begin route answers: the handle to send back and
// the options for navigator.credentials.
type ceremonyStart struct {
	Handle  string `json:"handle"`
	Options any    `json:"options"`
}

// ceremonyAnswer is what the browser sends to a finish route.
type ceremonyAnswer struct {
	Handle     string          `json:"handle"`
	Name       string          `json:"name,omitempty"`
	Next       string          `json:"next,omitempty"`
	Credential json.RawMessage `json:"credential"`
}

// ceremonyDone tells the browser where to go.
type ceremonyDone struct {
	Redirect string `json:"redirect"`
}

// passkeyMessages maps the errors of passkeys to their messages and
// statuses.
var passkeyMessages = []struct {
	err  error
	kind error
	key  string
}{
	{ErrPasskeysOff, fault.ErrNotFound, "passkey_error_off"},
	{ErrChallengeExpired, fault.ErrInvalid, "passkey_error_expired"},
	{ErrPasskeyUnknown, fault.ErrUnauthorized, "passkey_error_unknown"},
	{ErrPasskeyCounter, fault.ErrUnauthorized, "passkey_error_counter"},
	{ErrPasskeyInvalid, fault.ErrUnauthorized, "passkey_error_invalid"},
	{ErrPasskeyExists, fault.ErrConflict, "passkey_error_exists"},
	{ErrPasskeyName, fault.ErrInvalid, "passkey_error_name"},
	{ErrPasskeyNotFound, fault.ErrNotFound, "passkey_error_not_found"},
	{ErrPendingExpired, fault.ErrUnauthorized, "twofa_error_expired"},
	{ErrDisabled, fault.ErrUnauthorized, "signin_error_credentials"},
}

// failCeremony answers a JSON ceremony request that went wrong, in the
// user's language.
func (h *Handlers) failCeremony(w http.ResponseWriter, r *http.Request, err error) {
	var te *ThrottledError
	if errors.As(err, &te) {
		secs := int(math.Ceil(te.RetryAfter.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		if secs < 60 {
			err = &fault.Problem{Kind: fault.ErrTooMany, Key: "signin_error_wait", Data: map[string]any{"Seconds": secs}}
		} else {
			err = &fault.Problem{Kind: fault.ErrTooMany, Key: "signin_error_throttled", Data: map[string]any{"Minutes": (secs + 59) / 60}}
		}
	}
	for _, m := range passkeyMessages {
		if errors.Is(err, m.err) {
			err = &fault.Problem{Kind: m.kind, Key: m.key}
			break
		}
	}
	// The ceremonies are fetched as JSON: the error is too.
	r.Header.Set("Accept", "application/json")
	h.kit.Fail(w, r, err)
}

// readAnswer parses the JSON answer of a ceremony.
func (h *Handlers) readAnswer(w http.ResponseWriter, r *http.Request) (ceremonyAnswer, bool) {
	var a ceremonyAnswer
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCeremonyBody))
	if err == nil {
		err = json.Unmarshal(b, &a)
	}
	if err != nil || len(a.Credential) == 0 {
		h.failCeremony(w, r, &fault.Problem{Kind: fault.ErrInvalid, Key: "passkey_error_invalid"})
		return a, false
	}
	return a, true
}

func (h *Handlers) beginRegistration(w http.ResponseWriter, r *http.Request) {
	handle, opts, err := h.svc.BeginPasskeyRegistration(r.Context(), httpx.ViewerFrom(r.Context()).User)
	if err != nil {
		h.failCeremony(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	h.kit.JSON(w, http.StatusOK, ceremonyStart{Handle: handle, Options: opts})
}

func (h *Handlers) finishRegistration(w http.ResponseWriter, r *http.Request) {
	a, ok := h.readAnswer(w, r)
	if !ok {
		return
	}
	if _, err := h.svc.FinishPasskeyRegistration(r.Context(), httpx.ViewerFrom(r.Context()).User, a.Handle, a.Name, a.Credential); err != nil {
		h.failCeremony(w, r, err)
		return
	}
	to := "/account/2fa?added=1"
	if next := httpx.SafeNext(a.Next); next != "/" {
		to += "&next=" + url.QueryEscape(next)
	}
	h.kit.JSON(w, http.StatusOK, ceremonyDone{Redirect: to})
}

func (h *Handlers) removePasskey(w http.ResponseWriter, r *http.Request) {
	if err := httpx.ParseForm(r); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p := SecondFactorPage{Next: httpx.SafeNext(r.PostFormValue("next"))}
	id, err := base64.RawURLEncoding.DecodeString(r.PostFormValue("id"))
	if err != nil || len(id) == 0 || len(id) > 1023 {
		err = ErrPasskeyNotFound // no passkey has such an ID
	} else {
		err = h.svc.RemovePasskey(r.Context(), httpx.ViewerFrom(r.Context()).User, id)
	}
	switch {
	case errors.Is(err, ErrPasskeyNotFound):
		p.Error = h.kit.Cat.T(h.kit.Lang(r).Code, "passkey_error_not_found", nil)
		h.renderSecondFactor(w, r, http.StatusNotFound, p)
	case err != nil:
		h.kit.Fail(w, r, err)
	default:
		p.PasskeyRemoved = true
		h.renderSecondFactor(w, r, http.StatusOK, p)
	}
}

func (h *Handlers) beginPasskeySignIn(w http.ResponseWriter, r *http.Request) {
	handle, opts, err := h.svc.BeginPasskeySignIn(r.Context())
	if err != nil {
		h.failCeremony(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	h.kit.JSON(w, http.StatusOK, ceremonyStart{Handle: handle, Options: opts})
}

func (h *Handlers) finishPasskeySignIn(w http.ResponseWriter, r *http.Request) {
	a, ok := h.readAnswer(w, r)
	if !ok {
		return
	}
	secret, u, err := h.svc.FinishPasskeySignIn(r.Context(), a.Handle, a.Credential, h.kit.ClientIP(r), r.UserAgent())
	if err != nil {
		h.failCeremony(w, r, err)
		return
	}
	http.SetCookie(w, h.svc.sessionCookie(h.kit, secret))
	h.kit.JSON(w, http.StatusOK, ceremonyDone{Redirect: h.afterSignIn(r, u.ID, httpx.SafeNext(a.Next))})
}

func (h *Handlers) pendingSecret(r *http.Request) string {
	if c, err := r.Cookie(PendingCookieName(h.kit.SecureCookies)); err == nil {
		return c.Value
	}
	return ""
}

func (h *Handlers) beginPasskeySecondStep(w http.ResponseWriter, r *http.Request) {
	handle, opts, err := h.svc.BeginPasskeySecondStep(r.Context(), h.pendingSecret(r))
	if err != nil {
		h.failCeremony(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	h.kit.JSON(w, http.StatusOK, ceremonyStart{Handle: handle, Options: opts})
}

func (h *Handlers) finishPasskeySecondStep(w http.ResponseWriter, r *http.Request) {
	a, ok := h.readAnswer(w, r)
	if !ok {
		return
	}
	secret, u, err := h.svc.CompletePasskeySignIn(r.Context(), h.pendingSecret(r), a.Handle, a.Credential, h.kit.ClientIP(r), r.UserAgent())
	if err != nil {
		if errors.Is(err, ErrPendingExpired) {
			http.SetCookie(w, h.pendingCookie("", -1))
		}
		h.failCeremony(w, r, err)
		return
	}
	http.SetCookie(w, h.pendingCookie("", -1))
	http.SetCookie(w, h.svc.sessionCookie(h.kit, secret))
	h.kit.JSON(w, http.StatusOK, ceremonyDone{Redirect: h.afterSignIn(r, u.ID, httpx.SafeNext(a.Next))})
}

// passkeyRows fills the passkeys part of the second-factor page.
func (h *Handlers) passkeyRows(r *http.Request, p *SecondFactorPage) error {
	v := httpx.ViewerFrom(r.Context())
	p.PasskeysOn = h.svc.PasskeysOn()
	p.PasskeyAdded = p.PasskeyAdded || r.URL.Query().Get("added") == "1"
	list, err := h.svc.Passkeys(r.Context(), v.User.ID)
	if err != nil {
		return err
	}
	code := h.kit.Lang(r).Code
	loc := time.UTC
	if v.User.TimeZone != "" {
		if z, err := time.LoadLocation(v.User.TimeZone); err == nil {
			loc = z
		}
	}
	for _, k := range list {
		row := PasskeyRow{ID: base64.RawURLEncoding.EncodeToString(k.ID), Name: k.Name,
			Created: lang.FormatDateTime(code, k.CreatedAt, loc, lang.Medium)}
		if !k.LastUsedAt.IsZero() {
			row.LastUsed = lang.FormatDateTime(code, k.LastUsedAt, loc, lang.Medium)
		}
		p.Passkeys = append(p.Passkeys, row)
	}
	return nil
}
