// Package auth owns signing in: password hashing (argon2id), server-side
// sessions in cookies, sign-in throttling, API tokens, and the middleware
// that checks a request's session and roles server-side.
//
// It stores through internal/store and renders through internal/httpx. It
// must not import feature packages (portal, admin, sfu, social, …).
package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/store"
)

// Errors a caller can act on.
var (
	ErrBadCredentials = errors.New("auth: wrong username or password")
	ErrDisabled       = errors.New("auth: account disabled")
)

// ThrottledError says sign-in is refused for a while after too many failures.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("auth: too many failed sign-ins; retry in %s", e.RetryAfter.Round(time.Second))
}

// Throttle limits failed sign-ins. Failures are counted in the database,
// so the limits hold across several server instances, and each attempt is
// counted before its password is checked, so that guesses sent at once are
// all counted.
//
// An address that fails PerAddress times within Window is blocked until
// its oldest failure leaves the window. An account is never blocked
// outright, so that nobody can lock the real owner out for the price of a
// few wrong guesses: after PerAccount failures within Window, each further
// attempt must wait Delay after the previous one, doubling with every
// failure up to MaxDelay. An administrator can clear an account's
// failures (ClearLock); both the slowing down and the clearing are
// audited.
type Throttle struct {
	Window     time.Duration
	PerAccount int
	PerAddress int
	Delay      time.Duration
	MaxDelay   time.Duration
}

// DefaultThrottle slows an account down after 5 failures in 15 minutes
// (2 s, then 4 s, 8 s … up to 15 minutes between guesses), and blocks an
// address after 30.
var DefaultThrottle = Throttle{Window: 15 * time.Minute, PerAccount: 5, PerAddress: 30, Delay: 2 * time.Second, MaxDelay: 15 * time.Minute}

// delay is how long an account with failures past the limit waits after
// its latest one.
func (t Throttle) delay(failures int) time.Duration {
	if failures < t.PerAccount {
		return 0
	}
	d := t.Delay
	for range failures - t.PerAccount {
		if d >= t.MaxDelay {
			break
		}
		d *= 2
	}
	return min(d, t.MaxDelay)
}

// Service signs people in and out and checks sessions and tokens.
type Service struct {
	db         *store.DB
	log        *slog.Logger
	now        func() time.Time
	argon      Argon2Params
	throttle   Throttle
	sessionTTL time.Duration
	dummyHash  string
	sealer     Sealer
	// secondFactorRoles are the roles whose holders must sign in with a
	// second factor.
	secondFactorRoles []account.Role
	// hashing bounds concurrent argon2id runs: each takes 64 MiB, so a burst
	// of sign-ins queues instead of exhausting memory.
	hashing chan struct{}
	// publicURL is the WebAuthn origin; "" turns passkeys off.
	publicURL string
	// localPasswordsOff refuses passwords to accounts that sign in
	// through an identity provider.
	localPasswordsOff bool
	// argonRuns counts the argon2id runs under way, so that the last one
	// to end returns their work memory to the system (returnHashMemory).
	argonRuns atomic.Int32
}

// Params are the dependencies and settings of a Service.
type Params struct {
	DB         *store.DB
	Log        *slog.Logger
	Now        func() time.Time
	Argon2     Argon2Params
	Throttle   Throttle
	SessionTTL time.Duration
	// Sealer encrypts TOTP secrets at rest (a *secrets.Box); without one,
	// nobody can enrol a second factor.
	Sealer Sealer
	// SecondFactorRoles are the roles whose holders must sign in with a
	// second factor, and are sent to enrol one until they have.
	SecondFactorRoles []account.Role
	// PublicURL is the origin browsers reach Chancery at (the
	// -public-url, or the listen address, which the server knows before
	// it builds): the WebAuthn origin, whose host is the relying party
	// ID. Without it, passkeys are off.
	PublicURL string
	// LocalPasswordsOff refuses the password sign-in of every account
	// linked to an identity provider (single sign-on, internal/sso), even
	// when an administrator gave it a password: such accounts sign in
	// only through their provider.
	LocalPasswordsOff bool
}

