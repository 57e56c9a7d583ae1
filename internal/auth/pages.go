package auth

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
)

// PendingCookieName is the cookie of a pending sign-in, which waits for
// the second factor. With Secure cookies it carries the __Host- prefix.
func PendingCookieName(secure bool) string {
	if secure {
		return "__Host-chancery_signin"
	}
	return "chancery_signin"
}

func (h *Handlers) pendingCookie(secret string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: PendingCookieName(h.kit.SecureCookies), Value: secret, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: h.kit.SecureCookies, SameSite: http.SameSiteLaxMode,
	}
}

// SecondStepPage is the data of the second sign-in step's template.
type SecondStepPage struct {
	Next  string
	Error string
	// Passkey offers the user's passkeys beside the code.
	Passkey bool
	// Code asks for a code: the user has an authenticator app (and so
	// recovery codes). A user with passkeys alone is not asked.
	Code bool
}

func (h *Handlers) renderSecondStep(w http.ResponseWriter, r *http.Request, status int, p SecondStepPage) {
	l := h.kit.Lang(r)
	p.Passkey, p.Code = h.pendingFactors(r)
	w.Header().Set("Cache-Control", "no-store")
	h.kit.Render(w, r, status, "signin_2fa.html", httpx.Page{Title: h.kit.Cat.T(l.Code, "twofa_step_title", nil), Data: p})
}

// secondStepForm asks for the code of a pending sign-in; without one it
// sends the browser back to the password.
func (h *Handlers) secondStepForm(w http.ResponseWriter, r *http.Request) {
	next := httpx.SafeNext(r.URL.Query().Get("next"))
	c, err := r.Cookie(PendingCookieName(h.kit.SecureCookies))
	if err == nil {
		_, err = h.svc.PendingUser(r.Context(), c.Value)
	}
	switch {
	case errors.Is(err, http.ErrNoCookie), errors.Is(err, ErrPendingExpired):
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(next), http.StatusSeeOther)
	case err != nil:
		h.kit.Fail(w, r, err)
	default:
		h.renderSecondStep(w, r, http.StatusOK, SecondStepPage{Next: next})
	}
}

// pendingFactors reports which second factors the second step offers to
// the user of the pending sign-in in r: their passkeys (when passkeys are
// on), and a code (when they have an app, or when nothing else is known,
// so that the page never offers nothing).
func (h *Handlers) pendingFactors(r *http.Request) (passkey, code bool) {
	u, err := h.svc.PendingUser(r.Context(), h.pendingSecret(r))
	if err != nil {
		return false, true
	}
	if h.svc.PasskeysOn() {
		list, err := h.svc.Passkeys(r.Context(), u.ID)
		passkey = err == nil && len(list) > 0
	}
	totp, err := h.svc.TOTPEnrolled(r.Context(), u.ID)
	return passkey, totp || err != nil || !passkey
}

