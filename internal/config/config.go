// Package config owns Chancery's one typed configuration: its defaults, how
// flags and CHANCERY_* environment variables fill it, and its validation.
//
// It must not import any other Chancery package: main parses the
// configuration once and passes the parts down.
package config

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time-zone must validate in minimal containers
)

// Config is the whole configuration of a Chancery server.
type Config struct {
	HTTP       HTTP
	Storage    Storage
	Log        Log
	Web        Web
	Auth       Auth
	OIDC       OIDC // single sign-on
	Secrets    Secrets
	Signing    Signing
	Watch      Watch // out-of-band post detection
	Connect    Connect
	Publish    Publish
	Audit      Audit // signed checkpoints of the publishing audit log
	Conference Conference
	Mail       Mail
	Demo       bool   // load the living demo at start
	DebugAddr  string // pprof and /metrics listener; empty means off
	Metrics    Metrics
}

// Mail is the SMTP server e-mail goes through.
type Mail struct {
	// SMTPURL is smtp://user:pass@host:port?from=address (STARTTLS when
	// offered) or smtps://… (implicit TLS); empty sends no e-mail.
	SMTPURL string
}

// Validate checks the SMTP URL's form; the mail package reads it.
func (m Mail) Validate() error {
	if m.SMTPURL == "" {
		return nil
	}
	u, err := url.Parse(m.SMTPURL)
	if err != nil {
		return errors.New("config: smtp-url is not a URL (smtp://user:pass@host:port?from=address)")
	}
	if u.Scheme != "smtp" && u.Scheme != "smtps" {
		return fmt.Errorf("config: smtp-url must start with smtp:// or smtps://, got %q", u.Scheme)
	}
	if u.Hostname() == "" {
		return errors.New("config: smtp-url names no host")
	}
	if _, err := mail.ParseAddress(u.Query().Get("from")); err != nil {
		return errors.New("config: smtp-url needs ?from= with the sender's address (smtp://host:587?from=chancery@example.org)")
	}
	return nil
}

// String hides the SMTP password, so that printing or logging a Config
// never shows it.
func (m Mail) String() string {
	u, err := url.Parse(m.SMTPURL)
	if err != nil || u.User == nil {
		if err != nil {
			return "{SMTPURL:[redacted]}"
		}
		return "{SMTPURL:" + m.SMTPURL + "}"
	}
	u.User = url.User(u.User.Username())
	return "{SMTPURL:" + u.String() + " (password redacted)}"
}

// GoString hides the password from %#v as well.
func (m Mail) GoString() string { return "config.Mail" + m.String() }

// LogValue hides the password from slog.
func (m Mail) LogValue() slog.Value { return slog.StringValue(m.String()) }

// Metrics says who may read /metrics on the public listener.
type Metrics struct {
	// Token, when set, is the bearer token a scraper must send for
	// /metrics on the public listener. Without it, /metrics is served on
	// the debug listener only.
	Token string
}

// minMetricsToken is the shortest metrics token accepted.
const minMetricsToken = 24

// Validate checks the token's length.
func (m Metrics) Validate() error {
	if m.Token != "" && len(m.Token) < minMetricsToken {
		return fmt.Errorf("config: metrics-token must be at least %d characters (generate one with: head -c 24 /dev/urandom | base64)", minMetricsToken)
	}
	return nil
}

// String hides the token, so that printing or logging a Config never
// shows it.
func (m Metrics) String() string {
	if m.Token == "" {
		return "{Token:}"
	}
	return "{Token:[redacted]}"
}

// GoString hides the token from %#v as well.
func (m Metrics) GoString() string { return "config.Metrics" + m.String() }

// LogValue hides the token from slog.
func (m Metrics) LogValue() slog.Value { return slog.StringValue(m.String()) }

// HTTP configures the public listener.
type HTTP struct {
	Addr              string
	TLSCert, TLSKey   string
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	ShutdownTimeout   time.Duration
	MaxBodyBytes      int64
	// MaxUploadBytes bounds the body of a staff form that uploads images
	// (multipart, under /press/ and /admin/); every other request gets
	// MaxBodyBytes.
	MaxUploadBytes int64
	TrustProxy     bool // take the client address from X-Forwarded-For
}

// Storage selects and configures the database.
type Storage struct {
	DataDir     string // embedded store and generated keys live here
	DatabaseURL string // postgres://… switches to PostgreSQL
}

// Log configures structured logging.
type Log struct {
	Format string // text or json
	Level  string // debug, info, warn or error
}

