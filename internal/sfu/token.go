package sfu

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Errors of join tokens. Every one is a refusal; the client is told which.
var (
	// ErrTokenMalformed is a token that does not parse.
	ErrTokenMalformed = errors.New("sfu: malformed join token")
	// ErrTokenForged is a token whose signature does not match.
	ErrTokenForged = errors.New("sfu: join token signature does not match")
	// ErrTokenExpired is a token past its expiry time.
	ErrTokenExpired = errors.New("sfu: join token expired")
	// ErrTokenNotYetValid is a token used before its "nbf" time.
	ErrTokenNotYetValid = errors.New("sfu: join token not valid yet")
)

// Role is what a participant is in the room. It decides the default
// permissions and whether the participant waits in the lobby.
type Role string

// The roles of a conference room.
const (
	RoleChair       Role = "chair"       // presides; moderates
	RoleProtocol    Role = "protocol"    // protocol officer: admits from the lobby, moderates
	RoleDelegate    Role = "delegate"    // member of a delegation
	RoleInterpreter Role = "interpreter" // speaks into a language channel
	RoleObserver    Role = "observer"    // listens and chats
)

// Roles lists the roles in a stable order, for forms and validation.
var Roles = []Role{RoleChair, RoleProtocol, RoleDelegate, RoleInterpreter, RoleObserver}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Permissions are what a participant may do. The server checks them on every
// action and may change them at any time (floor control, for example, grants
// and revokes the microphone).
type Permissions struct {
	PublishCamera     bool `json:"camera"`
	PublishMicrophone bool `json:"microphone"`
	PublishScreen     bool `json:"screen"`
	Subscribe         bool `json:"subscribe"`
	Chat              bool `json:"chat"`
	Moderate          bool `json:"moderate"`
}

// DefaultPermissions returns the permissions a role has unless its token says
// otherwise.
func DefaultPermissions(r Role) Permissions {
	switch r {
	case RoleChair, RoleProtocol:
		return Permissions{true, true, true, true, true, true}
	case RoleDelegate:
		return Permissions{PublishCamera: true, PublishMicrophone: true, PublishScreen: true, Subscribe: true, Chat: true}
	case RoleInterpreter:
		return Permissions{PublishMicrophone: true, Subscribe: true, Chat: true}
	default:
		return Permissions{Subscribe: true, Chat: true}
	}
}

// CanPublish reports whether p allows publishing a track of source s.
func (p Permissions) CanPublish(s Source) bool {
	switch s {
	case SourceCamera:
		return p.PublishCamera
	case SourceMicrophone, SourceInterpretation:
		return p.PublishMicrophone
	case SourceScreen:
		return p.PublishScreen
	}
	return false
}

// Claims are the contents of a join token.
type Claims struct {
	// ID names the token (JWT's "jti"), so that it can be revoked before
	// it expires. The rejoin tokens the server hands a session carry the
	// ID of the token that opened it: revoking that token revokes them
	// too, and a session may replace its own stale predecessor.
	ID         string `json:"jti"`
	Room       string `json:"room"`
	Identity   string `json:"sub"`
	Name       string `json:"name"`
	Delegation string `json:"del,omitempty"`
	// Head marks the head of a delegation: the member who answers the
	// roll call and votes for it, or designates who does.
	Head bool `json:"head,omitempty"`
	Role Role `json:"role"`
	// Booth is the language booth an interpreter works in (interp.go);
	// only interpreters have one.
	Booth       string      `json:"booth,omitempty"`
	Permissions Permissions `json:"perm"`
	IssuedAt    int64       `json:"iat"`
	// NotBefore is when the token starts to open the room (JWT's "nbf",
	// Unix seconds); 0: at once.
	NotBefore int64 `json:"nbf,omitempty"`
	ExpiresAt int64 `json:"exp"`
}