func (h *Handlers) secondStep(w http.ResponseWriter, r *http.Request) {
	if err := httpx.ParseForm(r); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	ctx := r.Context()
	code := h.kit.Lang(r).Code
	page := SecondStepPage{Next: httpx.SafeNext(r.PostFormValue("next"))}
	c, err := r.Cookie(PendingCookieName(h.kit.SecureCookies))
	if err != nil || c.Value == "" {
		h.renderSignIn(w, r, http.StatusUnauthorized, SignInPage{Next: page.Next, Error: h.kit.Cat.T(code, "twofa_error_expired", nil)})
		return
	}
	otp := r.PostFormValue("code")
	if otp == "" || len(otp) > 64 {
		page.Error = h.kit.Cat.T(code, "twofa_error_missing", nil)
		h.renderSecondStep(w, r, http.StatusBadRequest, page)
		return
	}
	secret, u, err := h.svc.CompleteSignIn(ctx, c.Value, otp, h.kit.ClientIP(r), r.UserAgent())
	var te *ThrottledError
	switch {
	case errors.As(err, &te):
		secs := int(math.Ceil(te.RetryAfter.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		if secs < 60 {
			page.Error = h.kit.Cat.T(code, "signin_error_wait", map[string]any{"Seconds": secs})
		} else {
			page.Error = h.kit.Cat.T(code, "signin_error_throttled", map[string]any{"Minutes": (secs + 59) / 60})
		}
		h.renderSecondStep(w, r, http.StatusTooManyRequests, page)
		return
	case errors.Is(err, ErrPendingExpired):
		http.SetCookie(w, h.pendingCookie("", -1))
		h.renderSignIn(w, r, http.StatusUnauthorized, SignInPage{Next: page.Next, Error: h.kit.Cat.T(code, "twofa_error_expired", nil)})
		return
	case errors.Is(err, ErrCodeReused):
		page.Error = h.kit.Cat.T(code, "twofa_error_reused", nil)
		h.renderSecondStep(w, r, http.StatusUnauthorized, page)
		return
	case errors.Is(err, ErrBadCode):
		page.Error = h.kit.Cat.T(code, "twofa_error_code", nil)
		h.renderSecondStep(w, r, http.StatusUnauthorized, page)
		return
	case err != nil:
		h.kit.Fail(w, r, err)
		return
	}
	http.SetCookie(w, h.pendingCookie("", -1))
	http.SetCookie(w, h.svc.sessionCookie(h.kit, secret))
	http.Redirect(w, r, h.afterSignIn(r, u.ID, page.Next), http.StatusSeeOther)
}

// afterSignIn is where a new session goes first: the change of a one-time
// password, then the notice of a reset second factor or the enrolment the
// user's roles require, then next. (The middleware enforces the password
// change and the enrolment on every request; this only saves a redirect.)
func (h *Handlers) afterSignIn(r *http.Request, userID int64, next string) string {
	if next == "/" {
		next = "/admin"
	}
	if _, err := h.svc.db.GetSetting(r.Context(), PasswordKey(userID)); err == nil {
		return "/account/password?next=" + url.QueryEscape(next)
	}
	if by, err := h.svc.ResetNotice(r.Context(), userID); err == nil && by != "" {
		return "/account/2fa?next=" + url.QueryEscape(next)
	}
	if u, err := h.svc.db.GetUser(r.Context(), userID); err == nil && h.svc.SecondFactorRequired(u) {
		if has, err := h.svc.HasSecondFactor(r.Context(), userID); err == nil && !has {
			return "/account/2fa?next=" + url.QueryEscape(next)
		}
	}
	return next
}

// SecondFactorPage is the data of the second-factor page.
type SecondFactorPage struct {
	Enrolled     bool // the viewer has a second factor, of any kind
	TOTPEnrolled bool // the viewer's authenticator app is set up
	Required     bool // the viewer's roles require a second factor
	Enrolment    *Enrolment
	CodesLeft    int
	// RecoveryCodes are shown once, right after the confirmation.
	RecoveryCodes []string
	ResetBy       string // the administrator who reset the second factor, told once
	Next          string
	Error         string
	// PasskeysOn is set when passkeys can be used (a public URL is known).
	PasskeysOn     bool
	Passkeys       []PasskeyRow
	PasskeyAdded   bool
	PasskeyRemoved bool
}

// PasskeyRow is a passkey with its times formatted for the page.
type PasskeyRow struct {
	ID       string // base64url, as the removal form sends it
	Name     string
	Created  string
	LastUsed string // "" when never used
}

func (h *Handlers) renderSecondFactor(w http.ResponseWriter, r *http.Request, status int, p SecondFactorPage) {
	ctx := r.Context()
	v := httpx.ViewerFrom(ctx)
	var err error
	p.Enrolled, err = h.svc.HasSecondFactor(ctx, v.User.ID)
	if err == nil {
		p.TOTPEnrolled, err = h.svc.TOTPEnrolled(ctx, v.User.ID)
	}
	if err == nil && p.TOTPEnrolled {
		p.CodesLeft, err = h.svc.RecoveryCodesLeft(ctx, v.User.ID)
	}
	if err == nil {
		err = h.passkeyRows(r, &p)
	}
	if err == nil && !p.TOTPEnrolled && p.Enrolment == nil {
		if e, perr := h.svc.PendingEnrolment(ctx, v.User); perr == nil {
			p.Enrolment = &e
		} else if !errors.Is(perr, ErrNotEnrolling) {
			err = perr
		}
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p.Required = h.svc.SecondFactorRequired(v.User)
	l := h.kit.Lang(r)
	w.Header().Set("Cache-Control", "no-store")
	h.kit.Render(w, r, status, "account_2fa.html", httpx.Page{Title: h.kit.Cat.T(l.Code, "twofa_title", nil), Data: p})
}

func (h *Handlers) secondFactorPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v := httpx.ViewerFrom(ctx)
	by, err := h.svc.ResetNotice(ctx, v.User.ID)
	if err == nil && by != "" {
		// Told once: the notice goes once it was shown.
		err = h.svc.DismissResetNotice(ctx, v.User.ID)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.renderSecondFactor(w, r, http.StatusOK, SecondFactorPage{ResetBy: by, Next: httpx.SafeNext(r.URL.Query().Get("next"))})
}

// startEnrolment makes a new secret and shows its QR code.
func (h *Handlers) startEnrolment(w http.ResponseWriter, r *http.Request) {
	if err := httpx.ParseForm(r); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v := httpx.ViewerFrom(r.Context())
	next := httpx.SafeNext(r.PostFormValue("next"))
	e, err := h.svc.StartEnrolment(r.Context(), v.User)
	switch {
	case errors.Is(err, ErrAlreadyEnrolled):
		h.renderSecondFactor(w, r, http.StatusConflict, SecondFactorPage{Next: next, Error: h.kit.Cat.T(h.kit.Lang(r).Code, "twofa_error_enrolled", nil)})
	case err != nil:
		h.kit.Fail(w, r, err)
	default:
		h.renderSecondFactor(w, r, http.StatusOK, SecondFactorPage{Enrolment: &e, Next: next})
	}
}

// qrImage is the QR code of the enrolment in progress, as a PNG: made here,
// so that the secret never leaves for a QR service.
func (h *Handlers) qrImage(w http.ResponseWriter, r *http.Request) {
	e, err := h.svc.PendingEnrolment(r.Context(), httpx.ViewerFrom(r.Context()).User)
	if errors.Is(err, ErrNotEnrolling) {
		h.kit.NotFound(w, r)
		return
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	png, err := qrcode.Encode(e.URI, qrcode.Medium, 256)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(png)
}

func (h *Handlers) confirmEnrolment(w http.ResponseWriter, r *http.Request) {
	if err := httpx.ParseForm(r); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v := httpx.ViewerFrom(r.Context())
	code := h.kit.Lang(r).Code
	p := SecondFactorPage{Next: httpx.SafeNext(r.PostFormValue("next"))}
	otp := r.PostFormValue("code")
	if otp == "" || len(otp) > 64 {
		p.Error = h.kit.Cat.T(code, "twofa_error_missing", nil)
		h.renderSecondFactor(w, r, http.StatusBadRequest, p)
		return
	}
	codes, err := h.svc.ConfirmEnrolment(r.Context(), v.User, otp)
	switch {
	case errors.Is(err, ErrBadCode):
		p.Error = h.kit.Cat.T(code, "twofa_error_confirm", nil)
		h.renderSecondFactor(w, r, http.StatusBadRequest, p)
	case errors.Is(err, ErrNotEnrolling):
		p.Error = h.kit.Cat.T(code, "twofa_error_not_enrolling", nil)
		h.renderSecondFactor(w, r, http.StatusConflict, p)
	case err != nil:
		h.kit.Fail(w, r, err)
	default:
		p.RecoveryCodes = codes
		h.renderSecondFactor(w, r, http.StatusOK, p)
	}
}

// SessionsPage is the data of the sessions page.
type SessionsPage struct {
	Sessions []SessionRow
	Ended    bool // a session was just ended
	Others   bool // every other session was just ended
}

// SessionRow is a session with its times formatted for the page.
type SessionRow struct {
	SessionInfo
	LastSeen string
	Created  string
}

func (h *Handlers) sessionsPage(w http.ResponseWriter, r *http.Request) {
	h.renderSessions(w, r, SessionsPage{})
}

func (h *Handlers) renderSessions(w http.ResponseWriter, r *http.Request, p SessionsPage) {
	v := httpx.ViewerFrom(r.Context())
	list, err := h.svc.Sessions(r.Context(), v.User.ID, h.currentSecret(r))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	l := h.kit.Lang(r)
	loc := time.UTC
	if v.User.TimeZone != "" {
		if z, err := time.LoadLocation(v.User.TimeZone); err == nil {
			loc = z
		}
	}
	for _, s := range list {
		p.Sessions = append(p.Sessions, SessionRow{SessionInfo: s,
			LastSeen: lang.FormatDateTime(l.Code, s.LastSeenAt, loc, lang.Medium),
			Created:  lang.FormatDateTime(l.Code, s.CreatedAt, loc, lang.Medium)})
	}
	h.kit.Render(w, r, http.StatusOK, "account_sessions.html", httpx.Page{Title: h.kit.Cat.T(l.Code, "sessions_title", nil), Data: p})
}

func (h *Handlers) currentSecret(r *http.Request) string {
	if c, err := r.Cookie(CookieName(h.kit.SecureCookies)); err == nil {
		return c.Value
	}
	return ""
}

func (h *Handlers) endSession(w http.ResponseWriter, r *http.Request) {
	if err := httpx.ParseForm(r); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v := httpx.ViewerFrom(r.Context())
	ok, err := h.svc.EndSession(r.Context(), v.User, v.User, r.PostFormValue("session"))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if !ok {
		h.kit.Fail(w, r, &fault.Problem{Kind: fault.ErrNotFound, Key: "sessions_error_gone"})
		return
	}
	if _, _, err := h.svc.db.GetSession(r.Context(), hashSecret(h.currentSecret(r))); errors.Is(err, store.ErrNotFound) {
		// The viewer ended the session they were using: signed out.
		http.SetCookie(w, h.svc.clearCookie(h.kit))
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	h.renderSessions(w, r, SessionsPage{Ended: true})
}

func (h *Handlers) endOtherSessions(w http.ResponseWriter, r *http.Request) {
	v := httpx.ViewerFrom(r.Context())
	if err := h.svc.EndOtherSessions(r.Context(), v.User, h.currentSecret(r)); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.renderSessions(w, r, SessionsPage{Others: true})
}