// Web configures the pages.
type Web struct {
	DefaultLang string
	// TimeZone is the IANA zone the portal shows dates and reads issue
	// times in.
	TimeZone string
	// PublicURL is the scheme and host readers use (https://mofa.gov.vn):
	// signed statements carry it. Empty takes the host of the request
	// that publishes.
	PublicURL string
}

// Auth configures sign-in and sessions.
type Auth struct {
	SessionTTL      time.Duration
	InsecureCookies bool // drop the Secure flag; only for plain-HTTP development on a LAN
	// Require2FARoles is the comma-separated list of roles whose holders
	// must sign in with a second factor; empty requires it of nobody.
	Require2FARoles string
}

// SecondFactorRoles returns the roles of Require2FARoles, trimmed, without
// empty entries.
func (a Auth) SecondFactorRoles() []string {
	var out []string
	for _, r := range strings.Split(a.Require2FARoles, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out
}

// Secrets says where the key that encrypts credentials at rest comes from
// (internal/secrets).
type Secrets struct {
	// Key is the base64 AES-256 key. Prefer the environment variable to the
	// flag, which other users of the machine can read in the process list.
	Key string
	// KeyFile holds the base64 key when Key is empty. Empty means
	// secret.key in the data directory, created on first run, which suits
	// the embedded single-instance setup only.
	KeyFile string
	// Previous are comma-separated base64 keys that only decrypt, while
	// credentials are re-encrypted under a new key.
	Previous string
}

// Signing configures the ministry's statement-signing key.
type Signing struct {
	// KeyFile is the Ed25519 private key (PKCS#8 PEM). Empty means
	// <data>/signing-key.pem, generated on the first start.
	KeyFile string
}

// Publish configures the publishing scheduler.
type Publish struct {
	Grace     time.Duration // how late a publication may still go out on its own after downtime
	Lease     time.Duration // how long an instance holds a publication it works on
	Workers   int64         // publications published at once per instance
	Sensitive string        // comma-separated categories that need two approvers
	// ExtraAPIs are comma-separated API base URLs that channels of X,
	// Facebook, Telegram and LinkedIn may use besides the networks' own.
	// They are also the only loopback, private or reserved addresses any
	// channel may reach (internal/outbound), each at its host and port.
	ExtraAPIs string
}

// ExtraAPIList splits ExtraAPIs, without trailing slashes.
func (p Publish) ExtraAPIList() []string {
	var out []string
	for u := range strings.SplitSeq(p.ExtraAPIs, ",") {
		if u = strings.TrimSuffix(strings.TrimSpace(u), "/"); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// Validate checks the publishing section.
func (p Publish) Validate() error {
	var errs []error
	if p.Grace < 0 || p.Grace > 7*24*time.Hour {
		errs = append(errs, fmt.Errorf("config: publish-grace must be between 0 and 168h, got %s", p.Grace))
	}
	if p.Lease < 5*time.Second || p.Lease > time.Hour {
		errs = append(errs, fmt.Errorf("config: publish-lease must be between 5s and 1h, got %s", p.Lease))
	}
	if p.Workers < 1 || p.Workers > 1024 {
		errs = append(errs, fmt.Errorf("config: publish-workers must be between 1 and 1024, got %d", p.Workers))
	}
	for _, raw := range p.ExtraAPIList() {
		if u, err := url.Parse(raw); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			errs = append(errs, fmt.Errorf("config: extra-api-urls: %q is not an http(s) base URL", raw))
		}
	}
	return errors.Join(errs...)
}

// Audit configures the signed checkpoints of the publishing audit log
// (internal/checkpoint).
type Audit struct {
	// CheckpointInterval is how often the chain's head is signed when it
	// moved; it is also signed after every publication.
	CheckpointInterval time.Duration
	// CheckpointFile is the append-only file checkpoints go to. Empty
	// means audit-checkpoints.log in the data directory.
	CheckpointFile string
	// Syslog, when set, also sends each checkpoint to a syslog server:
	// udp://host:514, tcp://host:514 or unix:///dev/log.
	Syslog string
}

// CheckpointPath is the checkpoint file to use with storage s.
func (a Audit) CheckpointPath(s Storage) string {
	if a.CheckpointFile != "" {
		return a.CheckpointFile
	}
	return filepath.Join(s.DataDir, "audit-checkpoints.log")
}

// Validate checks the audit section.
func (a Audit) Validate() error {
	var errs []error
	if a.CheckpointInterval < 10*time.Second || a.CheckpointInterval > 24*time.Hour {
		errs = append(errs, fmt.Errorf("config: audit-checkpoint-interval must be between 10s and 24h, got %s", a.CheckpointInterval))
	}
	if a.Syslog != "" {
		u, err := url.Parse(a.Syslog)
		ok := err == nil && ((u.Scheme == "udp" || u.Scheme == "tcp") && u.Host != "" && u.Port() != "" && u.Path == "" ||
			(u.Scheme == "unix" || u.Scheme == "unixgram") && u.Host == "" && u.Path != "")
		if !ok {
			errs = append(errs, fmt.Errorf("config: audit-syslog: %q is not udp://host:port, tcp://host:port or unix:///path", a.Syslog))
		}
	}
	return errors.Join(errs...)
}

// Conference configures the conference SFU: its media sockets, the embedded TURN
// server and the join tokens.
type Conference struct {
	UDPAddr    string        // the one UDP port for all media (UDP mux)
	TCPAddr    string        // passive ICE-TCP; empty turns it off
	PublicIPs  string        // comma-separated IPs announced instead of local ones (1:1 NAT)
	Loopback   bool          // announce 127.0.0.1 candidates (tests on one machine)
	TURNUDP    string        // embedded TURN over UDP, e.g. :3478; empty: off
	TURNTLS    string        // embedded TURN over TLS, e.g. :5349; uses tls-cert and tls-key
	TURNHost   string        // host name clients reach TURN at
	TURNRelay  string        // IP the TURN server relays from
	TokenKey   string        // hex HMAC key for join tokens; empty: generated and kept in the database
	TokenTTL   time.Duration // lifetime of join tokens staff issue
	ChatLength int64         // chat messages a late joiner receives
	// RecordingDir holds the rooms' recordings (empty: recordings under
	// the data directory); RecordingMinFreeMB is the free space (MiB)
	// below which a recording stops.
	RecordingDir       string
	RecordingMinFreeMB int64
}

// Default returns the configuration used when nothing is set.
func Default() Config {
	return Config{
		HTTP: HTTP{
			Addr:              "localhost:8080",
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      60 * time.Second,
			IdleTimeout:       120 * time.Second,
			ShutdownTimeout:   15 * time.Second,
			MaxBodyBytes:      1 << 20,
			MaxUploadBytes:    32 << 20,
		},
		Storage:    Storage{DataDir: "./data"},
		Log:        Log{Format: "text", Level: "info"},
		Web:        Web{DefaultLang: "vi", TimeZone: "Asia/Ho_Chi_Minh"},
		Auth:       Auth{SessionTTL: 12 * time.Hour, Require2FARoles: "admin,approver"},
		OIDC:       OIDC{RolesClaim: "groups", TrustedAMR: "mfa,otp,hwk"},
		Watch:      Watch{Interval: 2 * time.Minute},
		Publish:    Publish{Grace: 15 * time.Minute, Lease: 30 * time.Second, Workers: 16, Sensitive: "security,consular-crisis"},
		Audit:      Audit{CheckpointInterval: 5 * time.Minute},
		Conference: Conference{UDPAddr: ":7882", TCPAddr: ":7881", TokenTTL: 2 * time.Hour, ChatLength: 100, RecordingMinFreeMB: 1024},
	}
}

// Setting describes one configurable value: its flag, its environment
// variable and its help text. Settings drive the parser and the README table.
type Setting struct {
	Flag  string
	Env   string
	Usage string
	value flag.Value
}

// settings binds every setting to a field of c.
func settings(c *Config) []Setting {
	return []Setting{
		{"addr", "CHANCERY_ADDR", "address to serve HTTP on", (*stringValue)(&c.HTTP.Addr)},
		{"data", "CHANCERY_DATA", "directory of the embedded SQLite store", (*stringValue)(&c.Storage.DataDir)},
		{"database-url", "CHANCERY_DATABASE_URL", "PostgreSQL URL (postgres://…); empty uses the embedded SQLite store", (*stringValue)(&c.Storage.DatabaseURL)},
		{"demo", "CHANCERY_DEMO", "load demo users, articles and a conference room", (*boolValue)(&c.Demo)},
		{"log-format", "CHANCERY_LOG_FORMAT", "log format: text or json", (*stringValue)(&c.Log.Format)},
		{"log-level", "CHANCERY_LOG_LEVEL", "log level: debug, info, warn or error", (*stringValue)(&c.Log.Level)},
		{"debug-addr", "CHANCERY_DEBUG_ADDR", "private address for pprof and /metrics (e.g. localhost:6060); empty turns it off", (*stringValue)(&c.DebugAddr)},
		{"metrics-token", "CHANCERY_METRICS_TOKEN", "bearer token that opens /metrics on the public address, for a Prometheus that cannot reach -debug-addr (prefer the environment variable); empty: /metrics only on -debug-addr", (*stringValue)(&c.Metrics.Token)},
		{"default-lang", "CHANCERY_DEFAULT_LANG", "language when nothing else decides: vi, en, fr, es, ru, zh or ar", (*stringValue)(&c.Web.DefaultLang)},
		{"public-url", "CHANCERY_PUBLIC_URL", "scheme and host the public reaches this server at (https://mofa.gov.vn): signed statements, links in posts, conference join links, OAuth redirects; empty uses the listen address or the host the request came to", (*stringValue)(&c.Web.PublicURL)},
		{"time-zone", "CHANCERY_TIME_ZONE", "IANA time zone of the dates on the portal", (*stringValue)(&c.Web.TimeZone)},
		{"tls-cert", "CHANCERY_TLS_CERT", "TLS certificate file (PEM); with -tls-key serves HTTPS and sends HSTS", (*stringValue)(&c.HTTP.TLSCert)},
		{"tls-key", "CHANCERY_TLS_KEY", "TLS private key file (PEM)", (*stringValue)(&c.HTTP.TLSKey)},
		{"read-header-timeout", "CHANCERY_READ_HEADER_TIMEOUT", "time allowed to read request headers", (*durationValue)(&c.HTTP.ReadHeaderTimeout)},
		{"read-timeout", "CHANCERY_READ_TIMEOUT", "time allowed to read a whole request", (*durationValue)(&c.HTTP.ReadTimeout)},
		{"write-timeout", "CHANCERY_WRITE_TIMEOUT", "time allowed to write a response", (*durationValue)(&c.HTTP.WriteTimeout)},
		{"idle-timeout", "CHANCERY_IDLE_TIMEOUT", "how long an idle keep-alive connection stays open", (*durationValue)(&c.HTTP.IdleTimeout)},
		{"shutdown-timeout", "CHANCERY_SHUTDOWN_TIMEOUT", "how long shutdown waits for requests to finish", (*durationValue)(&c.HTTP.ShutdownTimeout)},
		{"max-body", "CHANCERY_MAX_BODY", "largest request body accepted, in bytes", (*int64Value)(&c.HTTP.MaxBodyBytes)},
		{"max-upload", "CHANCERY_MAX_UPLOAD", "largest body of a staff form that uploads images (multipart, under /press/ and /admin/), in bytes", (*int64Value)(&c.HTTP.MaxUploadBytes)},
		{"trust-proxy", "CHANCERY_TRUST_PROXY", "take client addresses from X-Forwarded-For (only behind a trusted proxy)", (*boolValue)(&c.HTTP.TrustProxy)},
		{"session-ttl", "CHANCERY_SESSION_TTL", "how long a sign-in lasts without activity", (*durationValue)(&c.Auth.SessionTTL)},
		{"require-2fa-roles", "CHANCERY_REQUIRE_2FA_ROLES", "comma-separated roles whose holders must sign in with a second factor (an authenticator app or a passkey); empty requires it of nobody", (*stringValue)(&c.Auth.Require2FARoles)},
		{"oidc-issuer", "CHANCERY_OIDC_ISSUER", "issuer URL of the OpenID Connect provider for staff single sign-on (https://login.example.gov/realms/mofa); empty turns single sign-on off", (*stringValue)(&c.OIDC.Issuer)},
		{"oidc-client-id", "CHANCERY_OIDC_CLIENT_ID", "client ID of Chancery at the OpenID Connect provider", (*stringValue)(&c.OIDC.ClientID)},
		{"oidc-client-secret", "CHANCERY_OIDC_CLIENT_SECRET", "client secret of Chancery at the OpenID Connect provider (prefer the environment variable or -oidc-client-secret-file)", (*stringValue)(&c.OIDC.ClientSecret)},
		{"oidc-client-secret-file", "CHANCERY_OIDC_CLIENT_SECRET_FILE", "file whose first line is the OpenID Connect client secret", (*stringValue)(&c.OIDC.ClientSecretFile)},
		{"oidc-name", "CHANCERY_OIDC_NAME", "name of the identity provider on the sign-in button; empty uses the issuer's host", (*stringValue)(&c.OIDC.Name)},
		{"oidc-roles-claim", "CHANCERY_OIDC_ROLES_CLAIM", "ID token claim that lists the user's groups", (*stringValue)(&c.OIDC.RolesClaim)},
		{"oidc-role-map", "CHANCERY_OIDC_ROLE_MAP", "comma-separated group=role pairs giving Chancery roles to the provider's groups (mfa-press=press_officer,mfa-clear=approver); each sign-in replaces the account's roles with these", (*stringValue)(&c.OIDC.RoleMap)},
		{"oidc-trusted-amr", "CHANCERY_OIDC_TRUSTED_AMR", "comma-separated amr values of the ID token that show the provider checked a second factor, which Chancery then does not ask again", (*stringValue)(&c.OIDC.TrustedAMR)},
		{"oidc-trusted-acr", "CHANCERY_OIDC_TRUSTED_ACR", "comma-separated acr values that show the same", (*stringValue)(&c.OIDC.TrustedACR)},
		{"oidc-disable-local-passwords", "CHANCERY_OIDC_DISABLE_LOCAL_PASSWORDS", "refuse the password sign-in of accounts that sign in through the provider", (*boolValue)(&c.OIDC.DisableLocalPasswords)},
		{"secret-key", "CHANCERY_SECRET_KEY", "base64 32-byte key encrypting credentials at rest and sealing open secret ballots (prefer the environment variable); wins over -secret-key-file", (*stringValue)(&c.Secrets.Key)},
		{"secret-key-file", "CHANCERY_SECRET_KEY_FILE", "file holding the base64 key; empty means secret.key in the data directory, generated (mode 0600) on first run of the embedded setup", (*stringValue)(&c.Secrets.KeyFile)},
		{"secret-keys-previous", "CHANCERY_SECRET_KEYS_PREVIOUS", "comma-separated base64 keys that only decrypt, during a key rotation", (*stringValue)(&c.Secrets.Previous)},
		{"rtc-udp", "CHANCERY_RTC_UDP", "UDP address all conference media shares (one port, UDP mux)", (*stringValue)(&c.Conference.UDPAddr)},
		{"rtc-tcp", "CHANCERY_RTC_TCP", "TCP address for ICE over TCP; empty turns it off", (*stringValue)(&c.Conference.TCPAddr)},
		{"rtc-public-ips", "CHANCERY_RTC_PUBLIC_IPS", "comma-separated public IPs to announce for media (server behind 1:1 NAT)", (*stringValue)(&c.Conference.PublicIPs)},
		{"rtc-loopback", "CHANCERY_RTC_LOOPBACK", "announce loopback candidates (tests on one machine only)", (*boolValue)(&c.Conference.Loopback)},
		{"turn-udp", "CHANCERY_TURN_UDP", "address of the embedded TURN server over UDP (e.g. :3478); empty turns it off", (*stringValue)(&c.Conference.TURNUDP)},
		{"turn-tls", "CHANCERY_TURN_TLS", "address of the embedded TURN server over TLS (e.g. :5349), with tls-cert and tls-key", (*stringValue)(&c.Conference.TURNTLS)},
		{"turn-host", "CHANCERY_TURN_HOST", "host name or IP browsers reach the TURN server at", (*stringValue)(&c.Conference.TURNHost)},
		{"turn-relay-ip", "CHANCERY_TURN_RELAY_IP", "public IP the TURN server relays media from", (*stringValue)(&c.Conference.TURNRelay)},
		{"room-token-key", "CHANCERY_ROOM_TOKEN_KEY", "hex key (at least 32 bytes) signing conference join tokens; empty: generated once and kept in the database", (*stringValue)(&c.Conference.TokenKey)},
		{"room-token-ttl", "CHANCERY_ROOM_TOKEN_TTL", "how long a conference join token stays valid", (*durationValue)(&c.Conference.TokenTTL)},
		{"room-chat-history", "CHANCERY_ROOM_CHAT_HISTORY", "chat messages a late joiner receives", (*int64Value)(&c.Conference.ChatLength)},
		{"recording-dir", "CHANCERY_RECORDING_DIR", "directory of the rooms' recordings; empty: recordings/ in the data directory", (*stringValue)(&c.Conference.RecordingDir)},
		{"recording-min-free-mb", "CHANCERY_RECORDING_MIN_FREE_MB", "free disk space (MiB) below which a room's recording stops and the chair is warned", (*int64Value)(&c.Conference.RecordingMinFreeMB)},
		{"smtp-url", "CHANCERY_SMTP_URL", "SMTP server for e-mail: smtp://user:pass@host:587?from=address (STARTTLS when offered) or smtps://… (implicit TLS); empty sends no e-mail (prefer the environment variable)", (*stringValue)(&c.Mail.SMTPURL)},
		{"insecure-cookies", "CHANCERY_INSECURE_COOKIES", "send cookies without Secure (plain-HTTP development only)", (*boolValue)(&c.Auth.InsecureCookies)},
		{"signing-key", "CHANCERY_SIGNING_KEY", "Ed25519 private key (PKCS#8 PEM, mode 0600) that signs official statements; empty uses <data>/signing-key.pem, generated on first start", (*stringValue)(&c.Signing.KeyFile)},
		{"x-client-id", "CHANCERY_X_CLIENT_ID", "OAuth 2.0 client ID of Chancery's X app, for the connect button", (*stringValue)(&c.Connect.XClientID)},
		{"x-client-secret", "CHANCERY_X_CLIENT_SECRET", "OAuth 2.0 client secret of Chancery's X app (prefer the environment variable)", (*stringValue)(&c.Connect.XClientSecret)},
		{"linkedin-client-id", "CHANCERY_LINKEDIN_CLIENT_ID", "client ID of Chancery's LinkedIn app, for the connect button and token renewal", (*stringValue)(&c.Connect.LinkedInClientID)},
		{"linkedin-client-secret", "CHANCERY_LINKEDIN_CLIENT_SECRET", "client secret of Chancery's LinkedIn app (prefer the environment variable)", (*stringValue)(&c.Connect.LinkedInClientSecret)},
		{"watch-interval", "CHANCERY_WATCH_INTERVAL", "how often each channel's recent posts are compared with what Chancery published, to detect a hijacked account; 0 turns it off", (*durationValue)(&c.Watch.Interval)},
		{"publish-grace", "CHANCERY_PUBLISH_GRACE", "how late a publication may still go out on its own after downtime; later ones wait for a person", (*durationValue)(&c.Publish.Grace)},
		{"publish-lease", "CHANCERY_PUBLISH_LEASE", "how long an instance holds a publication it is publishing before another may take over", (*durationValue)(&c.Publish.Lease)},
		{"publish-workers", "CHANCERY_PUBLISH_WORKERS", "publications each instance publishes at once", (*int64Value)(&c.Publish.Workers)},
		{"publish-sensitive", "CHANCERY_PUBLISH_SENSITIVE", "comma-separated statement categories that need two approvers", (*stringValue)(&c.Publish.Sensitive)},
		{"audit-checkpoint-interval", "CHANCERY_AUDIT_CHECKPOINT_INTERVAL", "how often the publishing audit log's head is signed into the checkpoint file when it moved (it is also signed after every publication)", (*durationValue)(&c.Audit.CheckpointInterval)},
		{"audit-checkpoints", "CHANCERY_AUDIT_CHECKPOINTS", "append-only file the signed audit checkpoints go to, outside the database; empty uses <data>/audit-checkpoints.log; give every instance's file to chancery audit verify", (*stringValue)(&c.Audit.CheckpointFile)},
		{"audit-syslog", "CHANCERY_AUDIT_SYSLOG", "syslog server that also receives each audit checkpoint (udp://host:514, tcp://host:514 or unix:///dev/log); empty: the file only", (*stringValue)(&c.Audit.Syslog)},
		{"extra-api-urls", "CHANCERY_EXTRA_API_URLS", "comma-separated API base URLs that channels of X, Facebook, Telegram and LinkedIn may use besides the networks' own (staging or test servers; Chancery's X and LinkedIn app secrets are sent there), and the only loopback, private or reserved addresses any channel may reach, each at exactly its host and port; empty: only the networks' own and public addresses", (*stringValue)(&c.Publish.ExtraAPIs)},
	}
}

// Settings lists the settings with their help, for documentation.
func Settings() []Setting {
	c := Default()
	return settings(&c)
}

// Default renders the default of s as text.
func (s Setting) Default() string { return s.value.String() }

// envAllowed are CHANCERY_* variables that belong to the test tooling, not
// to the server, and so are not unknown settings.
var envAllowed = []string{"CHANCERY_TEST_DATABASE_URL", "CHANCERY_CHROMIUM"}

// Load builds the configuration from defaults, then the environment, then
// flags, and validates it. args excludes the program name.
func Load(args []string, environ []string, usage io.Writer) (Config, error) {
	c := Default()
	ss := settings(&c)

	known := map[string]Setting{}
	for _, s := range ss {
		known[s.Env] = s
	}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "CHANCERY_") || slices.Contains(envAllowed, k) {
			continue
		}
		s, ok := known[k]
		if !ok {
			return c, fmt.Errorf("config: unknown environment variable %s", k)
		}
		if err := s.value.Set(v); err != nil {
			return c, fmt.Errorf("config: %s: %w", k, err)
		}
	}

	fs := flag.NewFlagSet("chancery", flag.ContinueOnError)
	fs.SetOutput(usage)
	for _, s := range ss {
		fs.Var(s.value, s.Flag, s.Usage+" (env "+s.Env+")")
	}
	if err := fs.Parse(args); err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("config: unexpected argument %q", fs.Arg(0))
	}
	return c, c.Validate()
}