// NewService returns a Service. Zero settings take their defaults.
func NewService(p Params) (*Service, error) {
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Argon2 == (Argon2Params{}) {
		p.Argon2 = DefaultArgon2
	}
	if p.Throttle.Window <= 0 {
		p.Throttle.Window = DefaultThrottle.Window
	}
	if p.Throttle.PerAccount <= 0 {
		p.Throttle.PerAccount = DefaultThrottle.PerAccount
	}
	if p.Throttle.PerAddress <= 0 {
		p.Throttle.PerAddress = DefaultThrottle.PerAddress
	}
	if p.Throttle.Delay <= 0 {
		p.Throttle.Delay = DefaultThrottle.Delay
	}
	if p.Throttle.MaxDelay <= 0 {
		p.Throttle.MaxDelay = DefaultThrottle.MaxDelay
	}
	if p.SessionTTL == 0 {
		p.SessionTTL = 12 * time.Hour
	}
	dummy, err := unusableHash(p.Argon2)
	if err != nil {
		return nil, err
	}
	return &Service{db: p.DB, log: p.Log, now: p.Now, argon: p.Argon2, throttle: p.Throttle, sessionTTL: p.SessionTTL, dummyHash: dummy,
		hashing: make(chan struct{}, runtime.GOMAXPROCS(0)), sealer: p.Sealer, secondFactorRoles: p.SecondFactorRoles, publicURL: p.PublicURL,
		localPasswordsOff: p.LocalPasswordsOff}, nil
}

// HashPassword hashes with the service's parameters.
func (s *Service) HashPassword(pw string) (string, error) {
	s.argonRuns.Add(1)
	defer s.returnHashMemory()
	return HashPassword(pw, s.argon)
}

// verifyPassword is VerifyPassword, counted in argonRuns.
func (s *Service) verifyPassword(pw, hash string) (bool, error) {
	s.argonRuns.Add(1)
	defer s.returnHashMemory()
	return VerifyPassword(pw, hash)
}

// returnHashMemory ends an argon2id run counted in argonRuns. The last run
// to end returns the heap's free memory to the system: each run allocates
// Argon2Params.Memory (64 MiB) for a moment, which the Go runtime would
// otherwise keep resident for minutes, several times the server's live
// heap, after every sign-in. The collection this forces costs a few
// milliseconds beside the run's hundred or more; concurrent runs skip it,
// so a burst of sign-ins reuses the memory and frees it once.
func (s *Service) returnHashMemory() {
	if s.argonRuns.Add(-1) == 0 {
		debug.FreeOSMemory()
	}
}

// SignIn checks a username and password and opens a session. It returns the
// cookie secret; only its hash is stored. A user with a second factor gets
// no session from a password alone: SignIn refuses with
// ErrSecondFactorRequired, and Begin is the way in for them.
func (s *Service) SignIn(ctx context.Context, username, password, ip, userAgent string) (string, account.User, error) {
	res, err := s.Begin(ctx, username, password, ip, userAgent)
	if err != nil {
		return "", account.User{}, err
	}
	if res.SecondStep {
		return "", account.User{}, ErrSecondFactorRequired
	}
	return res.Secret, res.User, nil
}

// SignInResult is what a right password earns: a session, or, for a user
// with a second factor, a pending sign-in that CompleteSignIn finishes.
type SignInResult struct {
	// Secret is the session's cookie secret, or the pending sign-in's
	// when SecondStep is set. Only its hash is stored.
	Secret     string
	User       account.User
	SecondStep bool
	// IdPSecondFactor is set on a session whose second factor the
	// identity provider of a single sign-on checked.
	IdPSecondFactor bool
}

