package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/store"
)

// ChallengeTTL is how long a WebAuthn challenge waits for its answer.
const ChallengeTTL = 5 * time.Minute

// MaxPasskeyName is the longest name a passkey may be given, in characters.
const MaxPasskeyName = 60

// The kinds of WebAuthn ceremony, each with challenges of its own: a
// challenge given for one is refused by the others.
const (
	ceremonyRegister     = "register"
	ceremonySignIn       = "signin"
	ceremonySecondFactor = "second-factor"
)

// Errors of passkeys, each shown to the user in their language.
var (
	ErrPasskeysOff      = errors.New("auth: passkeys need a public URL")
	ErrChallengeExpired = errors.New("auth: passkey challenge unknown, used or expired")
	ErrPasskeyInvalid   = errors.New("auth: passkey answer refused")
	ErrPasskeyUnknown   = errors.New("auth: passkey not registered")
	ErrPasskeyCounter   = errors.New("auth: passkey sign counter went back")
	ErrPasskeyExists    = errors.New("auth: passkey already registered")
	ErrPasskeyName      = errors.New("auth: passkey name missing or too long")
	ErrPasskeyNotFound  = errors.New("auth: no such passkey")
)

// waUser is a user as the WebAuthn library sees them: their handle and
// their passkeys.
type waUser struct {
	u     account.User
	creds []webauthn.Credential
}

func (w waUser) WebAuthnID() []byte                         { return userHandle(w.u.ID) }
func (w waUser) WebAuthnName() string                       { return w.u.Username }
func (w waUser) WebAuthnCredentials() []webauthn.Credential { return w.creds }
func (w waUser) WebAuthnDisplayName() string {
	if w.u.DisplayName != "" {
		return w.u.DisplayName
	}
	return w.u.Username
}

// userHandle is the WebAuthn user handle of a user: their ID, which says
// nothing about them that the handle's holder does not already know.
func userHandle(id int64) []byte { return []byte("chancery-user:" + strconv.FormatInt(id, 10)) }

// relyingParty is the WebAuthn configuration for the current public URL.
func (s *Service) relyingParty() (*webauthn.WebAuthn, error) {
	raw := s.publicURL
	u, err := url.Parse(raw)
	if raw == "" || err != nil || u.Hostname() == "" {
		return nil, ErrPasskeysOff
	}
	timeout := webauthn.TimeoutConfig{Timeout: ChallengeTTL, TimeoutUVD: ChallengeTTL}
	wa, err := webauthn.New(&webauthn.Config{
		RPID: u.Hostname(), RPDisplayName: Issuer, RPOrigins: []string{u.Scheme + "://" + u.Host},
		// The challenge's lifetime is enforced by the store, on the
		// injected clock.
		Timeouts: webauthn.TimeoutsConfig{Login: timeout, Registration: timeout},
	})
	if err != nil {
		// An address (browsers take no IP as relying party ID) or a
		// malformed URL: passkeys are off, not failing.
		return nil, fmt.Errorf("%w: %q: %w", ErrPasskeysOff, raw, err)
	}
	return wa, nil
}

// PasskeysOn reports whether passkeys can be used: a public URL is known.
func (s *Service) PasskeysOn() bool {
	_, err := s.relyingParty()
	return err == nil
}

