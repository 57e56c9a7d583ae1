// Package publishing owns the press office's work: statements in several
// languages, their clearance, the scheduler that publishes them exactly
// once to each channel, the emergency pause, recall and the hash-chained
// audit log. It reaches networks only through social.Publisher, which a
// Resolver injected by cmd/server builds per channel. A mistake in what a
// person asked for is a fault.Problem of kind fault.ErrRefused, whose key
// is a message of the press locale area (of the review area for review.go).
//
// It must not import cmd/ or any connector package (internal/social/x, …).
package publishing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/outbound"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
)

// Channel, Statement and Publication are the store's types.
type (
	Channel     = store.Channel
	Statement   = store.Statement
	Publication = store.Publication
)

// Resolver returns the Publisher of a channel. cmd/server builds it from
// the connectors and the channel's credentials.
type Resolver func(ctx context.Context, ch Channel) (social.Publisher, error)

// Settings are the scheduler's and clearance's tunables.
type Settings struct {
	// Grace is how late a publication may still go out on its own after
	// the server was down; later ones wait for a person.
	Grace time.Duration
	// Lease is how long an instance holds a publication it works on.
	Lease time.Duration
	// Workers is how many publications an instance publishes at once.
	Workers int
	// MaxTries is how many transient failures end in failed.
	MaxTries int
	// BaseBackoff is the first retry delay; it doubles at each failure.
	BaseBackoff time.Duration
	// SensitiveApprovals is the number of approvers for sensitive
	// statements; others need one.
	SensitiveApprovals int
	// SensitiveCategories are categories that always count as sensitive.
	SensitiveCategories []string
	// MaxIdle caps how long the scheduler sleeps without a due time, in
	// case a change notification was missed.
	MaxIdle time.Duration
	// ExtraAPIs are API base URLs, besides the networks' own, that
	// channels of a network with one official API may use: staging or
	// test servers. Chancery's X and LinkedIn app secrets go to them.
	ExtraAPIs []string
}

// DefaultSettings are used for the zero fields of Params.Settings.
var DefaultSettings = Settings{
	Grace: 15 * time.Minute, Lease: 30 * time.Second, Workers: 16, MaxTries: 8,
	BaseBackoff: 2 * time.Second, SensitiveApprovals: 2, MaxIdle: 30 * time.Second,
}

// Params are the dependencies of New.
type Params struct {
	DB      *store.DB
	Resolve Resolver
	Now     func() time.Time
	// Log receives the scheduler's errors (a failed claim, publication or
	// finish), which no request is there to report. It is required: a
	// scheduler that fails silently publishes nothing and says nothing.
	Log      *slog.Logger
	Settings Settings
	// Instance names this process in leases and the audit log.
	Instance string
	// Networks are the places channels may publish to, each with what
	// Chancery knows of it (cmd/server's list); a channel of a network not
	// listed cannot be made.
	Networks social.Catalog
	// Checkpoint, when set, is called after each publication is
	// published (by the scheduler or settled by a person), so that the
	// audit log's head is signed outside the database at once
	// (cmd/server: checkpoint.Writer.Kick). It must not block.
	Checkpoint func()
}

// ErrNoLogger is returned by New when Params.Log is nil.
var ErrNoLogger = errors.New("publishing: Params.Log is required: the scheduler's errors would be lost")

// Service is the press office's domain: clearance and the scheduler.
type Service struct {
	db       *store.DB
	resolve  Resolver
	now      func() time.Time
	log      *slog.Logger
	set      Settings
	instance string
	networks social.Catalog

	kick       chan struct{}
	jit        func() float64 // jitter source in [0,1)
	checkpoint func()         // after a publication is published; never nil
	review     reviewHooks    // after changes are requested (review.go)
}

