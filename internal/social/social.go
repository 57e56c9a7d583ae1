// Package social is the publisher contract between Chancery's scheduler
// (internal/publishing) and the places it publishes to: one package per
// network under internal/social/ (x, facebook, mastodon, bluesky, telegram,
// linkedin) and the public portal. Each exports a Descriptor saying what
// the rest of Chancery needs to know of it (default address, credentials,
// client, OAuth flow, limits, recalls); cmd/server keeps the one list of
// them. The scheduler knows only this package.
//
// The contract follows ../shared/reference/social-apis.md §0: one thin
// net/http client per network with an injectable base URL, every outcome
// classified (Transient, RateLimited, AuthExpired, Duplicate, Rejected,
// Unknown), every HTTP exchange handed to the audit log, and no blind retry:
// a create call whose outcome is unknown is settled by Reconcile, never by
// calling Publish again.
//
// It must not import any other Chancery package.
package social

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Network names a place Chancery publishes to. The values are stored in the
// database and appear in URLs.
type Network string

// The networks Chancery publishes to. What Chancery knows of each is its
// Descriptor, in the network's package; cmd/server lists them. A new
// network may name its Network in its own package.
const (
	Portal   Network = "portal"
	X        Network = "x"
	Facebook Network = "facebook"
	Mastodon Network = "mastodon"
	Bluesky  Network = "bluesky"
	Telegram Network = "telegram"
	LinkedIn Network = "linkedin"
)

// Media is one image (or video) attached to a post, with its alternative
// text in the post's language.
type Media struct {
	Filename    string
	ContentType string // image/jpeg, image/png, …
	Data        []byte
	Alt         string
}

// Post is one part of a publication: a single post, or one part of a thread.
type Post struct {
	// Key identifies this part of this publication, stably across attempts
	// and restarts ("pub-42-0"). Connectors derive their idempotency key
	// from it (Mastodon Idempotency-Key, Bluesky record key) and use it to
	// recognise the post when reconciling.
	Key string
	// Lang is the language of Text and of the media's alt text (a code of
	// internal/lang: vi, en, fr, es, ru, zh, ar).
	Lang  string
	Text  string
	Media []Media
	// Link is the canonical URL of the statement on the portal, when the
	// network shows it as a link card beside the text (Facebook, LinkedIn).
	// Text already contains it where the network has no such field.
	Link string
	// ReplyTo is the remote ID of the previous part of a thread, or "".
	ReplyTo string

	// The fields below serve the portal, which holds articles rather than
	// posts; networks ignore them.

	// Group ties the language versions of one statement together: the
	// portal makes the posts of one Group translations of one article, and
	// uses Group as the article's slug.
	Group string
	// Kind is the portal's article type: statement, press-release, news,
	// speech or travel-advisory.
	Kind string
	// Title and Summary are the headline and standfirst; Text is then the
	// body, in Markdown.
	Title, Summary string
	// Published is the time the statement is issued, shown on the portal.
	Published time.Time
}

// Result is what a network says about a post it holds.
type Result struct {
	ID  string // the network's ID, used to delete the post and to reply to it
	URL string // the public address of the post, "" when the network has none
	// Created is when the network created the post, zero when unknown.
	Created time.Time
}

// RemotePost is a post read back from the account's timeline.
type RemotePost struct {
	ID      string
	URL     string
	Text    string
	Created time.Time
}

// Account is the identity the credentials act as ("who am I").
type Account struct {
	ID       string // the network's ID of the account, page or channel
	Name     string // display name
	Handle   string // @name, page name or channel username
	URL      string
	Expires  time.Time // when the access credentials expire, zero if never
	Scopes   []string
	Verified time.Time // when the network confirmed it
}

// Limits are what a network allows, shown to press officers and enforced
// before anything is sent.
type Limits struct {
	MaxLength int // in the network's own unit (see Count), 0 if none
	MaxMedia  int
	// LinkCard is true where the network shows Post.Link beside the text
	// as a card (Facebook, LinkedIn); elsewhere publishing puts the link
	// in the text.
	LinkCard bool
	Threads  bool // the network can chain parts as replies
	// DeleteWindow is how long after posting the network still allows a
	// delete (Telegram: 48 hours), 0 when there is no such limit.
	DeleteWindow time.Duration
	// Idempotent is true when Publish may be repeated safely with the same
	// Post.Key after an Unknown outcome (Mastodon, Bluesky).
	Idempotent bool
	// ReconcileLag is how long a post the network created may take to
	// show in what Reconcile reads: timelines are eventually consistent
	// (X's by several seconds). The scheduler believes that a post is
	// absent only from a read made at least this long after the call
	// that may have created it could last have reached the network, and
	// reads again later rather than sooner. It is 0 where Reconcile reads
	// the network's own record by key.
	ReconcileLag time.Duration
}