// credentials returns the passkeys of userID as stored and as the library
// reads them.
func (s *Service) credentials(ctx context.Context, userID int64) ([]store.Passkey, []webauthn.Credential, error) {
	list, err := s.db.ListPasskeys(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	creds := make([]webauthn.Credential, 0, len(list))
	for _, p := range list {
		var c webauthn.Credential
		if err := json.Unmarshal([]byte(p.Record), &c); err != nil {
			return nil, nil, fmt.Errorf("auth: read passkey of user %d: %w", userID, err)
		}
		// The counter row is the truth (UsePasskey), the record a copy.
		c.Authenticator.SignCount = p.SignCount
		creds = append(creds, c)
	}
	return list, creds, nil
}

// Passkeys returns the passkeys of userID, the oldest first.
func (s *Service) Passkeys(ctx context.Context, userID int64) ([]store.Passkey, error) {
	return s.db.ListPasskeys(ctx, userID)
}

// saveChallenge keeps the session of a ceremony begun, and returns the
// handle the browser sends back with its answer.
func (s *Service) saveChallenge(ctx context.Context, kind string, userID int64, session *webauthn.SessionData) (string, error) {
	b, err := json.Marshal(session)
	if err != nil {
		return "", fmt.Errorf("auth: encode webauthn session: %w", err)
	}
	handle := RandomSecret(32)
	err = s.db.SaveWebAuthnChallenge(ctx, store.WebAuthnChallenge{IDHash: hashSecret(handle), Kind: kind, UserID: userID,
		Session: string(b), ExpiresAt: s.now().Add(ChallengeTTL)})
	if err != nil {
		return "", err
	}
	return handle, nil
}

// takeChallenge spends the challenge of handle: whatever the answer, it is
// not accepted twice.
func (s *Service) takeChallenge(ctx context.Context, kind, handle string) (store.WebAuthnChallenge, webauthn.SessionData, error) {
	var session webauthn.SessionData
	if handle == "" || len(handle) > 128 {
		return store.WebAuthnChallenge{}, session, ErrChallengeExpired
	}
	c, err := s.db.TakeWebAuthnChallenge(ctx, hashSecret(handle), kind)
	if errors.Is(err, store.ErrNotFound) {
		return c, session, ErrChallengeExpired
	}
	if err != nil {
		return c, session, err
	}
	if err := json.Unmarshal([]byte(c.Session), &session); err != nil {
		return c, session, fmt.Errorf("auth: read webauthn session: %w", err)
	}
	return c, session, nil
}

// BeginPasskeyRegistration starts registering a passkey for u. It returns
// the handle of the challenge and the options for
// navigator.credentials.create. The passkey is discoverable, so that it
// can sign in alone, and the user's other passkeys are excluded.
func (s *Service) BeginPasskeyRegistration(ctx context.Context, u account.User) (string, *protocol.CredentialCreation, error) {
	wa, err := s.relyingParty()
	if err != nil {
		return "", nil, err
	}
	_, creds, err := s.credentials(ctx, u.ID)
	if err != nil {
		return "", nil, err
	}
	user := waUser{u: u, creds: creds}
	opts, session, err := wa.BeginRegistration(user,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithExclusions(webauthn.Credentials(creds).CredentialDescriptors()),
		webauthn.WithConveyancePreference(protocol.PreferNoAttestation))
	if err != nil {
		return "", nil, fmt.Errorf("auth: begin passkey registration of user %d: %w", u.ID, err)
	}
	handle, err := s.saveChallenge(ctx, ceremonyRegister, u.ID, session)
	if err != nil {
		return "", nil, err
	}
	return handle, opts, nil
}

// NormalizePasskeyName trims name and checks its length.
func NormalizePasskeyName(name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxPasskeyName {
		return "", ErrPasskeyName
	}
	return name, nil
}

// FinishPasskeyRegistration checks the browser's answer (body, a
// PublicKeyCredential in JSON) to the challenge of handle, and stores the
// new passkey of u under name. The registration is audited.
func (s *Service) FinishPasskeyRegistration(ctx context.Context, u account.User, handle, name string, body []byte) (store.Passkey, error) {
	name, err := NormalizePasskeyName(name)
	if err != nil {
		return store.Passkey{}, err
	}
	wa, err := s.relyingParty()
	if err != nil {
		return store.Passkey{}, err
	}
	c, session, err := s.takeChallenge(ctx, ceremonyRegister, handle)
	if err != nil {
		return store.Passkey{}, err
	}
	if c.UserID != u.ID {
		// Another user's challenge: as good as none.
		return store.Passkey{}, ErrChallengeExpired
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(body)
	if err != nil {
		return store.Passkey{}, fmt.Errorf("%w: %w", ErrPasskeyInvalid, err)
	}
	_, creds, err := s.credentials(ctx, u.ID)
	if err != nil {
		return store.Passkey{}, err
	}
	cred, err := wa.CreateCredential(waUser{u: u, creds: creds}, session, parsed)
	if err != nil {
		return store.Passkey{}, fmt.Errorf("%w: %w", ErrPasskeyInvalid, err)
	}
	record, err := json.Marshal(cred)
	if err != nil {
		return store.Passkey{}, fmt.Errorf("auth: encode passkey: %w", err)
	}
	p := store.Passkey{ID: cred.ID, UserID: u.ID, Name: name, Record: string(record), SignCount: cred.Authenticator.SignCount}
	if err := s.db.CreatePasskey(ctx, p); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return store.Passkey{}, ErrPasskeyExists
		}
		return store.Passkey{}, err
	}
	if err := s.db.DeleteSetting(ctx, NoticeKey(u.ID)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Passkey{}, err
	}
	if err := s.auditAs(ctx, u, "passkey.register", map[string]any{"username": u.Username, "name": name}); err != nil {
		return store.Passkey{}, err
	}
	return p, nil
}