// Validate checks every section and reports all problems at once.
func (c Config) Validate() error {
	return errors.Join(c.HTTP.Validate(), c.Storage.Validate(), c.Log.Validate(), c.Web.Validate(), c.Auth.Validate(), c.OIDC.Validate(), c.Secrets.Validate(c.Storage), c.Watch.Validate(), c.Connect.Validate(), c.Publish.Validate(), c.Audit.Validate(), c.Conference.Validate(c.HTTP), c.Metrics.Validate(), c.Mail.Validate(), validateAddr("debug-addr", c.DebugAddr, true))
}

// Validate checks the HTTP section.
func (h HTTP) Validate() error {
	var errs []error
	errs = append(errs, validateAddr("addr", h.Addr, false))
	if (h.TLSCert == "") != (h.TLSKey == "") {
		errs = append(errs, errors.New("config: tls-cert and tls-key must be set together"))
	}
	for name, d := range map[string]time.Duration{
		"read-header-timeout": h.ReadHeaderTimeout, "read-timeout": h.ReadTimeout,
		"write-timeout": h.WriteTimeout, "idle-timeout": h.IdleTimeout, "shutdown-timeout": h.ShutdownTimeout,
	} {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("config: %s must be positive, got %s", name, d))
		}
	}
	if h.MaxBodyBytes < 1024 {
		errs = append(errs, fmt.Errorf("config: max-body must be at least 1024 bytes, got %d", h.MaxBodyBytes))
	}
	if h.MaxUploadBytes < h.MaxBodyBytes {
		errs = append(errs, fmt.Errorf("config: max-upload must be at least max-body (%d bytes), got %d", h.MaxBodyBytes, h.MaxUploadBytes))
	}
	return errors.Join(errs...)
}