// Begin checks a username and password. A user without a second factor
// gets a session; one with a second factor gets a pending sign-in, which
// lasts PendingTTL and can do nothing but CompleteSignIn.
func (s *Service) Begin(ctx context.Context, username, password, ip, userAgent string) (SignInResult, error) {
	username = account.NormalizeUsername(username)
	acctKey, ipKey := accountKey(username), "addr:"+ip
	// Count the attempt first: twenty guesses sent at once are twenty
	// against the limits, each seeing those that came before it.
	attempt := RandomSecret(16)
	for _, k := range []string{acctKey, ipKey} {
		if err := s.db.ReserveLoginAttempt(ctx, k, attempt); err != nil {
			return SignInResult{}, err
		}
	}
	if err := s.checkThrottle(ctx, username, ip, acctKey, ipKey, attempt); err != nil {
		// A refused attempt checked no password: it does not make the
		// account wait longer. It does count against the address.
		if derr := s.db.DropLoginAttempt(ctx, acctKey, attempt); derr != nil {
			return SignInResult{}, derr
		}
		return SignInResult{}, err
	}
	u, err := s.db.GetUserByUsername(ctx, username)
	hash := s.dummyHash
	switch {
	case err == nil:
		hash = u.PasswordHash
	case errors.Is(err, store.ErrNotFound):
		// Spend the same time as for a real account, so timing does not
		// reveal which usernames exist.
	default:
		return SignInResult{}, err
	}
	if err := s.acquireHashing(ctx); err != nil {
		return SignInResult{}, err
	}
	ok, verr := s.verifyPassword(password, hash)
	<-s.hashing
	if verr != nil {
		s.log.WarnContext(ctx, "stored password hash is malformed", "user_id", u.ID)
	}
	if err != nil || !ok {
		// The reservations stay: they are the failures.
		if err := s.auditSlowDown(ctx, username, ip, acctKey); err != nil {
			return SignInResult{}, err
		}
		if err := s.audit(ctx, "signin.fail", map[string]any{"username": username, "address": ip, "reason": "password"}); err != nil {
			return SignInResult{}, err
		}
		return SignInResult{}, ErrBadCredentials
	}
	if u.Disabled {
		return SignInResult{}, ErrDisabled
	}
	if s.localPasswordsOff {
		sso, err := s.db.HasIdentity(ctx, u.ID)
		if err != nil {
			return SignInResult{}, err
		}
		if sso {
			// The attempt stays counted: whoever has this password
			// should not have it.
			if err := s.audit(ctx, "signin.fail", map[string]any{"username": username, "address": ip, "reason": "local password off for single sign-on"}); err != nil {
				return SignInResult{}, err
			}
			return SignInResult{}, ErrLocalPasswordOff
		}
	}
	has, err := s.db.HasSecondFactor(ctx, u.ID)
	if err != nil {
		return SignInResult{}, err
	}
	if has {
		// A right password is no failure, but half a sign-in: the
		// account's earlier failures stay until a code is right, so that
		// whoever knows the password cannot wipe out the wrong codes they
		// tried by typing it again.
		if err := s.db.DropLoginAttempt(ctx, ipKey, attempt); err != nil {
			return SignInResult{}, err
		}
		if err := s.db.DropLoginAttempt(ctx, acctKey, attempt); err != nil {
			return SignInResult{}, err
		}
		secret := RandomSecret(32)
		err := s.db.CreatePendingSignIn(ctx, store.PendingSignIn{IDHash: hashSecret(secret), UserID: u.ID,
			ExpiresAt: s.now().Add(PendingTTL), UserAgent: truncate(userAgent, 200), IP: ip})
		if err != nil {
			return SignInResult{}, err
		}
		return SignInResult{Secret: secret, User: u, SecondStep: true}, nil
	}
	if err := s.db.ClearLoginFailures(ctx, acctKey); err != nil {
		return SignInResult{}, err
	}
	if err := s.db.DropLoginAttempt(ctx, ipKey, attempt); err != nil {
		return SignInResult{}, err
	}
	secret, err := s.openSession(ctx, u, ip, userAgent, "password")
	if err != nil {
		return SignInResult{}, err
	}
	return SignInResult{Secret: secret, User: u}, nil
}