// New returns the service. It fails with ErrNoLogger without a logger.
func New(p Params) (*Service, error) {
	if p.Log == nil {
		return nil, ErrNoLogger
	}
	s := p.Settings
	d := DefaultSettings
	if s.Grace == 0 {
		s.Grace = d.Grace
	}
	if s.Lease == 0 {
		s.Lease = d.Lease
	}
	if s.Workers == 0 {
		s.Workers = d.Workers
	}
	if s.MaxTries == 0 {
		s.MaxTries = d.MaxTries
	}
	if s.BaseBackoff == 0 {
		s.BaseBackoff = d.BaseBackoff
	}
	if s.SensitiveApprovals == 0 {
		s.SensitiveApprovals = d.SensitiveApprovals
	}
	if s.MaxIdle == 0 {
		s.MaxIdle = d.MaxIdle
	}
	s.ExtraAPIs = trimSlashes(s.ExtraAPIs)
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Instance == "" {
		p.Instance = "chancery"
	}
	if p.Checkpoint == nil {
		p.Checkpoint = func() {}
	}
	return &Service{db: p.DB, resolve: p.Resolve, now: p.Now, log: p.Log, set: s, instance: p.Instance, networks: p.Networks,
		kick: make(chan struct{}, 1), jit: randFloat, checkpoint: p.Checkpoint}, nil
}

// Now returns the service's clock, so that pages judge "late" by the same
// time as the scheduler.
func (s *Service) Now() time.Time { return s.now() }

// Actor is the person acting.
type Actor struct {
	ID       int64
	Username string
}

// ActorOf returns the actor for a user.
func ActorOf(u account.User) Actor { return Actor{ID: u.ID, Username: u.Username} }

func (a Actor) entry(action string) store.AuditEntry {
	return store.AuditEntry{ActorID: a.ID, Actor: a.Username, Action: action}
}