// Publisher publishes to one channel: one account on one network, or the
// portal. Implementations are safe for concurrent use. Every method hands
// each HTTP exchange to the Recorder in ctx, if any, before it returns.
type Publisher interface {
	Network() Network
	Limits() Limits
	// Count returns the length of text as the network counts it: weighted
	// characters on X (twitter-text v3), graphemes on Bluesky, UTF-16 code
	// units elsewhere unless the network documents otherwise.
	Count(text string) int
	// Publish creates the post. Its error is an *Error whose Class says
	// what the scheduler may do next; an Unknown error means the post may
	// exist, and must be settled with Reconcile, never by publishing again.
	Publish(ctx context.Context, p Post) (Result, error)
	// Delete removes a post. A post already gone is not an error.
	Delete(ctx context.Context, id string) error
	// WhoAmI verifies the credentials and returns the account they act as.
	WhoAmI(ctx context.Context) (Account, error)
	// Reconcile returns the posts the network holds that may be p, after
	// an Unknown outcome or a Duplicate refusal, newest first.
	//
	// Where the network finds a post by its idempotency key (Mastodon,
	// Bluesky, the portal), the answer is that post alone, whatever its
	// time: the key proves it is p. Elsewhere the candidates are the
	// account's posts created at or after since (the start of the first
	// attempt to make p, to the precision of the network's timestamps)
	// whose text and links are exactly p's: every link compared as the
	// address it points to, never as a shortened or elided form, and
	// p.Link too where the network shows it beside the text. Two posts
	// that differ only in a link are different posts.
	//
	// Reconcile does not know which posts Chancery recorded already: the
	// scheduler leaves those out and decides. No candidate means absent
	// (once Limits.ReconcileLag has passed), one is p, several need a
	// person. An error of Class Unknown means the network cannot tell
	// (Telegram), and a person must check.
	Reconcile(ctx context.Context, p Post, since time.Time) ([]Result, error)
	// Recent returns the account's posts created at or after since, newest
	// first, at most limit of them, for reconciliation and out-of-band
	// post detection.
	Recent(ctx context.Context, since time.Time, limit int) ([]RemotePost, error)
}

// Class says what an outcome allows the caller to do.
type Class int

// The outcome classes of ../shared/reference/social-apis.md §0.
const (
	// Unknown: the request may have taken effect (timeout or connection
	// lost after sending, an answer that cannot be read). Never retried
	// blindly.
	Unknown Class = iota
	// Transient: the request certainly did not take effect (refused before
	// sending, 5xx before processing); retry with backoff.
	Transient
	// RateLimited: retry after Error.Until.
	RateLimited
	// AuthExpired: the credentials are revoked or expired; a person must
	// reconnect the channel.
	AuthExpired
	// Duplicate: the network holds a similar post already; Error.ExistingID
	// names it when the network says which. It proves a similar post
	// exists, not that this attempt created it.
	Duplicate
	// Rejected: the content or the request is refused for good (too long,
	// blocked, bad media, not allowed); Error.Reason says why.
	Rejected
)

var classNames = [...]string{"unknown", "transient", "rate-limited", "auth-expired", "duplicate", "rejected"}

func (c Class) String() string {
	if c >= 0 && int(c) < len(classNames) {
		return classNames[c]
	}
	return fmt.Sprintf("class(%d)", int(c))
}

