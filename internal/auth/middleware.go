package auth

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/store"
)

// CookieName is the session cookie. With Secure cookies it carries the
// __Host- prefix, which binds it to this host, path / and HTTPS.
func CookieName(secure bool) string {
	if secure {
		return "__Host-chancery_session"
	}
	return "chancery_session"
}

// Middleware identifies the viewer of every request: by API token in an
// Authorization: Bearer header, or by session cookie. A bad token is
// refused at once; a stale cookie is dropped and the request goes on
// anonymously.
func (s *Service) Middleware(kit *httpx.Kit) func(http.Handler) http.Handler {
	cookie := CookieName(kit.SecureCookies)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			if authz := r.Header.Get("Authorization"); authz != "" {
				scheme, secret, _ := strings.Cut(authz, " ")
				if !strings.EqualFold(scheme, "Bearer") {
					w.Header().Set("WWW-Authenticate", `Bearer realm="chancery"`)
					kit.Fail(w, r, fault.ErrUnauthorized)
					return
				}
				t, u, err := s.Token(ctx, strings.TrimSpace(secret))
				if err != nil {
					if !errors.Is(err, store.ErrNotFound) {
						kit.Fail(w, r, err)
						return
					}
					w.Header().Set("WWW-Authenticate", `Bearer realm="chancery", error="invalid_token"`)
					kit.Fail(w, r, &fault.Problem{Kind: fault.ErrUnauthorized, Key: "error_token_invalid"})
					return
				}
				v := &httpx.Viewer{User: u, Roles: t.EffectiveRoles(u), Token: true}
				if s.refuseUntilPasswordChanged(w, r, kit, u.ID) || s.refuseUntilEnrolled(w, r, kit, u) {
					return
				}
				next.ServeHTTP(w, r.WithContext(httpx.WithViewer(ctx, v)))
				return
			}
			if c, err := r.Cookie(cookie); err == nil && c.Value != "" {
				sess, u, err := s.session(ctx, c.Value)
				switch {
				case err == nil:
					// A session whose second factor the identity provider
					// checked is not sent to enrol Chancery's own.
					if s.refuseUntilPasswordChanged(w, r, kit, u.ID) || (!sess.IdPSecondFactor && s.refuseUntilEnrolled(w, r, kit, u)) {
						return
					}
					v := &httpx.Viewer{User: u, Roles: u.Roles}
					r = r.WithContext(httpx.WithViewer(ctx, v))
				case errors.Is(err, store.ErrNotFound):
					http.SetCookie(w, s.clearCookie(kit))
				default:
					kit.Fail(w, r, err)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// refuseUntilPasswordChanged answers the request itself, and reports true,
// when the user must still replace a one-time password (the first
// administrator's, or one an administrator reset) and the request is for
// anything but changing it or signing out: until the password is changed,
// whoever holds the one-time password can do nothing else with it, through
// the pages or the API. Browsers asking for a page are sent to the form;
// everything else is refused with 403.
func (s *Service) refuseUntilPasswordChanged(w http.ResponseWriter, r *http.Request, kit *httpx.Kit, userID int64) bool {
	if passwordChangeAllowed(r) {
		return false
	}
	if _, err := s.db.GetSetting(r.Context(), PasswordKey(userID)); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return false
		}
		kit.Fail(w, r, err)
		return true
	}
	if !httpx.WantsJSON(r) && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		http.Redirect(w, r, "/account/password?next="+url.QueryEscape(httpx.SafeNext(r.URL.RequestURI())), http.StatusSeeOther)
		return true
	}
	kit.Fail(w, r, ErrPasswordChangeRequired)
	return true
}

// ErrPasswordChangeRequired refuses every request of a user who must first
// replace a one-time password.
var ErrPasswordChangeRequired = &fault.Problem{Kind: fault.ErrForbidden, Key: "error_password_change_required"}

// passwordChangeAllowed lists what a user who must change their password may
// still request: the change itself, signing out, and the assets those pages
// load.
func passwordChangeAllowed(r *http.Request) bool {
	switch r.URL.Path {
	case "/account/password", "/signout":
		return true
	}
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) && strings.HasPrefix(r.URL.Path, "/static/")
}

// refuseUntilEnrolled answers the request itself, and reports true, when
// u holds a role that must sign in with a second factor, has none yet, and
// the request is for anything but enrolling one or signing out: such a user
// can do nothing else, through the pages or the API (tokens included),
// until the second factor is set up. Browsers asking for a page are sent to
// the enrolment page; everything else is refused with 403.
func (s *Service) refuseUntilEnrolled(w http.ResponseWriter, r *http.Request, kit *httpx.Kit, u account.User) bool {
	if !s.SecondFactorRequired(u) || enrolmentAllowed(r) {
		return false
	}
	has, err := s.db.HasSecondFactor(r.Context(), u.ID)
	if err != nil {
		kit.Fail(w, r, err)
		return true
	}
	if has {
		return false
	}
	if !httpx.WantsJSON(r) && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		http.Redirect(w, r, "/account/2fa?next="+url.QueryEscape(httpx.SafeNext(r.URL.RequestURI())), http.StatusSeeOther)
		return true
	}
	kit.Fail(w, r, ErrEnrolmentRequired)
	return true
}

// ErrEnrolmentRequired refuses every request of a user who must first set
// up a second factor.
var ErrEnrolmentRequired = &fault.Problem{Kind: fault.ErrForbidden, Key: "error_2fa_enrolment_required"}

// enrolmentAllowed lists what a user who must enrol a second factor may
// still request: the enrolment pages (a TOTP or a passkey), signing out, the assets those pages
// load, and the language switcher, so that the enrolment can be read in
// another language.
func enrolmentAllowed(r *http.Request) bool {
	switch r.URL.Path {
	case "/account/2fa", "/account/2fa/qr.png", "/account/2fa/confirm", "/signout",
		"/account/2fa/passkeys/begin", "/account/2fa/passkeys/finish", "/account/2fa/passkeys/remove":
		return true
	}
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		(strings.HasPrefix(r.URL.Path, "/static/") || strings.HasPrefix(r.URL.Path, "/lang/"))
}

// Require lets a request through only for a signed-in viewer holding one of
// the roles (any signed-in viewer when no role is given). Anonymous browser
// requests are sent to sign in; API calls get 401; a missing role is 403.
func Require(kit *httpx.Kit, roles ...account.Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			v := httpx.ViewerFrom(r.Context())
			if v == nil {
				if !httpx.WantsJSON(r) && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
					http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
					return
				}
				w.Header().Set("WWW-Authenticate", `Bearer realm="chancery"`)
				kit.Fail(w, r, fault.ErrUnauthorized)
				return
			}
			if len(roles) > 0 && !v.Can(roles...) {
				kit.Fail(w, r, fault.ErrForbidden)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// RequireFunc is Require for a handler function.
func RequireFunc(kit *httpx.Kit, h http.HandlerFunc, roles ...account.Role) http.Handler {
	return Require(kit, roles...)(h)
}

func (s *Service) sessionCookie(kit *httpx.Kit, secret string) *http.Cookie {
	return &http.Cookie{
		Name: CookieName(kit.SecureCookies), Value: secret, Path: "/",
		MaxAge:   int(s.sessionTTL.Seconds()),
		HttpOnly: true, Secure: kit.SecureCookies, SameSite: http.SameSiteLaxMode,
	}
}

func (s *Service) clearCookie(kit *httpx.Kit) *http.Cookie {
	return &http.Cookie{
		Name: CookieName(kit.SecureCookies), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: kit.SecureCookies, SameSite: http.SameSiteLaxMode,
	}
}