// ContentHash is the hash an approval is bound to: every variant, override,
// media file with its alt texts, every target, and the timing, including
// the time of each target moved away from the statement's (TargetDue).
// The scheduler computes it again before publishing, from the publications'
// due times as stored: a time changed by any path that did not renew the
// approval no longer matches it, and nothing goes out.
func ContentHash(st Statement) string {
	type media struct {
		Name, Type, SHA string
		Alts            map[string]string
	}
	type targetTime struct {
		Channel int64
		Due     string
	}
	c := struct {
		Category  string
		Sensitive bool
		Due, Emb  string
		Article   string
		Variants  []store.Variant
		Overrides []store.Override
		Media     []media
		Targets   []int64
		// Times is omitted when no target was moved, so that the hash of
		// such a statement is what it was before targets could move.
		Times []targetTime `json:",omitempty"`
	}{Category: st.Category, Sensitive: st.Sensitive, Article: st.ArticleURL,
		Due: st.DueAt.UTC().Format(time.RFC3339Nano), Emb: st.EmbargoUntil.UTC().Format(time.RFC3339Nano)}
	c.Variants = slices.Clone(st.Variants)
	slices.SortFunc(c.Variants, func(a, b store.Variant) int { return strings.Compare(a.Lang, b.Lang) })
	c.Overrides = slices.Clone(st.Overrides)
	slices.SortFunc(c.Overrides, func(a, b store.Override) int {
		if a.ChannelID != b.ChannelID {
			return int(a.ChannelID - b.ChannelID)
		}
		return strings.Compare(a.Lang, b.Lang)
	})
	for _, m := range st.Media {
		sum := sha256.Sum256(m.Data)
		c.Media = append(c.Media, media{m.Filename, m.ContentType, hex.EncodeToString(sum[:]), m.Alts})
	}
	c.Targets = slices.Sorted(slices.Values(st.Targets))
	for _, ch := range c.Targets {
		if at, ok := st.TargetDue[ch]; ok && !at.Equal(st.DueAt) {
			c.Times = append(c.Times, targetTime{ch, at.UTC().Format(time.RFC3339Nano)})
		}
	}
	b, _ := json.Marshal(c) // plain data always marshals
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ChannelInput is a new channel.
type ChannelInput struct {
	Network   string   `json:"network"`
	Name      string   `json:"name"`
	Account   string   `json:"account"`
	BaseURL   string   `json:"base_url"`
	Languages []string `json:"languages"`
	TimeZone  string   `json:"time_zone"`
	MaxLength int      `json:"max_length"`
}

// CreateChannel validates and stores a channel.
func (s *Service) CreateChannel(ctx context.Context, a Actor, in ChannelInput) (Channel, error) {
	d, ok := s.networks.Lookup(social.Network(in.Network))
	if !ok {
		return Channel{}, fault.Refused("network", "press_error_network", "Network", in.Network)
	}
	if strings.TrimSpace(in.Name) == "" || len(in.Name) > 100 {
		return Channel{}, fault.Refused("name", "press_error_channel_name")
	}
	if _, err := loadZone(in.TimeZone); err != nil {
		return Channel{}, fault.Refused("time_zone", "press_error_time_zone", "Zone", in.TimeZone)
	}
	if len(in.Languages) == 0 {
		return Channel{}, fault.Refused("languages", "press_error_languages")
	}
	for _, l := range in.Languages {
		if _, ok := lang.Lookup(l); !ok {
			return Channel{}, fault.Refused("languages", "press_error_language", "Lang", l)
		}
	}
	if in.MaxLength < 0 {
		return Channel{}, fault.Refused("max_length", "press_error_max_length")
	}
	base, err := s.baseURL(d, in.BaseURL)
	if err != nil {
		return Channel{}, err
	}
	ch, err := s.db.CreateChannel(ctx, Channel{Network: in.Network, Name: strings.TrimSpace(in.Name), Account: in.Account,
		BaseURL: base, Languages: in.Languages, TimeZone: in.TimeZone, MaxLength: in.MaxLength}, a.entry("channel.create"))
	if errors.Is(err, store.ErrConflict) {
		return Channel{}, fault.Refused("name", "press_error_channel_taken", "Name", in.Name)
	}
	return ch, err
}

// baseURL checks the server address of a new channel and returns it as
// stored. A network with one official API (X, Facebook, Telegram,
// LinkedIn) is reached there, or at a server the configuration names
// (ExtraAPIs): the channel's credentials, and for X and LinkedIn Chancery's
// app secrets, go to that address, so a press officer must not choose it.
// A Mastodon channel needs its instance; a Bluesky channel may name its
// PDS. The portal has none.
func (s *Service) baseURL(d social.Descriptor, raw string) (string, error) {
	base := strings.TrimSuffix(strings.TrimSpace(raw), "/")
	if base == "" {
		if d.NeedsBaseURL {
			return "", fault.Refused("base_url", "press_error_base_url")
		}
		return "", nil
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(raw, "?") || len(base) > 200 {
		return "", fault.Refused("base_url", "press_error_base_url")
	}
	if d.Network == social.Portal || (d.Official && !s.APIAllowed(d.Network, base)) {
		return "", fault.Refused("base_url", "press_error_base_url_official")
	}
	// An address inside the server's network is refused when connecting
	// (internal/outbound); an IP typed as one is refused here already.
	if outbound.CheckBase(base, s.set.ExtraAPIs) != nil {
		return "", fault.Refused("base_url", "press_error_base_url_internal")
	}
	return base, nil
}

// APIAllowed reports whether Chancery may send a channel's credentials,
// and its own app secrets, to base: any server for the networks without
// one official API, else the official one and the configured ExtraAPIs.
func (s *Service) APIAllowed(n social.Network, base string) bool {
	return apiAllowed(s.networks, s.set.ExtraAPIs, n, base)
}

// APIAllowlist is the rule of Service.APIAllowed for the networks and
// extra APIs a Service would be given (Params.Networks,
// Settings.ExtraAPIs), for the parts built before it: the connectors the
// Service's resolver hands channels to.
func APIAllowlist(networks social.Catalog, extraAPIs []string) func(n social.Network, base string) bool {
	extra := trimSlashes(extraAPIs)
	return func(n social.Network, base string) bool { return apiAllowed(networks, extra, n, base) }
}

func apiAllowed(networks social.Catalog, extra []string, n social.Network, base string) bool {
	base = strings.TrimSuffix(base, "/")
	d, _ := networks.Lookup(n)
	return !d.Official || base == "" || base == d.API || slices.Contains(extra, base)
}

// trimSlashes is urls without a trailing slash.
func trimSlashes(urls []string) []string {
	out := make([]string, len(urls))
	for i, u := range urls {
		out[i] = strings.TrimSuffix(u, "/")
	}
	return out
}

// Networks returns the places channels may publish to, in display order.
func (s *Service) Networks() social.Catalog { return s.networks }

func storedTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Microsecond)
}

func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, errors.New("no zone")
	}
	return time.LoadLocation(name)
}

// StatementInput is a statement as composed.
type StatementInput struct {
	Category     string          `json:"category"`
	Sensitive    bool            `json:"sensitive"`
	DueAt        time.Time       `json:"due_at"`
	EmbargoUntil time.Time       `json:"embargo_until"`
	ArticleURL   string          `json:"article_url"`
	Variants     []VariantInput  `json:"variants"`
	Overrides    []OverrideInput `json:"overrides"`
	Media        []MediaInput    `json:"media"`
	Targets      []int64         `json:"targets"`
	// Corrects is the recalled statement this one corrects (set by
	// Correct; kept on edits).
	Corrects int64 `json:"-"`
}