// openSession creates a session for u and audits the sign-in.
func (s *Service) openSession(ctx context.Context, u account.User, ip, userAgent, method string) (string, error) {
	secret := RandomSecret(32)
	now := s.now()
	err := s.db.CreateSession(ctx, account.Session{
		IDHash: hashSecret(secret), UserID: u.ID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(s.sessionTTL), UserAgent: truncate(userAgent, 200), IP: ip,
	})
	if err != nil {
		return "", err
	}
	if err := s.auditAs(ctx, u, "signin.ok", map[string]any{"username": u.Username, "address": ip, "method": method}); err != nil {
		return "", err
	}
	return secret, nil
}

func accountKey(username string) string { return "user:" + username }

// checkThrottle decides an attempt already reserved: the address's count
// includes it, the account's leaves it out and asks how long ago the
// previous attempt was.
func (s *Service) checkThrottle(ctx context.Context, username, ip, acctKey, ipKey, attempt string) error {
	now := s.now()
	since := now.Add(-s.throttle.Window)
	addr, err := s.db.LoginFailures(ctx, ipKey, since, "")
	if err != nil {
		return err
	}
	if addr.Count > s.throttle.PerAddress {
		if addr.Count == s.throttle.PerAddress+1 {
			if err := s.audit(ctx, "signin.block-address", map[string]any{"address": ip, "failures": s.throttle.PerAddress, "window": s.throttle.Window.String()}); err != nil {
				return err
			}
		}
		return &ThrottledError{RetryAfter: max(addr.First.Add(s.throttle.Window).Sub(now), time.Second)}
	}
	acct, err := s.db.LoginFailures(ctx, acctKey, since, attempt)
	if err != nil {
		return err
	}
	if wait := s.throttle.delay(acct.Count); wait > 0 && now.Before(acct.Latest.Add(wait)) {
		return &ThrottledError{RetryAfter: max(acct.Latest.Add(wait).Sub(now), time.Second)}
	}
	return nil
}

// auditSlowDown records the failure that makes an account wait between
// attempts, once per run of failures.
func (s *Service) auditSlowDown(ctx context.Context, username, ip, acctKey string) error {
	acct, err := s.db.LoginFailures(ctx, acctKey, s.now().Add(-s.throttle.Window), "")
	if err != nil || acct.Count != s.throttle.PerAccount {
		return err
	}
	return s.audit(ctx, "signin.slow-down", map[string]any{"username": username, "address": ip, "failures": acct.Count, "delay": s.throttle.Delay.String()})
}

// ClearLock forgets the failed sign-ins of username, so that its owner can
// try again at once; by is the administrator who decided it.
func (s *Service) ClearLock(ctx context.Context, by account.User, username string) error {
	if err := s.db.ClearLoginFailures(ctx, accountKey(account.NormalizeUsername(username))); err != nil {
		return err
	}
	return s.auditAs(ctx, by, "signin.unlock", map[string]any{"username": username})
}

// LockState says whether username must wait before its next sign-in, and
// how many failures it has within the window.
func (s *Service) LockState(ctx context.Context, username string) (failures int, wait time.Duration, err error) {
	now := s.now()
	acct, err := s.db.LoginFailures(ctx, accountKey(account.NormalizeUsername(username)), now.Add(-s.throttle.Window), "")
	if err != nil {
		return 0, 0, err
	}
	if d := s.throttle.delay(acct.Count); d > 0 {
		wait = max(acct.Latest.Add(d).Sub(now), 0)
	}
	return acct.Count, wait, nil
}

func (s *Service) audit(ctx context.Context, action string, payload map[string]any) error {
	return s.auditAs(ctx, account.User{Username: "signin"}, action, payload)
}

