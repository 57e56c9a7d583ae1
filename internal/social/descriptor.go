package social

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Descriptor is everything Chancery needs to know of a network outside the
// network's own package: where its API is, what the connect form asks for,
// how to build a client, its OAuth flow if any, its limits and what a
// recall can do there. Each package under internal/social/ exports one
// (x.Descriptor, mastodon.Descriptor, …), cmd/server lists them, and the
// connect pages, the publishing service and the watcher read them instead
// of switching on the network. Adding a network is a new package and one
// line in that list (plus its messages in the locale files).
type Descriptor struct {
	Network Network
	// API is the network's default API base URL. Official says whether it
	// is the network's one API (X, Facebook, Telegram, LinkedIn), where a
	// channel's credentials may go only there or to a server the
	// configuration names; otherwise accounts live on servers of their
	// own (a Bluesky PDS, a Mastodon instance) and any public server will
	// do. NeedsBaseURL: a channel must name its server (Mastodon).
	API          string
	Official     bool
	NeedsBaseURL bool
	// Fields are the inputs of the token or app-password form: the members
	// of the network's secret JSON.
	Fields []CredentialField
	// Validate explains, in an English sentence, what is wrong with a
	// secret (JSON of Fields, or of an OAuth grant) before it is sent.
	Validate func(secret []byte) error
	// Merge, when set, combines a fresh secret with the stored one on
	// reconnect (a refresh token must survive a grant that carries none);
	// nil means the fresh secret replaces the stored one whole.
	Merge func(current, fresh []byte) ([]byte, error)
	// New builds the channel's client.
	New func(ClientParams) (Publisher, error)
	// OAuth is the redirect flow of the connect button, nil when the
	// network has none.
	OAuth *OAuth
	// Limits are the network's limits for a channel without its own
	// (ClientParams.MaxLength 0): what New's client answers from Limits.
	Limits Limits
	// Recall says what the network allows when a statement is recalled or
	// corrected.
	Recall RecallAbility
	// Watched is true when the account's timeline can be read back
	// (Recent), so that out-of-band posts can be detected; a Telegram bot
	// cannot read its channel's history.
	Watched bool
}

// CredentialField is one input of a network's connect form. Name is the
// member of the network's secret JSON it fills; Label its message key.
type CredentialField struct {
	Name     string
	Label    string
	Secret   bool // a password input, never filled back
	Optional bool
}

// App is Chancery's own registration with a network (OAuth client ID and
// secret), empty when not configured.
type App struct {
	ClientID, ClientSecret string
}

// ClientParams are what every network's client is built from.
type ClientParams struct {
	// BaseURL is the channel's server, "" for Descriptor.API.
	BaseURL     string
	Credentials Credentials
	// HTTP is the outbound client (internal/outbound).
	HTTP *http.Client
	Now  func() time.Time
	// MaxLength is the channel's own text limit, 0 for the network's.
	MaxLength int
	// App is Chancery's app with the network, to renew tokens.
	App App
}

// OAuth is a network's connect-by-redirect flow.
type OAuth struct {
	// NeedsOrganization is true when the officer names, before leaving,
	// the page or organisation to post as (LinkedIn).
	NeedsOrganization bool
	// New returns the flow of Chancery's app for a channel.
	New func(OAuthParams) OAuthFlow
}

// OAuthParams configure an OAuthFlow.
type OAuthParams struct {
	App         App
	RedirectURL string
	// BaseURL is the channel's server when it is not the network's own
	// API (a test or demo server the configuration allows), else "": the
	// consent page and token endpoint are then that server's.
	BaseURL string
	HTTP    *http.Client
	Now     func() time.Time
}

// OAuthFlow sends an officer to a network's consent page and turns the
// code it sends back into the network's secret.
type OAuthFlow interface {
	// AuthCodeURL returns the consent page's address for state, and a
	// verifier (PKCE) to keep server-side until Exchange, "" if none.
	AuthCodeURL(state string) (url, verifier string, err error)
	// Exchange redeems code, with the verifier of AuthCodeURL and the
	// organisation the officer named (OAuth.NeedsOrganization), into the
	// secret JSON.
	Exchange(ctx context.Context, code, verifier, organization string) ([]byte, error)
}

// RecallAbility is what a network allows when a statement is recalled or
// corrected (../shared/reference/social-apis.md).
type RecallAbility struct {
	// EditInPlace is true when the network itself can edit a published
	// post. Chancery still corrects by deleting and posting the corrected
	// version, so that the correction goes through clearance like any
	// statement and both versions stay on record.
	EditInPlace bool
	// NoteKey is the message key of the network's limits, for the recall
	// page.
	NoteKey string
}

// BaseOr returns base, or def when base is empty.
func BaseOr(base, def string) string {
	if base != "" {
		return base
	}
	return def
}

// Catalog is the networks Chancery publishes to, in display order.
type Catalog []Descriptor

// Lookup returns the descriptor of n.
func (c Catalog) Lookup(n Network) (Descriptor, bool) {
	for _, d := range c {
		if d.Network == n {
			return d, true
		}
	}
	return Descriptor{}, false
}

// Networks returns the catalogue's networks, in order.
func (c Catalog) Networks() []Network {
	out := make([]Network, len(c))
	for i, d := range c {
		out[i] = d.Network
	}
	return out
}

// Check returns an error naming the first descriptor that lacks what
// every network must have, or appears twice.
func (c Catalog) Check() error {
	seen := map[Network]bool{}
	for _, d := range c {
		switch {
		case d.Network == "":
			return errors.New("social: a descriptor has no network")
		case seen[d.Network]:
			return fmt.Errorf("social: network %q is listed twice", d.Network)
		case d.Network != Portal && (d.New == nil || d.Validate == nil || len(d.Fields) == 0):
			return fmt.Errorf("social: network %q has no client, secret check or connect form", d.Network)
		case d.Recall.NoteKey == "":
			return fmt.Errorf("social: network %q says nothing of recalls", d.Network)
		}
		seen[d.Network] = true
	}
	return nil
}

// ValidateSecret returns a Descriptor.Validate for the secret type S, whose
// Validate explains what is wrong.
func ValidateSecret[S interface{ Validate() error }]() func([]byte) error {
	return func(b []byte) error {
		var s S
		if err := json.Unmarshal(b, &s); err != nil {
			return errors.New("the credentials are not readable")
		}
		return s.Validate()
	}
}

// MergeJSON merges two JSON objects: every member of fresh replaces the
// same member of current, except an empty one (null, "", 0, false, [] or {}),
// which never wipes a value current holds. Members only current has are
// kept. current may be nil.
func MergeJSON(current, fresh []byte) ([]byte, error) {
	var f map[string]json.RawMessage
	if err := json.Unmarshal(fresh, &f); err != nil || f == nil {
		return nil, errors.New("secrets: the new credentials are not a JSON object")
	}
	out := map[string]json.RawMessage{}
	if len(current) > 0 {
		if err := json.Unmarshal(current, &out); err != nil || out == nil {
			// An unreadable old secret cannot be merged; the new one wins.
			out = map[string]json.RawMessage{}
		}
	}
	for k, v := range f {
		if _, had := out[k]; had && isEmptyJSON(v) {
			continue
		}
		out[k] = v
	}
	return json.Marshal(out)
}

func isEmptyJSON(v json.RawMessage) bool {
	switch string(bytes.TrimSpace(v)) {
	case "null", `""`, "0", "false", "[]", "{}", `"0001-01-01T00:00:00Z"`:
		return true
	}
	return false
}