// Error is the error every Publisher method returns.
type Error struct {
	Network Network
	Class   Class
	// Until is when a RateLimited request may be retried.
	Until time.Time
	// Code is the network's own error code or type ("190", "DUPLICATE_POST",
	// "about:blank"), for the audit log and for support.
	Code string
	// Reason is a sentence for the press officer, in English, saying what
	// happened and what to do.
	Reason string
	// ExistingID is the post a Duplicate refers to, when the network says.
	ExistingID string
	// Status is the HTTP status, 0 when there was no answer.
	Status int
	Err    error
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s: %s", e.Network, e.Class)
	if e.Code != "" {
		msg += " (" + e.Code + ")"
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// ClassOf returns the class of err: that of the *Error it wraps, Unknown
// for any other error. A nil error has no class; ClassOf panics on nil so
// that a caller cannot mistake success for an outcome.
func ClassOf(err error) Class {
	if err == nil {
		panic("social: ClassOf(nil)")
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Class
	}
	return Unknown
}

// Exchange is one HTTP request and its answer, as the audit log keeps them.
// Secrets are removed: connectors redact Authorization, cookies, tokens in
// URLs and bodies before recording.
type Exchange struct {
	Method         string
	URL            string
	RequestHeader  http.Header
	RequestBody    []byte // truncated by the recorder if large (media)
	Status         int    // 0 when no answer came
	ResponseHeader http.Header
	ResponseBody   []byte
	Err            string // transport error, "" when an answer came
	Started        time.Time
	Duration       time.Duration
}

// Recorder receives every exchange a Publisher makes.
type Recorder func(Exchange)

type recorderKey struct{}

// WithRecorder returns a context whose Publisher calls hand their exchanges
// to rec.
func WithRecorder(ctx context.Context, rec Recorder) context.Context {
	return context.WithValue(ctx, recorderKey{}, rec)
}

// Record hands ex to the Recorder of ctx, if any.
func Record(ctx context.Context, ex Exchange) {
	if rec, ok := ctx.Value(recorderKey{}).(Recorder); ok && rec != nil {
		rec(ex)
	}
}

// Credentials is where a channel's secrets live (encrypted at rest). A
// connector reads them at each call and writes rotated tokens through
// Update, so a refresh is saved before the new token is used.
type Credentials interface {
	// Load returns the current secret, as the connector serialised it.
	Load(ctx context.Context) ([]byte, error)
	// Update replaces the secret with what fn returns, given the current
	// one, holding a per-channel lock across instances for the whole call:
	// two concurrent refreshes run one after the other, and the second sees
	// the first's result (and so need not refresh). fn may return the
	// current value unchanged.
	Update(ctx context.Context, fn func(current []byte) ([]byte, error)) error
}

// Checker is a Publisher that can tell, before anything is sent, whether it
// would accept a post: Check applies the same rule as Publish, which calls
// it first, so that clearance refuses what the place would refuse
// (a statement must not go out on some channels and be refused by others).
// Implementing it is optional; the scheduler also checks Limits.
type Checker interface {
	// Check returns nil, or a *Refusal naming the part of p refused.
	Check(p Post) error
}

// Field names a part of a post, in a Refusal.
type Field string

// The parts of a post a Checker may refuse.
const (
	FieldTitle   Field = "title"
	FieldSummary Field = "summary"
	FieldText    Field = "text"
	FieldMedia   Field = "media" // an image itself, or how many there are
	FieldAlt     Field = "alt"   // an image's alternative text
	FieldOther   Field = "other" // the post's kind, group or language
)

// Fault says what is wrong with the part a Refusal names.
type Fault string

// The faults a Checker reports.
const (
	Missing     Fault = "missing"     // required and empty
	TooLong     Fault = "too-long"    // longer than Refusal.Max
	TooMany     Fault = "too-many"    // more images than Refusal.Max
	TooLarge    Fault = "too-large"   // more bytes than Refusal.Max (an image, or text a network counts in bytes too)
	Invalid     Fault = "invalid"     // not valid text (bad UTF-8, NUL)
	Unsupported Fault = "unsupported" // a media type or value the place does not take
)

// Refusal is a part of a post that a Publisher will not accept, found
// before anything is sent.
type Refusal struct {
	Network Network
	Field   Field
	Fault   Fault
	// Max is the limit exceeded: characters for TooLong, images for
	// TooMany, bytes for TooLarge.
	Max int
	// File is the image concerned, for FieldMedia and FieldAlt.
	File string
	// Reason is a sentence in English for the audit log and for support.
	Reason string
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("%s refuses the post's %s (%s): %s", r.Network, r.Field, r.Fault, r.Reason)
}