// Validate checks the storage section.
func (s Storage) Validate() error {
	if s.DatabaseURL == "" {
		if s.DataDir == "" {
			return errors.New("config: data must name a directory when no database-url is set")
		}
		return nil
	}
	u, err := url.Parse(s.DatabaseURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		// Never echo the URL: it may carry a password.
		return errors.New("config: database-url must be a postgres:// or postgresql:// URL")
	}
	return nil
}

// Validate checks the log section.
func (l Log) Validate() error {
	var errs []error
	if l.Format != "text" && l.Format != "json" {
		errs = append(errs, fmt.Errorf("config: log-format must be text or json, got %q", l.Format))
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, l.Level) {
		errs = append(errs, fmt.Errorf("config: log-level must be debug, info, warn or error, got %q", l.Level))
	}
	return errors.Join(errs...)
}

// Languages are the codes Chancery serves. The registry with names and
// directions lives in internal/lang; this copy only validates settings.
var Languages = []string{"vi", "en", "fr", "es", "ru", "zh", "ar"}

// Validate checks the web section.
func (w Web) Validate() error {
	if !slices.Contains(Languages, w.DefaultLang) {
		return fmt.Errorf("config: default-lang must be one of %s, got %q", strings.Join(Languages, ", "), w.DefaultLang)
	}
	if u, err := url.Parse(w.PublicURL); w.PublicURL != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "") {
		return fmt.Errorf("config: public-url must be a scheme and host such as https://mofa.gov.vn, got %q", w.PublicURL)
	}
	if _, err := time.LoadLocation(w.TimeZone); err != nil || w.TimeZone == "" || w.TimeZone == "Local" {
		return fmt.Errorf("config: time-zone must be an IANA zone such as Asia/Ho_Chi_Minh, got %q", w.TimeZone)
	}
	return nil
}