func (s *Service) auditAs(ctx context.Context, by account.User, action string, payload map[string]any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	return s.db.AppendAudit(ctx, store.AuditEntry{ActorID: by.ID, Actor: by.Username, Action: action, Payload: string(b)})
}

// acquireHashing waits for a hashing slot; the caller releases it with
// <-s.hashing.
func (s *Service) acquireHashing(ctx context.Context) error {
	select {
	case s.hashing <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Session returns the user of a session secret and extends the session while
// it is used.
func (s *Service) Session(ctx context.Context, secret string) (account.User, error) {
	_, u, err := s.session(ctx, secret)
	return u, err
}

// session is Session, with the session itself.
func (s *Service) session(ctx context.Context, secret string) (account.Session, account.User, error) {
	h := hashSecret(secret)
	sess, u, err := s.db.GetSession(ctx, h)
	if err != nil {
		return account.Session{}, account.User{}, err
	}
	now := s.now()
	if now.Sub(sess.LastSeenAt) > time.Minute {
		if err := s.db.TouchSession(ctx, h, now, now.Add(s.sessionTTL)); err != nil {
			return account.Session{}, account.User{}, err
		}
	}
	return sess, u, nil
}

// SignOut ends a session.
func (s *Service) SignOut(ctx context.Context, secret string) error {
	return s.db.DeleteSession(ctx, hashSecret(secret))
}

// TokenPrefix starts every API token, so leaked tokens are easy to find.
const TokenPrefix = "chy_"

// CreateToken issues an API token for u limited to roles, which must be
// roles u holds. The secret is returned once and never stored.
func (s *Service) CreateToken(ctx context.Context, u account.User, name string, roles []account.Role, expires time.Time) (string, account.APIToken, error) {
	for _, r := range roles {
		if !u.HasRole(r) {
			return "", account.APIToken{}, fmt.Errorf("auth: %w: user does not hold role %s", ErrScope, r)
		}
	}
	secret := TokenPrefix + RandomSecret(32)
	t, err := s.db.CreateAPIToken(ctx, account.APIToken{
		UserID: u.ID, Name: name, Hash: hashSecret(secret), Prefix: secret[:len(TokenPrefix)+6],
		Roles: roles, CreatedAt: s.now(), ExpiresAt: expires,
	})
	if err != nil {
		return "", account.APIToken{}, err
	}
	return secret, t, nil
}

// ErrScope reports a token asking for roles its owner does not hold.
var ErrScope = errors.New("role outside the owner's roles")

// Token returns the token and owner of an API token secret.
func (s *Service) Token(ctx context.Context, secret string) (account.APIToken, account.User, error) {
	if !strings.HasPrefix(secret, TokenPrefix) {
		return account.APIToken{}, account.User{}, store.ErrNotFound
	}
	t, u, err := s.db.GetAPITokenByHash(ctx, hashSecret(secret))
	if err != nil {
		return t, u, err
	}
	now := s.now()
	if t.LastUsedAt.IsZero() || now.Sub(t.LastUsedAt) > time.Minute {
		if err := s.db.TouchAPIToken(ctx, t.ID, now); err != nil {
			return t, u, err
		}
	}
	return t, u, nil
}

// hashSecret is how session and token secrets are stored: a plain SHA-256
// suffices because the secrets are 256 random bits, not passwords.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// Cleanup removes expired sessions and old sign-in failures until ctx ends.
func (s *Service) Cleanup(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.db.DeleteExpiredSessions(ctx); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "delete expired sessions", "err", err)
		}
		if err := s.db.PruneLoginFailures(ctx, s.now().Add(-s.throttle.Window)); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "prune sign-in failures", "err", err)
		}
		if err := s.db.DeleteExpiredPendingSignIns(ctx); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "delete expired pending sign-ins", "err", err)
		}
		if err := s.db.DeleteExpiredWebAuthnChallenges(ctx); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "delete expired webauthn challenges", "err", err)
		}
		if err := s.db.DeleteExpiredOIDCSignIns(ctx); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "delete expired oidc sign-ins", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }
