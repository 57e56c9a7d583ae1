package auth

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/store"
)

// Handlers serve the sign-in, sign-out and password pages.
type Handlers struct {
	svc *Service
	kit *httpx.Kit
	// SSOName, when set, offers single sign-on on the sign-in page under
	// that provider's name (internal/sso serves the flow).
	SSOName string
}

// NewHandlers returns the sign-in pages of svc.
func NewHandlers(svc *Service, kit *httpx.Kit) *Handlers { return &Handlers{svc: svc, kit: kit} }

// Routes lists every route of signing in.
func (h *Handlers) Routes(mux *httpx.Router) {
	mux.HandleFunc("GET /signin", h.signInForm)
	mux.HandleFunc("POST /signin", h.signIn)
	mux.HandleFunc("GET /signout", h.signOutForm)
	mux.HandleFunc("POST /signout", h.signOut)
	mux.Handle("GET /account/password", RequireFunc(h.kit, h.passwordForm))
	mux.Handle("POST /account/password", RequireFunc(h.kit, h.changePassword))
	// The second step of a sign-in: the pending sign-in's cookie is
	// checked by the handler, as the password is by POST /signin.
	mux.HandleFunc("GET /signin/2fa", h.secondStepForm)
	mux.HandleFunc("POST /signin/2fa", h.secondStep)
	mux.Handle("GET /account/2fa", RequireFunc(h.kit, h.secondFactorPage))
	mux.Handle("POST /account/2fa", RequireFunc(h.kit, h.startEnrolment))
	mux.Handle("GET /account/2fa/qr.png", RequireFunc(h.kit, h.qrImage))
	mux.Handle("POST /account/2fa/confirm", RequireFunc(h.kit, h.confirmEnrolment))
	mux.Handle("GET /account/sessions", RequireFunc(h.kit, h.sessionsPage))
	mux.Handle("POST /account/sessions/end", RequireFunc(h.kit, h.endSession))
	mux.Handle("POST /account/sessions/end-others", RequireFunc(h.kit, h.endOtherSessions))
	h.passkeyRoutes(mux)
}

// SignInPage is the data of the sign-in template.
type SignInPage struct {
	Username string
	Next     string
	Error    string
	// Passkey offers signing in with a passkey alone.
	Passkey bool
	// SSOName names the identity provider of the single sign-on button;
	// empty hides it.
	SSOName string
}

// PasswordKey marks a user who must choose a new password at next sign-in
// (the first administrator, or after a reset by an administrator).
func PasswordKey(userID int64) string {
	return "password_change_required:" + strconv.FormatInt(userID, 10)
}

func (h *Handlers) signInForm(w http.ResponseWriter, r *http.Request) {
	h.renderSignIn(w, r, http.StatusOK, SignInPage{Next: httpx.SafeNext(r.URL.Query().Get("next"))})
}

func (h *Handlers) renderSignIn(w http.ResponseWriter, r *http.Request, status int, p SignInPage) {
	l := h.kit.Lang(r)
	p.Passkey = h.svc.PasskeysOn()
	p.SSOName = h.SSOName
	h.kit.Render(w, r, status, "signin.html", httpx.Page{Title: h.kit.Cat.T(l.Code, "signin_title", nil), Data: p})
}