// VariantInput is one language version.
type VariantInput struct {
	Lang  string `json:"lang"`
	Title string `json:"title"`
	Body  string `json:"body"`
}

// OverrideInput is a channel-specific text.
type OverrideInput struct {
	ChannelID int64  `json:"channel_id"`
	Lang      string `json:"lang"`
	Body      string `json:"body"`
}

// MediaInput is an image with alt texts per language.
type MediaInput struct {
	Filename    string            `json:"filename"`
	ContentType string            `json:"content_type"`
	Data        []byte            `json:"data"`
	Alts        map[string]string `json:"alts"`
}

// SaveStatement creates (id 0) or edits a statement. Editing voids every
// approval and returns it to draft.
func (s *Service) SaveStatement(ctx context.Context, a Actor, id int64, in StatementInput) (Statement, error) {
	// Times are hashed as the store keeps them (UTC, microseconds), so that
	// the hash of what was saved is the hash of what is read back.
	st := Statement{ID: id, AuthorID: a.ID, Corrects: in.Corrects, Category: strings.TrimSpace(in.Category), Sensitive: in.Sensitive,
		DueAt: storedTime(in.DueAt), EmbargoUntil: storedTime(in.EmbargoUntil), ArticleURL: strings.TrimSpace(in.ArticleURL)}
	if id != 0 {
		old, err := s.db.GetStatement(ctx, id)
		if err != nil {
			return Statement{}, err
		}
		st.AuthorID, st.Corrects = old.AuthorID, old.Corrects
		if old.RecallState != "" {
			return Statement{}, fault.Refused("", "press_error_recalled")
		}
	}
	if err := validText(in); err != nil {
		return Statement{}, err
	}
	seen := map[string]bool{}
	for _, v := range in.Variants {
		if _, ok := lang.Lookup(v.Lang); !ok {
			return Statement{}, fault.Refused("variants", "press_error_language", "Lang", v.Lang)
		}
		if strings.TrimSpace(v.Body) == "" {
			continue // an empty column of the compose form
		}
		if seen[v.Lang] {
			return Statement{}, fault.Refused("variants", "press_error_duplicate_language", "Lang", v.Lang)
		}
		seen[v.Lang] = true
		st.Variants = append(st.Variants, store.Variant{Lang: v.Lang, Title: strings.TrimSpace(v.Title), Body: strings.TrimSpace(v.Body)})
	}
	if len(st.Variants) == 0 {
		return Statement{}, fault.Refused("variants", "press_error_no_variant")
	}
	chans := map[int64]bool{}
	for _, t := range in.Targets {
		if chans[t] {
			continue
		}
		if _, err := s.db.GetChannel(ctx, t); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return Statement{}, fault.Refused("targets", "press_error_unknown_channel", "ID", t)
			}
			return Statement{}, err
		}
		chans[t] = true
		st.Targets = append(st.Targets, t)
	}
	for _, o := range in.Overrides {
		if strings.TrimSpace(o.Body) == "" {
			continue
		}
		if !chans[o.ChannelID] || !seen[o.Lang] {
			return Statement{}, fault.Refused("overrides", "press_error_override_target")
		}
		st.Overrides = append(st.Overrides, store.Override{ChannelID: o.ChannelID, Lang: o.Lang, Body: strings.TrimSpace(o.Body)})
	}
	for _, m := range in.Media {
		if len(m.Data) == 0 || !strings.HasPrefix(m.ContentType, "image/") {
			return Statement{}, fault.Refused("media", "press_error_media")
		}
		st.Media = append(st.Media, store.Attachment{Filename: m.Filename, ContentType: m.ContentType, Data: m.Data, Alts: m.Alts})
	}
	st.ApprovalsNeeded = 1
	if st.Sensitive || slices.Contains(s.set.SensitiveCategories, st.Category) {
		st.ApprovalsNeeded = s.set.SensitiveApprovals
	}
	st.ContentHash = ContentHash(st)
	return s.db.SaveStatement(ctx, st, a.entry("statement.save"))
}