// RemovePasskey removes the passkey id of u (ErrPasskeyNotFound when u has
// none such), and audits it.
func (s *Service) RemovePasskey(ctx context.Context, u account.User, id []byte) error {
	list, err := s.db.ListPasskeys(ctx, u.ID)
	if err != nil {
		return err
	}
	name := ""
	for _, p := range list {
		if bytes.Equal(p.ID, id) {
			name = p.Name
		}
	}
	ok, err := s.db.DeletePasskey(ctx, u.ID, id)
	if err != nil {
		return err
	}
	if !ok {
		return ErrPasskeyNotFound
	}
	return s.auditAs(ctx, u, "passkey.remove", map[string]any{"username": u.Username, "name": name})
}

// BeginPasskeySignIn starts a sign-in with a passkey alone: the browser
// offers the passkeys it holds for Chancery, and the user is known from
// the answer. User verification (a PIN or a biometric) is required, so
// that the passkey is two factors in one.
func (s *Service) BeginPasskeySignIn(ctx context.Context) (string, *protocol.CredentialAssertion, error) {
	wa, err := s.relyingParty()
	if err != nil {
		return "", nil, err
	}
	opts, session, err := wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return "", nil, fmt.Errorf("auth: begin passkey sign-in: %w", err)
	}
	handle, err := s.saveChallenge(ctx, ceremonySignIn, 0, session)
	if err != nil {
		return "", nil, err
	}
	return handle, opts, nil
}

// BeginPasskeySecondStep starts the second step of the pending sign-in of
// pendingSecret with one of its user's passkeys.
func (s *Service) BeginPasskeySecondStep(ctx context.Context, pendingSecret string) (string, *protocol.CredentialAssertion, error) {
	wa, err := s.relyingParty()
	if err != nil {
		return "", nil, err
	}
	u, err := s.PendingUser(ctx, pendingSecret)
	if err != nil {
		return "", nil, err
	}
	_, creds, err := s.credentials(ctx, u.ID)
	if err != nil {
		return "", nil, err
	}
	if len(creds) == 0 {
		return "", nil, ErrPasskeyUnknown
	}
	opts, session, err := wa.BeginLogin(waUser{u: u, creds: creds}, webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return "", nil, fmt.Errorf("auth: begin passkey second step of user %d: %w", u.ID, err)
	}
	handle, err := s.saveChallenge(ctx, ceremonySecondFactor, u.ID, session)
	if err != nil {
		return "", nil, err
	}
	return handle, opts, nil
}

// FinishPasskeySignIn checks the answer (body) to the sign-in challenge of
// handle and opens a session for the passkey's owner. Every answer counts
// in the sign-in throttle like a password, and a right one is withdrawn;
// an answer from another origin, for a passkey not registered, or whose
// sign counter went back is refused and audited.
func (s *Service) FinishPasskeySignIn(ctx context.Context, handle string, body []byte, ip, userAgent string) (string, account.User, error) {
	_, session, err := s.takeChallenge(ctx, ceremonySignIn, handle)
	if err != nil {
		return "", account.User{}, err
	}
	u, err := s.assert(ctx, session, nil, body, ip)
	if err != nil {
		return "", account.User{}, err
	}
	secret, err := s.openSession(ctx, u, ip, userAgent, "passkey")
	if err != nil {
		return "", account.User{}, err
	}
	return secret, u, nil
}

// CompletePasskeySignIn finishes the pending sign-in of pendingSecret with
// the answer (body) to the challenge of handle, as CompleteSignIn does
// with a code: a wrong answer counts against the pending sign-in, which is
// dropped after maxCodeFailures.
func (s *Service) CompletePasskeySignIn(ctx context.Context, pendingSecret, handle string, body []byte, ip, userAgent string) (string, account.User, error) {
	idHash := hashSecret(pendingSecret)
	p, u, err := s.db.GetPendingSignIn(ctx, idHash)
	if errors.Is(err, store.ErrNotFound) {
		return "", account.User{}, ErrPendingExpired
	}
	if err != nil {
		return "", account.User{}, err
	}
	c, session, err := s.takeChallenge(ctx, ceremonySecondFactor, handle)
	if err != nil {
		return "", account.User{}, err
	}
	if c.UserID != u.ID {
		return "", account.User{}, ErrChallengeExpired
	}
	if _, err := s.assert(ctx, session, &u, body, ip); err != nil {
		var te *ThrottledError
		if errors.As(err, &te) || !isPasskeyFailure(err) {
			return "", account.User{}, err
		}
		if ferr := s.failPending(ctx, idHash); ferr != nil {
			return "", account.User{}, ferr
		}
		return "", account.User{}, err
	}
	if err := s.finishPending(ctx, p.IDHash); err != nil {
		return "", account.User{}, err
	}
	secret, err := s.openSession(ctx, u, ip, userAgent, "passkey (second factor)")
	if err != nil {
		return "", account.User{}, err
	}
	return secret, u, nil
}

