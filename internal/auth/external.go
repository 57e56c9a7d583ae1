package auth

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/store"
)

// This file is what a sign-in made elsewhere (single sign-on, internal/sso)
// needs of the service: the same throttle, audit, sessions and second
// step as a password, without reaching into their storage.

// ErrLocalPasswordOff refuses a password for an account that signs in
// through its identity provider when local passwords are off for them.
var ErrLocalPasswordOff = errors.New("auth: local password sign-in is off for single sign-on accounts")

// Attempt is an external sign-in counted in the throttle before anything
// is checked, as a password is. Fail keeps it as a failure; Succeed
// withdraws it.
type Attempt struct {
	ip, key string
}

// BeginAttempt counts an external sign-in from ip against the address's
// limit, and refuses it with a *ThrottledError when the address is
// blocked (the refused attempt still counts, as a refused password does).
func (s *Service) BeginAttempt(ctx context.Context, ip string) (Attempt, error) {
	a := Attempt{ip: ip, key: RandomSecret(16)}
	ipKey := "addr:" + ip
	if err := s.db.ReserveLoginAttempt(ctx, ipKey, a.key); err != nil {
		return Attempt{}, err
	}
	now := s.now()
	addr, err := s.db.LoginFailures(ctx, ipKey, now.Add(-s.throttle.Window), "")
	if err != nil {
		return Attempt{}, err
	}
	if addr.Count > s.throttle.PerAddress {
		if addr.Count == s.throttle.PerAddress+1 {
			if err := s.audit(ctx, "signin.block-address", map[string]any{"address": ip, "failures": s.throttle.PerAddress, "window": s.throttle.Window.String()}); err != nil {
				return Attempt{}, err
			}
		}
		return Attempt{}, &ThrottledError{RetryAfter: max(addr.First.Add(s.throttle.Window).Sub(now), 0)}
	}
	return a, nil
}

// Fail records a refused external sign-in: the attempt stays counted
// against the address and the refusal goes to the audit log with its
// method and reason. username may be empty when nobody was identified.
func (s *Service) Fail(ctx context.Context, a Attempt, method, username, reason string) error {
	p := map[string]any{"address": a.ip, "method": method, "reason": reason}
	if username != "" {
		p["username"] = username
	}
	return s.audit(ctx, "signin.fail", p)
}

// ExternalSignIn finishes an external sign-in of u whose identity was
// proved elsewhere, withdrawing the attempt from the throttle. When
// idpSecondFactor says the identity provider checked a second factor, u
// gets a session at once, marked so; otherwise a user with a second
// factor of Chancery's gets a pending sign-in, as after a right password,
// and one whose roles require a second factor and who has none is sent to
// enrol one by the middleware.
func (s *Service) ExternalSignIn(ctx context.Context, a Attempt, u account.User, method string, idpSecondFactor bool, userAgent string) (SignInResult, error) {
	if u.Disabled {
		return SignInResult{}, ErrDisabled
	}
	if err := s.db.DropLoginAttempt(ctx, "addr:"+a.ip, a.key); err != nil {
		return SignInResult{}, err
	}
	if !idpSecondFactor {
		has, err := s.db.HasSecondFactor(ctx, u.ID)
		if err != nil {
			return SignInResult{}, err
		}
		if has {
			secret := RandomSecret(32)
			err := s.db.CreatePendingSignIn(ctx, store.PendingSignIn{IDHash: hashSecret(secret), UserID: u.ID,
				ExpiresAt: s.now().Add(PendingTTL), UserAgent: truncate(userAgent, 200), IP: a.ip})
			if err != nil {
				return SignInResult{}, err
			}
			return SignInResult{Secret: secret, User: u, SecondStep: true}, nil
		}
	}
	secret := RandomSecret(32)
	now := s.now()
	err := s.db.CreateSession(ctx, account.Session{
		IDHash: hashSecret(secret), UserID: u.ID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(s.sessionTTL), UserAgent: truncate(userAgent, 200), IP: a.ip,
		IdPSecondFactor: idpSecondFactor,
	})
	if err != nil {
		return SignInResult{}, err
	}
	if idpSecondFactor {
		method += " (second factor at the identity provider)"
	}
	if err := s.auditAs(ctx, u, "signin.ok", map[string]any{"username": u.Username, "address": a.ip, "method": method}); err != nil {
		return SignInResult{}, err
	}
	return SignInResult{Secret: secret, User: u, IdPSecondFactor: idpSecondFactor}, nil
}

// AuditAs appends an entry to the audit log in the name of by, for the
// sign-in code of other packages.
func (s *Service) AuditAs(ctx context.Context, by account.User, action string, payload map[string]any) error {
	return s.auditAs(ctx, by, action, payload)
}

// FinishSignIn sets the cookie a SignInResult earned and sends the browser
// where a password sign-in would go next: the second step, the change of
// a one-time password, an enrolment the user's roles require, or next.
func (h *Handlers) FinishSignIn(w http.ResponseWriter, r *http.Request, res SignInResult, next string) {
	if next == "/" || next == "" {
		next = "/admin"
	}
	if res.SecondStep {
		http.SetCookie(w, h.pendingCookie(res.Secret, int(PendingTTL.Seconds())))
		http.Redirect(w, r, "/signin/2fa?next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	http.SetCookie(w, h.svc.sessionCookie(h.kit, res.Secret))
	to := next
	if !res.IdPSecondFactor {
		// The identity provider's second factor stands for Chancery's:
		// no enrolment is asked of that session.
		to = h.afterSignIn(r, res.User.ID, next)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// Throttled writes the Retry-After of te and returns the message that
// tells the user how long to wait, in the request's language.
func (h *Handlers) Throttled(w http.ResponseWriter, r *http.Request, te *ThrottledError) string {
	code := h.kit.Lang(r).Code
	secs := max(int(math.Ceil(te.RetryAfter.Seconds())), 1)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	if secs < 60 {
		return h.kit.Cat.T(code, "signin_error_wait", map[string]any{"Seconds": secs})
	}
	return h.kit.Cat.T(code, "signin_error_throttled", map[string]any{"Minutes": (secs + 59) / 60})
}

// SignInError shows the sign-in page with msg, for a sign-in refused
// elsewhere (single sign-on).
func (h *Handlers) SignInError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	h.renderSignIn(w, r, status, SignInPage{Next: "/", Error: msg})
}