// validText refuses text that no target takes and PostgreSQL cannot
// store: invalid UTF-8 and NUL characters.
func validText(in StatementInput) error {
	bad := func(s string) bool { return !utf8.ValidString(s) || strings.ContainsRune(s, 0) }
	if bad(in.Category) || bad(in.ArticleURL) {
		return fault.Refused("category", "press_error_text", "Lang", "")
	}
	for _, v := range in.Variants {
		if bad(v.Title) || bad(v.Body) {
			return fault.Refused("variants", "press_error_text", "Lang", v.Lang)
		}
	}
	for _, o := range in.Overrides {
		if bad(o.Body) {
			return fault.Refused("overrides", "press_error_text", "Lang", o.Lang)
		}
	}
	for _, m := range in.Media {
		if bad(m.Filename) || bad(m.ContentType) {
			return fault.Refused("media", "press_error_text", "Lang", "")
		}
		for l, alt := range m.Alts {
			if bad(l) || bad(alt) {
				return fault.Refused("media", "press_error_text", "Lang", l)
			}
		}
	}
	return nil
}

// Submit checks that the statement can go out as written and sends it for
// approval. Everything that would fail at publish time is refused here.
func (s *Service) Submit(ctx context.Context, a Actor, id int64) error {
	st, err := s.db.GetStatement(ctx, id)
	if err != nil {
		return err
	}
	if st.State != store.StateDraft {
		return fault.Refused("", "press_error_not_draft")
	}
	if err := s.check(ctx, st); err != nil {
		return err
	}
	return s.db.SubmitStatement(ctx, id, ContentHash(st), a.entry("statement.submit"))
}

func (s *Service) check(ctx context.Context, st Statement) error {
	now := s.now()
	if st.DueAt.IsZero() || !st.DueAt.After(now) {
		return fault.Refused("due_at", "press_error_due_past")
	}
	if !st.EmbargoUntil.IsZero() && st.DueAt.Before(st.EmbargoUntil) {
		return fault.Refused("due_at", "press_error_due_before_embargo")
	}
	for _, at := range st.TargetDue { // targets moved on the calendar
		if !at.After(now) {
			return fault.Refused("due_at", "press_error_due_past")
		}
		if !st.EmbargoUntil.IsZero() && at.Before(st.EmbargoUntil) {
			return fault.Refused("due_at", "press_error_due_before_embargo")
		}
	}
	return s.checkTargets(ctx, st)
}

// checkTargets checks that every target will accept the statement: the
// channel's credentials work, each post fits the network's limits, every
// image has its alt text, and what the publisher itself requires
// (social.Checker, such as the portal's title) is there. A statement that
// one target would refuse must not pass clearance: it would go out on the
// others and not there.
func (s *Service) checkTargets(ctx context.Context, st Statement) error {
	if len(st.Targets) == 0 {
		return fault.Refused("targets", "press_error_no_target")
	}
	for _, id := range st.Targets {
		ch, err := s.db.GetChannel(ctx, id)
		if err != nil {
			return err
		}
		if _, err := loadZone(ch.TimeZone); err != nil {
			return fault.Refused("targets", "press_error_time_zone", "Zone", ch.TimeZone)
		}
		p, err := s.resolve(ctx, ch)
		if err != nil {
			return fault.Refused("targets", "press_error_credentials", "Channel", ch.Name)
		}
		if _, err := p.WhoAmI(ctx); err != nil {
			return fault.Refused("targets", "press_error_credentials", "Channel", ch.Name)
		}
		parts, err := buildParts(st, ch, p, 0)
		if err != nil {
			return err
		}
		lim := p.Limits()
		max := lim.MaxLength
		if ch.MaxLength > 0 && (max == 0 || ch.MaxLength < max) {
			max = ch.MaxLength
		}
		for _, pt := range parts {
			if n := p.Count(pt.post.Text); max > 0 && n > max {
				return fault.Refused("variants", "press_error_too_long", "Channel", ch.Name, "Lang", pt.post.Lang, "Count", n, "Max", max)
			}
			if lim.MaxMedia > 0 && len(pt.post.Media) > lim.MaxMedia {
				return fault.Refused("media", "press_error_too_many_media", "Channel", ch.Name, "Max", lim.MaxMedia)
			}
			for _, m := range pt.post.Media {
				if strings.TrimSpace(m.Alt) == "" {
					return fault.Refused("media", "press_error_alt_missing", "File", m.Filename, "Lang", pt.post.Lang)
				}
			}
			if c, ok := p.(social.Checker); ok {
				if err := c.Check(pt.post); err != nil {
					return refusalProblem(ch, pt.post.Lang, err)
				}
			}
		}
	}
	return nil
}