func isPasskeyFailure(err error) bool {
	return errors.Is(err, ErrPasskeyInvalid) || errors.Is(err, ErrPasskeyUnknown) || errors.Is(err, ErrPasskeyCounter)
}

// assert checks an assertion (body) against session, for the user of a
// pending sign-in or, when pending is nil, for the passkey's owner, and
// records the new sign counter. The attempt is reserved in the throttle
// first, like a password's, and stays as a failure unless the assertion
// is right.
func (s *Service) assert(ctx context.Context, session webauthn.SessionData, pending *account.User, body []byte, ip string) (account.User, error) {
	wa, err := s.relyingParty()
	if err != nil {
		return account.User{}, err
	}
	ipKey, attempt := "addr:"+ip, RandomSecret(16)
	if err := s.db.ReserveLoginAttempt(ctx, ipKey, attempt); err != nil {
		return account.User{}, err
	}
	fail := func(username, reason string, err error) (account.User, error) {
		if username != "" {
			if aerr := s.auditSlowDown(ctx, username, ip, accountKey(username)); aerr != nil {
				return account.User{}, aerr
			}
		}
		if aerr := s.audit(ctx, "signin.fail", map[string]any{"username": username, "address": ip, "reason": reason}); aerr != nil {
			return account.User{}, aerr
		}
		return account.User{}, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(body)
	if err != nil {
		return fail("", "passkey malformed", fmt.Errorf("%w: %w", ErrPasskeyInvalid, err))
	}
	pk, err := s.db.GetPasskey(ctx, parsed.RawID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && pending != nil && pk.UserID != pending.ID) {
		username := ""
		if pending != nil {
			username = pending.Username
		}
		return fail(username, "passkey not registered", ErrPasskeyUnknown)
	}
	if err != nil {
		return account.User{}, err
	}
	var u account.User
	if pending != nil {
		u = *pending
	} else if u, err = s.db.GetUser(ctx, pk.UserID); err != nil {
		return account.User{}, err
	}
	acctKey := accountKey(u.Username)
	if err := s.db.ReserveLoginAttempt(ctx, acctKey, attempt); err != nil {
		return account.User{}, err
	}
	if err := s.checkThrottle(ctx, u.Username, ip, acctKey, ipKey, attempt); err != nil {
		if derr := s.db.DropLoginAttempt(ctx, acctKey, attempt); derr != nil {
			return account.User{}, derr
		}
		return account.User{}, err
	}
	if u.Disabled {
		return fail(u.Username, "disabled", ErrDisabled)
	}
	_, creds, err := s.credentials(ctx, u.ID)
	if err != nil {
		return account.User{}, err
	}
	user := waUser{u: u, creds: creds}
	var cred *webauthn.Credential
	if pending != nil {
		cred, err = wa.ValidateLogin(user, session, parsed)
	} else {
		cred, err = wa.ValidateDiscoverableLogin(func(_, handle []byte) (webauthn.User, error) {
			if !bytes.Equal(handle, user.WebAuthnID()) {
				return nil, ErrPasskeyUnknown
			}
			return user, nil
		}, session, parsed)
	}
	if err != nil {
		return fail(u.Username, "passkey refused", fmt.Errorf("%w: %w", ErrPasskeyInvalid, err))
	}
	if cred.Authenticator.CloneWarning {
		return fail(u.Username, "passkey sign counter went back", ErrPasskeyCounter)
	}
	record, err := json.Marshal(cred)
	if err != nil {
		return account.User{}, fmt.Errorf("auth: encode passkey: %w", err)
	}
	ok, err := s.db.UsePasskey(ctx, cred.ID, cred.Authenticator.SignCount, string(record))
	if err != nil {
		return account.User{}, err
	}
	if !ok {
		// A concurrent sign-in spent this counter value first.
		return fail(u.Username, "passkey sign counter went back", ErrPasskeyCounter)
	}
	if err := s.db.ClearLoginFailures(ctx, acctKey); err != nil {
		return account.User{}, err
	}
	if err := s.db.DropLoginAttempt(ctx, ipKey, attempt); err != nil {
		return account.User{}, err
	}
	return u, nil
}