// Validate checks the claims a signer is asked to sign.
func (c Claims) Validate() error {
	var errs []error
	if c.ID == "" || len(c.ID) > 64 || !utf8.ValidString(c.ID) {
		errs = append(errs, errors.New("sfu: token ID must be 1 to 64 characters"))
	}
	if !validSlug(c.Room) {
		errs = append(errs, fmt.Errorf("sfu: room %q is not a room slug", c.Room))
	}
	if c.Identity == "" || len(c.Identity) > 128 || !utf8.ValidString(c.Identity) {
		errs = append(errs, errors.New("sfu: identity must be 1 to 128 characters"))
	}
	if strings.TrimSpace(c.Name) == "" || utf8.RuneCountInString(c.Name) > 100 || !utf8.ValidString(c.Name) {
		errs = append(errs, errors.New("sfu: name must be 1 to 100 characters"))
	}
	if utf8.RuneCountInString(c.Delegation) > 100 || !utf8.ValidString(c.Delegation) {
		errs = append(errs, errors.New("sfu: delegation must be at most 100 characters"))
	}
	if !c.Role.Valid() {
		errs = append(errs, fmt.Errorf("sfu: unknown role %q", c.Role))
	}
	if c.Booth != "" && (c.Role != RoleInterpreter || !validLanguage(c.Booth)) {
		errs = append(errs, fmt.Errorf("sfu: booth %q: only an interpreter has a booth, named by a language tag", c.Booth))
	}
	if c.ExpiresAt <= c.IssuedAt {
		errs = append(errs, errors.New("sfu: token must expire after it is issued"))
	}
	if c.NotBefore < 0 || (c.NotBefore != 0 && c.ExpiresAt <= c.NotBefore) {
		errs = append(errs, errors.New("sfu: token must expire after it becomes valid"))
	}
	return errors.Join(errs...)
}

func validSlug(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// Signer signs and verifies join tokens with HMAC-SHA256 (RFC 2104). A token
// is base64url(JSON claims) "." base64url(MAC).
type Signer struct {
	key []byte
	now func() time.Time
}

// MinKeyLen is the shortest token key accepted, in bytes.
const MinKeyLen = 32

// NewSigner returns a signer using key, which must be at least MinKeyLen
// bytes. now gives the time tokens are checked against (nil: time.Now).
func NewSigner(key []byte, now func() time.Time) (*Signer, error) {
	if len(key) < MinKeyLen {
		return nil, fmt.Errorf("sfu: token key must be at least %d bytes, got %d", MinKeyLen, len(key))
	}
	if now == nil {
		now = time.Now
	}
	return &Signer{key: append([]byte(nil), key...), now: now}, nil
}

// NewTokenID returns a fresh random token ID.
func NewTokenID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Issue signs claims for ttl from now. IssuedAt and ExpiresAt are set
// here, and the ID when it is empty.
func (s *Signer) Issue(c Claims, ttl time.Duration) (string, error) {
	return s.IssueWindow(c, time.Time{}, s.now().Add(ttl))
}

// IssueWindow signs claims valid from notBefore (zero or past: at once)
// until expires. IssuedAt, NotBefore and ExpiresAt are set here, and the ID
// when it is empty.
func (s *Signer) IssueWindow(c Claims, notBefore, expires time.Time) (string, error) {
	now := s.now()
	if c.ID == "" {
		c.ID = NewTokenID()
	}
	c.IssuedAt = now.Unix()
	c.NotBefore = 0
	if notBefore.After(now) {
		c.NotBefore = notBefore.Unix()
	}
	c.ExpiresAt = expires.Unix()
	if err := c.Validate(); err != nil {
		return "", err
	}
	body, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("sfu: encode claims: %w", err)
	}
	p := base64.RawURLEncoding.EncodeToString(body)
	return p + "." + base64.RawURLEncoding.EncodeToString(s.mac(p)), nil
}

func (s *Signer) mac(payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// maxTokenLen bounds the token accepted, well above any real one.
const maxTokenLen = 4096

// Verify checks the signature and validity window of token and returns
// its claims.
func (s *Signer) Verify(token string) (Claims, error) {
	c, err := s.Inspect(token)
	if err != nil {
		return Claims{}, err
	}
	now := s.now().Unix()
	if now >= c.ExpiresAt {
		return Claims{}, ErrTokenExpired
	}
	if now < c.NotBefore {
		return Claims{}, ErrTokenNotYetValid
	}
	return c, nil
}

// Inspect checks the signature and the claims of token, but not its
// validity window, and returns its claims: what staff read of a token they
// just issued to start later.
func (s *Signer) Inspect(token string) (Claims, error) {
	if len(token) > maxTokenLen {
		return Claims{}, ErrTokenMalformed
	}
	p, sig, ok := strings.Cut(token, ".")
	if !ok {
		return Claims{}, ErrTokenMalformed
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return Claims{}, ErrTokenMalformed
	}
	if !hmac.Equal(got, s.mac(p)) {
		return Claims{}, ErrTokenForged
	}
	body, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return Claims{}, ErrTokenMalformed
	}
	var c Claims
	if err := json.Unmarshal(body, &c); err != nil {
		return Claims{}, ErrTokenMalformed
	}
	if err := c.Validate(); err != nil {
		return Claims{}, fmt.Errorf("%w: %w", ErrTokenMalformed, err)
	}
	return c, nil
}
