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
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
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

// Throttle limits failed sign-ins per account and per client address within
// a window. Failures are counted in the database, so the limits hold across
// several server instances.
type Throttle struct {
	Window     time.Duration
	PerAccount int
	PerAddress int
}

// DefaultThrottle allows 5 failures per account and 30 per address in 15 minutes.
var DefaultThrottle = Throttle{Window: 15 * time.Minute, PerAccount: 5, PerAddress: 30}

// Service signs people in and out and checks sessions and tokens.
type Service struct {
	db         *store.DB
	log        *slog.Logger
	now        func() time.Time
	argon      Argon2Params
	throttle   Throttle
	sessionTTL time.Duration
	dummyHash  string
	// hashing bounds concurrent argon2id runs: each takes 64 MiB, so a burst
	// of sign-ins queues instead of exhausting memory.
	hashing chan struct{}
}

// Params are the dependencies and settings of a Service.
type Params struct {
	DB         *store.DB
	Log        *slog.Logger
	Now        func() time.Time
	Argon2     Argon2Params
	Throttle   Throttle
	SessionTTL time.Duration
}

// NewService returns a Service. Zero settings take their defaults.
func NewService(p Params) (*Service, error) {
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Argon2 == (Argon2Params{}) {
		p.Argon2 = DefaultArgon2
	}
	if p.Throttle == (Throttle{}) {
		p.Throttle = DefaultThrottle
	}
	if p.SessionTTL == 0 {
		p.SessionTTL = 12 * time.Hour
	}
	dummy, err := HashPassword(GeneratePassword(), p.Argon2)
	if err != nil {
		return nil, err
	}
	return &Service{db: p.DB, log: p.Log, now: p.Now, argon: p.Argon2, throttle: p.Throttle, sessionTTL: p.SessionTTL, dummyHash: dummy,
		hashing: make(chan struct{}, runtime.GOMAXPROCS(0))}, nil
}

// HashPassword hashes with the service's parameters.
func (s *Service) HashPassword(pw string) (string, error) { return HashPassword(pw, s.argon) }

// SignIn checks a username and password and opens a session. It returns the
// cookie secret; only its hash is stored.
func (s *Service) SignIn(ctx context.Context, username, password, ip, userAgent string) (string, account.User, error) {
	username = account.NormalizeUsername(username)
	acctKey, ipKey := "user:"+username, "addr:"+ip
	if err := s.checkThrottle(ctx, acctKey, s.throttle.PerAccount); err != nil {
		return "", account.User{}, err
	}
	if err := s.checkThrottle(ctx, ipKey, s.throttle.PerAddress); err != nil {
		return "", account.User{}, err
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
		return "", account.User{}, err
	}
	if err := s.acquireHashing(ctx); err != nil {
		return "", account.User{}, err
	}
	ok, verr := VerifyPassword(password, hash)
	<-s.hashing
	if verr != nil {
		s.log.WarnContext(ctx, "stored password hash is malformed", "user_id", u.ID)
	}
	if err != nil || !ok {
		for _, k := range []string{acctKey, ipKey} {
			if err := s.db.RecordLoginFailure(ctx, k); err != nil {
				return "", account.User{}, err
			}
		}
		return "", account.User{}, ErrBadCredentials
	}
	if u.Disabled {
		return "", account.User{}, ErrDisabled
	}
	if err := s.db.ClearLoginFailures(ctx, acctKey); err != nil {
		return "", account.User{}, err
	}
	secret := RandomSecret(32)
	now := s.now()
	err = s.db.CreateSession(ctx, account.Session{
		IDHash: hashSecret(secret), UserID: u.ID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(s.sessionTTL), UserAgent: truncate(userAgent, 200), IP: ip,
	})
	if err != nil {
		return "", account.User{}, err
	}
	return secret, u, nil
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

func (s *Service) checkThrottle(ctx context.Context, key string, limit int) error {
	since := s.now().Add(-s.throttle.Window)
	n, err := s.db.CountLoginFailures(ctx, key, since)
	if err != nil {
		return err
	}
	if n >= limit {
		return &ThrottledError{RetryAfter: s.throttle.Window}
	}
	return nil
}

// Session returns the user of a session secret and extends the session while
// it is used.
func (s *Service) Session(ctx context.Context, secret string) (account.User, error) {
	h := hashSecret(secret)
	sess, u, err := s.db.GetSession(ctx, h)
	if err != nil {
		return account.User{}, err
	}
	now := s.now()
	if now.Sub(sess.LastSeenAt) > time.Minute {
		if err := s.db.TouchSession(ctx, h, now, now.Add(s.sessionTTL)); err != nil {
			return account.User{}, err
		}
	}
	return u, nil
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
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }
