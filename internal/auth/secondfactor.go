package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth/totp"
	"github.com/mofa-vn/chancery/internal/store"
)

// Sealer encrypts a named secret at rest; *secrets.Box is one. It is
// declared here so that auth needs none of the secrets package's other
// dependencies.
type Sealer interface {
	SealNamed(name string, plaintext []byte) ([]byte, error)
	OpenNamed(name string, sealed []byte) ([]byte, error)
}

// Issuer names Chancery in authenticator apps.
const Issuer = "Chancery"

// PendingTTL is how long a pending sign-in waits for its second factor.
const PendingTTL = 5 * time.Minute

// RecoveryCodeCount is how many recovery codes an enrolment gives.
const RecoveryCodeCount = 10

// maxCodeFailures is how many wrong codes one pending sign-in takes before
// it is dropped and the password must be typed again.
const maxCodeFailures = 5

// Errors of the second factor, each shown to the user in their language.
var (
	ErrSecondFactorRequired = errors.New("auth: a second factor is required")
	ErrBadCode              = errors.New("auth: wrong code")
	ErrCodeReused           = errors.New("auth: code already used")
	ErrPendingExpired       = errors.New("auth: sign-in expired")
	ErrAlreadyEnrolled      = errors.New("auth: a second factor is already enrolled")
	ErrNotEnrolling         = errors.New("auth: no enrolment in progress")
	errNoSealer             = errors.New("auth: no key to seal second factors with")
)

// totpName binds a sealed TOTP secret to its user, so that a ciphertext
// copied onto another user's row does not open.
func totpName(userID int64) string { return "totp:" + strconv.FormatInt(userID, 10) }

// NoticeKey marks a user whose second factor an administrator reset, to be
// told at their next sign-in.
func NoticeKey(userID int64) string {
	return "second_factor_reset_notice:" + strconv.FormatInt(userID, 10)
}

// SecondFactorRequired reports whether u holds a role that must sign in
// with a second factor.
func (s *Service) SecondFactorRequired(u account.User) bool {
	return u.HasRole(s.secondFactorRoles...)
}

// HasSecondFactor reports whether u has a confirmed second factor.
func (s *Service) HasSecondFactor(ctx context.Context, userID int64) (bool, error) {
	return s.db.HasSecondFactor(ctx, userID)
}

// TOTPEnrolled reports whether userID has a confirmed TOTP secret.
func (s *Service) TOTPEnrolled(ctx context.Context, userID int64) (bool, error) {
	t, err := s.db.GetTOTP(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil && t.Confirmed(), err
}

// Enrolment is a TOTP secret being set up: what the page shows.
type Enrolment struct {
	Secret string // base32, for typing into an app
	URI    string // otpauth://, for the QR code
}

// StartEnrolment gives u a new TOTP secret to confirm, replacing one not
// confirmed yet. A user with a confirmed second factor gets
// ErrAlreadyEnrolled.
func (s *Service) StartEnrolment(ctx context.Context, u account.User) (Enrolment, error) {
	if s.sealer == nil {
		return Enrolment{}, errNoSealer
	}
	secret := totp.NewSecret()
	sealed, err := s.sealer.SealNamed(totpName(u.ID), secret)
	if err != nil {
		return Enrolment{}, fmt.Errorf("auth: seal totp secret: %w", err)
	}
	if err := s.db.StartTOTP(ctx, u.ID, sealed); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return Enrolment{}, ErrAlreadyEnrolled
		}
		return Enrolment{}, err
	}
	return enrolment(u, secret), nil
}

// PendingEnrolment returns the enrolment u started and has not confirmed,
// or ErrNotEnrolling.
func (s *Service) PendingEnrolment(ctx context.Context, u account.User) (Enrolment, error) {
	t, secret, err := s.totpSecret(ctx, u.ID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && t.Confirmed()) {
		return Enrolment{}, ErrNotEnrolling
	}
	if err != nil {
		return Enrolment{}, err
	}
	return enrolment(u, secret), nil
}

func enrolment(u account.User, secret []byte) Enrolment {
	return Enrolment{Secret: totp.EncodeSecret(secret), URI: totp.URI(Issuer, u.Username, secret)}
}

func (s *Service) totpSecret(ctx context.Context, userID int64) (store.TOTP, []byte, error) {
	if s.sealer == nil {
		return store.TOTP{}, nil, errNoSealer
	}
	t, err := s.db.GetTOTP(ctx, userID)
	if err != nil {
		return t, nil, err
	}
	secret, err := s.sealer.OpenNamed(totpName(userID), t.Sealed)
	if err != nil {
		return t, nil, fmt.Errorf("auth: open totp secret of user %d: %w", userID, err)
	}
	return t, secret, nil
}