// refusalProblem turns a publisher's refusal into a problem naming the
// channel and the part of the statement refused, in the officer's language.
func refusalProblem(ch Channel, lng string, err error) *fault.Problem {
	r, ok := errors.AsType[*social.Refusal](err)
	if !ok {
		return fault.Refused("variants", "press_error_target_refused", "Channel", ch.Name, "Lang", lng, "Reason", err.Error())
	}
	kv := []any{"Channel", ch.Name, "Lang", lng, "Max", r.Max, "File", r.File, "Size", fmt.Sprintf("%g MB", float64(r.Max)/1e6)}
	switch {
	case r.Field == social.FieldTitle && r.Fault == social.Missing:
		return fault.Refused("variants", "press_error_target_title_missing", kv...)
	case r.Field == social.FieldTitle && r.Fault == social.TooLong:
		return fault.Refused("variants", "press_error_target_title_too_long", kv...)
	case r.Field == social.FieldText && r.Fault == social.TooLong:
		return fault.Refused("variants", "press_error_target_text_too_long", kv...)
	case r.Field == social.FieldText && r.Fault == social.TooLarge:
		return fault.Refused("variants", "press_error_target_text_too_large", kv...)
	case r.Field == social.FieldMedia && r.Fault == social.TooLarge:
		return fault.Refused("media", "press_error_target_media_too_large", kv...)
	case r.Fault == social.Invalid && (r.Field == social.FieldTitle || r.Field == social.FieldText):
		return fault.Refused("variants", "press_error_target_invalid_text", kv...)
	case r.Field == social.FieldMedia && r.Fault == social.TooMany:
		return fault.Refused("media", "press_error_too_many_media", kv...)
	case r.Field == social.FieldMedia && r.Fault == social.Unsupported:
		return fault.Refused("media", "press_error_target_media_type", kv...)
	case r.Field == social.FieldAlt && r.Fault == social.Missing:
		return fault.Refused("media", "press_error_alt_missing", kv...)
	case r.Field == social.FieldAlt:
		return fault.Refused("media", "press_error_target_alt_too_long", kv...)
	}
	return fault.Refused("variants", "press_error_target_refused", append(kv, "Reason", r.Reason)...)
}

// Approve records a's approval of the version with hash. Its authors
// cannot approve it: the person who wrote the statement, and whoever
// changed its content (text, images, targets, times) since it was last
// cleared, so that one person holding both roles never clears their own
// words, and a sensitive statement's approvals come from as many people
// who did not write it. An approval of an older version is refused, and so
// is one of a statement a target would now refuse (its channel's state may
// have changed since submission).
func (s *Service) Approve(ctx context.Context, a Actor, id int64, hash string) (store.ApprovalResult, error) {
	st, err := s.db.GetStatement(ctx, id)
	if err != nil {
		return store.ApprovalResult{}, err
	}
	if st.AuthorID == a.ID {
		return store.ApprovalResult{}, fault.Refused("", "press_error_self_approval")
	}
	authors, err := s.db.StatementAuthors(ctx, id)
	if err != nil {
		return store.ApprovalResult{}, err
	}
	if slices.Contains(authors, a.ID) {
		return store.ApprovalResult{}, fault.Refused("", "press_error_own_edit")
	}
	if st.State != store.StateSubmitted {
		return store.ApprovalResult{}, fault.Refused("", "press_error_not_submitted")
	}
	if hash != st.ContentHash || ContentHash(st) != st.ContentHash {
		return store.ApprovalResult{}, fault.Refused("hash", "press_error_stale_approval")
	}
	if err := s.checkTargets(ctx, st); err != nil {
		return store.ApprovalResult{}, err
	}
	r, err := s.db.ApproveStatement(ctx, id, a.ID, hash, a.entry("statement.approve"))
	if errors.Is(err, store.ErrOwnEdit) {
		return store.ApprovalResult{}, fault.Refused("", "press_error_own_edit")
	}
	if errors.Is(err, store.ErrConflict) {
		return store.ApprovalResult{}, fault.Refused("", "press_error_already_approved")
	}
	if err == nil && r.Complete {
		s.changed(ctx)
	}
	return r, err
}