// Validate checks the auth section.
func (a Auth) Validate() error {
	if a.SessionTTL < time.Minute || a.SessionTTL > 30*24*time.Hour {
		return fmt.Errorf("config: session-ttl must be between 1m and 720h, got %s", a.SessionTTL)
	}
	known := []string{"admin", "press_officer", "approver", "protocol_officer", "chair", "interpreter", "delegate"}
	for _, r := range a.SecondFactorRoles() {
		if !slices.Contains(known, r) {
			return fmt.Errorf("config: require-2fa-roles: unknown role %q (known: %s)", r, strings.Join(known, ", "))
		}
	}
	return nil
}

// Validate checks the Conference section; TURN over TLS needs the HTTP
// certificate.
func (r Conference) Validate(h HTTP) error {
	var errs []error
	errs = append(errs, validateAddr("rtc-udp", r.UDPAddr, false), validateAddr("rtc-tcp", r.TCPAddr, true),
		validateAddr("turn-udp", r.TURNUDP, true), validateAddr("turn-tls", r.TURNTLS, true))
	for _, ip := range strings.Split(r.PublicIPs, ",") {
		if ip = strings.TrimSpace(ip); ip != "" && net.ParseIP(ip) == nil {
			errs = append(errs, fmt.Errorf("config: rtc-public-ips: %q is not an IP address", ip))
		}
	}
	if r.TURNUDP != "" || r.TURNTLS != "" {
		if r.TURNHost == "" || net.ParseIP(r.TURNRelay) == nil {
			errs = append(errs, errors.New("config: the TURN server needs turn-host and an IP in turn-relay-ip"))
		}
	}
	if r.TURNTLS != "" && h.TLSCert == "" {
		errs = append(errs, errors.New("config: turn-tls needs tls-cert and tls-key"))
	}
	if r.TokenKey != "" {
		if k, err := hex.DecodeString(r.TokenKey); err != nil || len(k) < 32 {
			errs = append(errs, errors.New("config: room-token-key must be at least 32 bytes in hex"))
		}
	}
	if r.TokenTTL < time.Minute || r.TokenTTL > 7*24*time.Hour {
		errs = append(errs, fmt.Errorf("config: room-token-ttl must be between 1m and 168h, got %s", r.TokenTTL))
	}
	if r.RecordingMinFreeMB < 1 {
		errs = append(errs, fmt.Errorf("config: recording-min-free-mb must be at least 1, got %d", r.RecordingMinFreeMB))
	}
	if r.ChatLength < 0 || r.ChatLength > 10000 {
		errs = append(errs, fmt.Errorf("config: room-chat-history must be between 0 and 10000, got %d", r.ChatLength))
	}
	return errors.Join(errs...)
}