// ConfirmEnrolment puts u's pending secret in use once code shows that the
// app computes the same codes, and returns the recovery codes, which are
// stored hashed and never shown again.
func (s *Service) ConfirmEnrolment(ctx context.Context, u account.User, code string) ([]string, error) {
	t, secret, err := s.totpSecret(ctx, u.ID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && t.Confirmed()) {
		return nil, ErrNotEnrolling
	}
	if err != nil {
		return nil, err
	}
	step, ok := totp.Match(secret, code, s.now())
	if !ok {
		return nil, ErrBadCode
	}
	codes, hashes := newRecoveryCodes()
	if err := s.db.ConfirmTOTP(ctx, u.ID, step, hashes); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, ErrNotEnrolling
		}
		return nil, err
	}
	if err := s.db.DeleteSetting(ctx, NoticeKey(u.ID)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if err := s.auditAs(ctx, u, "second-factor.enrol", map[string]any{"username": u.Username, "kind": "totp"}); err != nil {
		return nil, err
	}
	return codes, nil
}

// recoveryEncoding writes recovery codes in lower-case base32, which has
// no 0/O or 1/I to confuse.
var recoveryEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newRecoveryCodes returns RecoveryCodeCount codes of 80 random bits each,
// shown in four groups of four ("abcd-efgh-ijkl-mnop"), and their hashes.
func newRecoveryCodes() (codes, hashes []string) {
	for range RecoveryCodeCount {
		b := make([]byte, 10)
		_, _ = rand.Read(b)
		c := recoveryEncoding.EncodeToString(b) // 16 characters
		codes = append(codes, c[:4]+"-"+c[4:8]+"-"+c[8:12]+"-"+c[12:])
		hashes = append(hashes, recoveryHash(c))
	}
	return codes, hashes
}

// normalizeRecovery takes a recovery code as typed: any case, with or
// without hyphens and spaces.
func normalizeRecovery(code string) string {
	return strings.ToLower(totp.Normalize(code))
}

// recoveryHash is how recovery codes are stored: a plain SHA-256 suffices
// because each code is 80 random bits, not something a person chose.
func recoveryHash(normalized string) string {
	sum := sha256.Sum256([]byte("chancery-recovery:" + normalized))
	return hex.EncodeToString(sum[:])
}

// isTOTPCode reports whether code looks like an app's code rather than a
// recovery code.
func isTOTPCode(code string) bool {
	code = totp.Normalize(code)
	return len(code) == totp.Digits && strings.Trim(code, "0123456789") == ""
}

// CompleteSignIn finishes the pending sign-in of pendingSecret with a code
// from the user's app or one of their recovery codes, and opens the
// session. Each try counts in the sign-in throttle like a password, and is
// withdrawn when right; a code already used is refused with
// ErrCodeReused, and after maxCodeFailures wrong ones the pending sign-in
// is dropped (ErrPendingExpired on the next try).
func (s *Service) CompleteSignIn(ctx context.Context, pendingSecret, code, ip, userAgent string) (string, account.User, error) {
	idHash := hashSecret(pendingSecret)
	p, u, err := s.db.GetPendingSignIn(ctx, idHash)
	if errors.Is(err, store.ErrNotFound) {
		return "", account.User{}, ErrPendingExpired
	}
	if err != nil {
		return "", account.User{}, err
	}
	acctKey, ipKey := accountKey(u.Username), "addr:"+ip
	attempt := RandomSecret(16)
	for _, k := range []string{acctKey, ipKey} {
		if err := s.db.ReserveLoginAttempt(ctx, k, attempt); err != nil {
			return "", account.User{}, err
		}
	}
	if err := s.checkThrottle(ctx, u.Username, ip, acctKey, ipKey, attempt); err != nil {
		if derr := s.db.DropLoginAttempt(ctx, acctKey, attempt); derr != nil {
			return "", account.User{}, derr
		}
		return "", account.User{}, err
	}
	method, err := s.checkCode(ctx, u, code)
	if err != nil {
		if !errors.Is(err, ErrBadCode) && !errors.Is(err, ErrCodeReused) {
			return "", account.User{}, err
		}
		// The reservations stay: they are the failures.
		if aerr := s.auditSlowDown(ctx, u.Username, ip, acctKey); aerr != nil {
			return "", account.User{}, aerr
		}
		reason := "wrong code"
		if errors.Is(err, ErrCodeReused) {
			reason = "code reused"
		}
		if aerr := s.auditAs(ctx, u, "signin.fail", map[string]any{"username": u.Username, "address": ip, "reason": reason}); aerr != nil {
			return "", account.User{}, aerr
		}
		if ferr := s.failPending(ctx, idHash); ferr != nil {
			return "", account.User{}, ferr
		}
		return "", account.User{}, err
	}
	if err := s.finishPending(ctx, p.IDHash); err != nil {
		return "", account.User{}, err
	}
	if err := s.db.ClearLoginFailures(ctx, acctKey); err != nil {
		return "", account.User{}, err
	}
	if err := s.db.DropLoginAttempt(ctx, ipKey, attempt); err != nil {
		return "", account.User{}, err
	}
	secret, err := s.openSession(ctx, u, ip, userAgent, method)
	if err != nil {
		return "", account.User{}, err
	}
	return secret, u, nil
}