// changed wakes this instance's scheduler and tells the others.
func (s *Service) changed(ctx context.Context) {
	select {
	case s.kick <- struct{}{}:
	default:
	}
	if err := s.db.NotifySchedule(ctx); err != nil {
		s.log.Warn("notify schedule", "err", err)
	}
}

// Reschedule moves a publication to a time a person chose (the calendar,
// the reschedule forms and the API). Approvals cover the time as well as
// the text, so a move is an edit: the statement's approvals are void, it
// awaits approval again (if it was submitted or cleared) and the mover
// becomes one of its authors. It reports whether an approval or a
// clearance was voided.
func (s *Service) Reschedule(ctx context.Context, a Actor, pub int64, at time.Time) (voided bool, err error) {
	if at.IsZero() || !at.After(s.now()) {
		return false, fault.Refused("due_at", "press_error_due_past")
	}
	return s.move(ctx, a, pub, at, "publication.reschedule")
}

// move makes a person's change of a publication's time (see Reschedule).
func (s *Service) move(ctx context.Context, a Actor, pub int64, at time.Time, action string) (bool, error) {
	at = storedTime(at)
	p, err := s.db.GetPublication(ctx, pub)
	if err != nil {
		return false, err
	}
	st, err := s.db.GetStatement(ctx, p.StatementID)
	if err != nil {
		return false, err
	}
	if st.RecallState != "" {
		return false, fault.Refused("", "press_error_recalled")
	}
	if !st.EmbargoUntil.IsZero() && at.Before(st.EmbargoUntil) {
		return false, fault.Refused("due_at", "press_error_due_before_embargo")
	}
	old := st.ContentHash
	moved := st
	moved.TargetDue = map[int64]time.Time{}
	for ch, t := range st.TargetDue {
		moved.TargetDue[ch] = t
	}
	moved.TargetDue[p.ChannelID] = at
	e := a.entry(action)
	e.Payload = at.UTC().Format(time.RFC3339)
	voided, err := s.db.MovePublication(ctx, store.Move{Publication: pub, At: at, OldHash: old, NewHash: ContentHash(moved), Editor: a.ID}, e)
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return false, fault.Refused("", "press_error_cannot_move")
		}
		return false, err
	}
	s.changed(ctx)
	return voided, nil
}

// Decide releases a held publication (late, approval expired, due during
// a pause): now, at a new time, or cancelled.
//
// Clearance allows "now" without a new approval: the publication was held
// because its approved time passed (an outage beyond the grace, a pause,
// an approval given after the time), and releasing it lets it go out from
// now on, later than approved and never earlier; its due time, which the
// approval covers, stays. A new time is a person's choice like any move
// (Reschedule), so it voids the approval.
func (s *Service) Decide(ctx context.Context, a Actor, pub int64, action string, at time.Time) error {
	e := a.entry("publication.decide")
	e.Payload = action
	var err error
	switch action {
	case store.ResumeNow:
		err = s.db.DecideHeld(ctx, pub, false, e)
	case store.ResumeReschedule:
		if !at.After(s.now()) {
			return fault.Refused("due_at", "press_error_due_past")
		}
		p, gerr := s.db.GetPublication(ctx, pub)
		if gerr != nil {
			return gerr
		}
		if p.Held == "" {
			return fault.Refused("", "press_error_not_held")
		}
		_, err = s.move(ctx, a, pub, at, "publication.decide-reschedule")
		return err
	case "cancel":
		err = s.db.DecideHeld(ctx, pub, true, e)
	default:
		return fault.Refused("action", "press_error_action")
	}
	if errors.Is(err, store.ErrConflict) {
		return fault.Refused("", "press_error_not_held")
	}
	if err == nil {
		s.changed(ctx)
	}
	return err
}

// Settle lets a person close a needs-check publication.
func (s *Service) Settle(ctx context.Context, a Actor, pub int64, published bool, url string) error {
	e := a.entry("publication.settle")
	e.Payload = fmt.Sprintf("published=%t url=%s", published, url)
	err := s.db.SettleNeedsCheck(ctx, pub, published, url, e)
	if errors.Is(err, store.ErrConflict) {
		return fault.Refused("", "press_error_not_needs_check")
	}
	if err == nil && published {
		s.checkpoint()
	}
	return err
}