func validateAddr(name, addr string, optional bool) error {
	if addr == "" && optional {
		return nil
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("config: %s must be host:port, got %q", name, addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("config: %s has an invalid port %q", name, port)
	}
	return nil
}

// Validate checks the secrets section: keys are base64 of 32 bytes. Errors
// never echo a key. (On PostgreSQL no key file is generated, since a key
// generated by each instance would not decrypt what the others wrote:
// KeyFilePath then returns "" and opening the secrets fails with a clear
// message, when the server first needs them.)
func (s Secrets) Validate(st Storage) error {
	var errs []error
	if s.Key != "" && !isKey(s.Key) {
		errs = append(errs, errors.New("config: secret-key must be 32 bytes in base64 (generate one with: head -c 32 /dev/urandom | base64)"))
	}
	for i, k := range s.PreviousKeys() {
		if !isKey(k) {
			errs = append(errs, fmt.Errorf("config: secret-keys-previous: key %d is not 32 bytes in base64", i+1))
		}
	}
	return errors.Join(errs...)
}

// String hides the keys, so that printing or logging a Config never shows
// them.
func (s Secrets) String() string {
	hide := func(v string) string {
		if v == "" {
			return ""
		}
		return "[redacted]"
	}
	return fmt.Sprintf("{Key:%s KeyFile:%s Previous:%s}", hide(s.Key), s.KeyFile, hide(s.Previous))
}

// GoString hides the keys from %#v as well.
func (s Secrets) GoString() string { return "config.Secrets" + s.String() }

// LogValue hides the keys from slog.
func (s Secrets) LogValue() slog.Value { return slog.StringValue(s.String()) }

// PreviousKeys splits Previous.
func (s Secrets) PreviousKeys() []string {
	var out []string
	for k := range strings.SplitSeq(s.Previous, ",") {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// KeyFilePath is the key file to read: KeyFile, or secret.key in the data
// directory in the embedded setup. Generate says whether it may be created.
func (s Secrets) KeyFilePath(st Storage) (path string, generate bool) {
	if s.KeyFile != "" {
		return s.KeyFile, false
	}
	if st.DatabaseURL == "" {
		return filepath.Join(st.DataDir, "secret.key"), true
	}
	return "", false
}

func isKey(s string) bool {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return len(b) == 32
		}
	}
	return false
}

type stringValue string

func (v *stringValue) Set(s string) error { *v = stringValue(s); return nil }
func (v *stringValue) String() string     { return string(*v) }

type boolValue bool

func (v *boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("want true or false, got %q", s)
	}
	*v = boolValue(b)
	return nil
}
func (v *boolValue) String() string   { return strconv.FormatBool(bool(*v)) }
func (v *boolValue) IsBoolFlag() bool { return true }

type durationValue time.Duration

func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("want a duration such as 30s or 5m, got %q", s)
	}
	*v = durationValue(d)
	return nil
}
func (v *durationValue) String() string { return time.Duration(*v).String() }

type int64Value int64

func (v *int64Value) Set(s string) error {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("want a whole number, got %q", s)
	}
	*v = int64Value(n)
	return nil
}
func (v *int64Value) String() string { return strconv.FormatInt(int64(*v), 10) }