// checkCode spends code for u: a TOTP step later than the last one spent,
// or an unused recovery code. It returns which it was.
func (s *Service) checkCode(ctx context.Context, u account.User, code string) (string, error) {
	if isTOTPCode(code) {
		t, secret, err := s.totpSecret(ctx, u.ID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !t.Confirmed()) {
			return "", ErrBadCode
		}
		if err != nil {
			return "", err
		}
		step, ok := totp.Match(secret, code, s.now())
		if !ok {
			return "", ErrBadCode
		}
		fresh, err := s.db.UseTOTPStep(ctx, u.ID, step)
		if err != nil {
			return "", err
		}
		if !fresh {
			return "", ErrCodeReused
		}
		return "totp", nil
	}
	c := normalizeRecovery(code)
	if len(c) != 16 {
		return "", ErrBadCode
	}
	ok, err := s.db.UseRecoveryCode(ctx, u.ID, recoveryHash(c))
	if err != nil {
		return "", err
	}
	if !ok {
		return "", ErrBadCode
	}
	return "recovery code", nil
}

// PendingUser returns the user of a pending sign-in, or ErrPendingExpired.
func (s *Service) PendingUser(ctx context.Context, pendingSecret string) (account.User, error) {
	_, u, err := s.db.GetPendingSignIn(ctx, hashSecret(pendingSecret))
	if errors.Is(err, store.ErrNotFound) {
		return account.User{}, ErrPendingExpired
	}
	return u, err
}

// RecoveryCodesLeft counts u's unused recovery codes.
func (s *Service) RecoveryCodesLeft(ctx context.Context, userID int64) (int, error) {
	return s.db.RecoveryCodesLeft(ctx, userID)
}

// ResetSecondFactor removes the second factor of user, so that they enrol
// again at their next sign-in, and signs them out everywhere: whoever
// holds the lost phone may hold a session too. by is the administrator;
// the reset is audited and the user is told at their next sign-in.
func (s *Service) ResetSecondFactor(ctx context.Context, by, user account.User) error {
	had, err := s.db.DeleteSecondFactor(ctx, user.ID)
	if err != nil {
		return err
	}
	if err := s.db.DeleteUserSessions(ctx, user.ID); err != nil {
		return err
	}
	if err := s.db.SetSetting(ctx, NoticeKey(user.ID), by.Username); err != nil {
		return err
	}
	return s.auditAs(ctx, by, "second-factor.reset", map[string]any{"username": user.Username, "had_second_factor": had})
}

// ResetNotice returns the administrator who reset u's second factor, when
// u has not been told yet, or "".
func (s *Service) ResetNotice(ctx context.Context, userID int64) (string, error) {
	by, err := s.db.GetSetting(ctx, NoticeKey(userID))
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return by, err
}

// DismissResetNotice records that u was told of the reset.
func (s *Service) DismissResetNotice(ctx context.Context, userID int64) error {
	err := s.db.DeleteSetting(ctx, NoticeKey(userID))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// failPending counts a wrong answer against a pending sign-in, and drops
// it after maxCodeFailures.
func (s *Service) failPending(ctx context.Context, idHash string) error {
	n, err := s.db.FailPendingSignIn(ctx, idHash)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if n >= maxCodeFailures {
		if _, err := s.db.DeletePendingSignIn(ctx, idHash); err != nil {
			return err
		}
	}
	return nil
}

// finishPending ends a pending sign-in that was answered: of two requests
// finishing one, only one succeeds and opens a session.
func (s *Service) finishPending(ctx context.Context, idHash string) error {
	ok, err := s.db.DeletePendingSignIn(ctx, idHash)
	if err == nil && !ok {
		err = ErrPendingExpired
	}
	return err
}