func (h *Handlers) signIn(w http.ResponseWriter, r *http.Request) {
	if err := httpx.ParseForm(r); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	username := strings.TrimSpace(r.PostFormValue("username"))
	password := r.PostFormValue("password")
	next := httpx.SafeNext(r.PostFormValue("next"))
	if next == "/" {
		next = "/admin"
	}
	code := h.kit.Lang(r).Code
	page := SignInPage{Username: username, Next: next}
	if username == "" || password == "" || len(username) > 200 || len(password) > 1024 || !utf8.ValidString(username) {
		page.Error = h.kit.Cat.T(code, "signin_error_missing", nil)
		h.renderSignIn(w, r, http.StatusBadRequest, page)
		return
	}
	res, err := h.svc.Begin(r.Context(), username, password, h.kit.ClientIP(r), r.UserAgent())
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
		h.renderSignIn(w, r, http.StatusTooManyRequests, page)
		return
	case errors.Is(err, ErrLocalPasswordOff):
		page.Error = h.kit.Cat.T(code, "sso_error_password_off", nil)
		h.renderSignIn(w, r, http.StatusForbidden, page)
		return
	case errors.Is(err, ErrBadCredentials), errors.Is(err, ErrDisabled):
		// One message for both, so the page does not reveal which accounts exist.
		page.Error = h.kit.Cat.T(code, "signin_error_credentials", nil)
		h.renderSignIn(w, r, http.StatusUnauthorized, page)
		return
	case err != nil:
		h.kit.Fail(w, r, err)
		return
	}
	if res.SecondStep {
		http.SetCookie(w, h.pendingCookie(res.Secret, int(PendingTTL.Seconds())))
		http.Redirect(w, r, "/signin/2fa?next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	http.SetCookie(w, h.svc.sessionCookie(h.kit, res.Secret))
	http.Redirect(w, r, h.afterSignIn(r, res.User.ID, next), http.StatusSeeOther)
}

// signOutForm asks to confirm: signing out changes state, so it is a POST,
// and a GET (a typed URL, a bookmark) only offers the button.
func (h *Handlers) signOutForm(w http.ResponseWriter, r *http.Request) {
	l := h.kit.Lang(r)
	h.kit.Render(w, r, http.StatusOK, "signout.html", httpx.Page{Title: h.kit.Cat.T(l.Code, "signout_title", nil)})
}

func (h *Handlers) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(CookieName(h.kit.SecureCookies)); err == nil {
		if err := h.svc.SignOutAudited(r.Context(), c.Value); err != nil && !errors.Is(err, store.ErrNotFound) {
			h.kit.Fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, h.svc.clearCookie(h.kit))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// PasswordPage is the data of the change-password template.
type PasswordPage struct {
	Required bool
	Next     string
	Error    string
	Done     bool
}

// MinPasswordLen follows NIST SP 800-63B for passwords chosen by people.
const MinPasswordLen = 12

func (h *Handlers) passwordForm(w http.ResponseWriter, r *http.Request) {
	v := httpx.ViewerFrom(r.Context())
	_, err := h.svc.db.GetSetting(r.Context(), PasswordKey(v.User.ID))
	h.renderPassword(w, r, http.StatusOK, PasswordPage{Required: err == nil, Next: httpx.SafeNext(r.URL.Query().Get("next"))})
}

func (h *Handlers) renderPassword(w http.ResponseWriter, r *http.Request, status int, p PasswordPage) {
	l := h.kit.Lang(r)
	h.kit.Render(w, r, status, "password.html", httpx.Page{Title: h.kit.Cat.T(l.Code, "password_title", nil), Data: p})
}

func (h *Handlers) changePassword(w http.ResponseWriter, r *http.Request) {
	if err := httpx.ParseForm(r); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	ctx := r.Context()
	v := httpx.ViewerFrom(ctx)
	code := h.kit.Lang(r).Code
	page := PasswordPage{Next: httpx.SafeNext(r.PostFormValue("next"))}
	current, pw, again := r.PostFormValue("current"), r.PostFormValue("new"), r.PostFormValue("confirm")
	ok, _ := h.svc.verifyPassword(current, v.User.PasswordHash)
	switch {
	case !ok:
		page.Error = h.kit.Cat.T(code, "password_error_current", nil)
	case utf8.RuneCountInString(pw) < MinPasswordLen || len(pw) > 1024:
		page.Error = h.kit.Cat.T(code, "password_error_length", map[string]any{"Min": MinPasswordLen})
	case pw != again:
		page.Error = h.kit.Cat.T(code, "password_error_mismatch", nil)
	case pw == current:
		page.Error = h.kit.Cat.T(code, "password_error_same", nil)
	}
	if page.Error != "" {
		h.renderPassword(w, r, http.StatusBadRequest, page)
		return
	}
	hash, err := h.svc.HashPassword(pw)
	if err == nil {
		err = h.svc.db.SetPassword(ctx, v.User.ID, hash)
	}
	if err == nil {
		err = h.svc.db.DeleteSetting(ctx, PasswordKey(v.User.ID))
	}
	if c, cerr := r.Cookie(CookieName(h.kit.SecureCookies)); err == nil && cerr == nil {
		// Whoever else knew the old password is signed out everywhere.
		err = h.svc.EndOtherSessions(ctx, v.User, c.Value)
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		h.kit.Fail(w, r, err)
		return
	}
	page.Done = true
	h.renderPassword(w, r, http.StatusOK, page)
}
