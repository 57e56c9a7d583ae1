package delegations

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/mail"
	"github.com/mofa-vn/chancery/internal/store"
)

// Service is the delegations' domain: registration, decisions, links and
// precedence, over the store.
type Service struct {
	DB     *store.DB
	Cat    *lang.Catalog
	Events Events
	Log    *slog.Logger
	Now    func() time.Time
	// MailFrom is the sender of e-mail; empty means e-mail is off and
	// none is written.
	MailFrom string
	// MailQueued is called after a transaction wrote mail to the outbox
	// (the relay's Kick), if set.
	MailQueued func()
	// PublicURL is the base of the links in e-mail.
	PublicURL string
	// Invites, if set, gives accredited people their join links and
	// invitations (invitations.go).
	Invites *Invites
}

// MailOn reports whether decisions send e-mail.
func (s *Service) MailOn() bool { return s.MailFrom != "" }

// Actor is who makes a decision, as the audit log names them.
type Actor struct {
	UserID int64
	Name   string // "username", "focal-point:<delegation>", "registrant:<e-mail>"
	Reason string // why, for the log
}

// audit returns the audit entry of action with the details, the reason
// included.
func (a Actor) audit(action string, details map[string]any) store.AuditEntry {
	if details == nil {
		details = map[string]any{}
	}
	if a.Reason != "" {
		details["reason"] = a.Reason
	}
	b, _ := json.Marshal(details)
	return store.AuditEntry{ActorID: a.UserID, Actor: a.Name, Action: action, Payload: string(b)}
}

// event returns the event of the ID, or an error matching
// store.ErrNotFound.
func (s *Service) event(ctx context.Context, id int64) (EventInfo, error) {
	if id <= 0 {
		return EventInfo{}, fmt.Errorf("delegations: event %d: %w", id, store.ErrNotFound)
	}
	return s.Events(ctx, id)
}

// mailTo writes the message of the kind about r, in r's language, for
// the outbox; nothing when e-mail is off. It reads nothing from the store:
// it runs inside the decision's transaction.
func (s *Service) mailTo(ctx context.Context, r store.Registration, d store.Delegation, ev EventInfo, kind string) []store.OutboxMail {
	if !s.MailOn() {
		return nil
	}
	code := r.Lang
	data := map[string]any{"Name": r.Name, "Event": ev.TitleIn(code), "Delegation": NameIn(d, code), "Reason": r.Reason,
		"Category": s.Cat.T(code, "delegations_category_"+r.Category, nil)}
	m := mail.Message{
		To:      r.Email,
		Subject: s.Cat.T(code, "delegations_mail_"+kind+"_subject", data),
		Text:    s.Cat.T(code, "delegations_mail_"+kind+"_text", data) + "\n\n-- \n" + s.Cat.T(code, "delegations_mail_footer", data) + "\n",
	}
	msg, err := m.Bytes(s.MailFrom, s.Now())
	if err != nil {
		s.Log.ErrorContext(ctx, "delegations: mail", "registration", r.ID, "err", err)
		return nil
	}
	return []store.OutboxMail{{Recipient: r.Email, Message: msg}}
}

// eventOr returns the event, or one named by its ID when the lookup
// fails (a mail still goes out).
func (s *Service) eventOr(ctx context.Context, id int64) EventInfo {
	ev, err := s.event(ctx, id)
	if err != nil {
		return EventInfo{ID: id, Slug: fmt.Sprint(id)}
	}
	return ev
}

func (s *Service) queued(mails []store.OutboxMail) {
	if len(mails) > 0 && s.MailQueued != nil {
		s.MailQueued()
	}
}

// Register records a registration through the link's delegation, after
// checking the credentials letter and the photo by content. Nothing is
// kept when anything is refused.
func (s *Service) Register(ctx context.Context, delegationID int64, in RegistrationInput, credentials, photo []byte) (store.Registration, error) {
	if err := in.clean(); err != nil {
		return store.Registration{}, err
	}
	if err := checkPDF(credentials); err != nil {
		return store.Registration{}, err
	}
	pt, err := photoType(photo)
	if err != nil {
		return store.Registration{}, err
	}
	sum := sha256.Sum256(credentials)
	r := store.Registration{DelegationID: delegationID, Name: in.Name, Title: in.Title, Category: in.Category, Email: in.Email,
		Lang: in.Lang, CredentialsSHA256: hex.EncodeToString(sum[:]), PhotoType: pt}
	d, err := s.DB.GetDelegation(ctx, delegationID)
	if err != nil {
		return store.Registration{}, err
	}
	r.EventID, r.State = d.EventID, store.RegPending
	mails := s.mailTo(ctx, r, d, s.eventOr(ctx, d.EventID), "received")
	actor := Actor{Name: "registrant:" + in.Email}
	out, err := s.DB.CreateRegistration(ctx, r, credentials, photo,
		actor.audit("delegation.register", map[string]any{"category": in.Category, "name": in.Name}), mails)
	if errors.Is(err, store.ErrQuotaExceeded) {
		return store.Registration{}, errQuota
	}
	if err != nil {
		return store.Registration{}, err
	}
	s.queued(mails)
	return out, nil
}

// decision is one of the decisions on a registration.
type decision struct {
	action string
	from   []string
	to     string
	mail   string
}

var (
	focalApprove = decision{"delegation.focal_approve", []string{store.RegPending}, store.RegFocal, "focal"}
	focalReject  = decision{"delegation.focal_reject", []string{store.RegPending, store.RegFocal}, store.RegRejected, "rejected"}
	accredit     = decision{"delegation.accredit", []string{store.RegFocal}, store.RegAccredited, "accredited"}
	reject       = decision{"delegation.reject", []string{store.RegPending, store.RegFocal, store.RegAccredited}, store.RegRejected, "rejected"}
	withdraw     = decision{"delegation.withdraw", []string{store.RegPending, store.RegFocal, store.RegAccredited}, store.RegWithdrawn, ""}
)

// decide applies d to the registration; delegationID, when set, is the
// focal point's own delegation. A rejection needs a reason.
func (s *Service) decide(ctx context.Context, id, delegationID, eventID int64, d decision, actor Actor) (store.Registration, error) {
	actor.Reason = strings.TrimSpace(actor.Reason)
	if d.to == store.RegRejected && (actor.Reason == "" || len(actor.Reason) > 2000 || !validReason(actor.Reason)) {
		return store.Registration{}, fieldError("reason")
	}
	cur, err := s.DB.GetRegistration(ctx, id)
	if err != nil {
		return store.Registration{}, err
	}
	if eventID != 0 && cur.EventID != eventID {
		return store.Registration{}, fmt.Errorf("delegations: registration %d of another event: %w", id, store.ErrNotFound)
	}
	del, err := s.DB.GetDelegation(ctx, cur.DelegationID)
	if err != nil {
		return store.Registration{}, err
	}
	ev := s.eventOr(ctx, cur.EventID)
	var mails []store.OutboxMail
	r, err := s.DB.DecideRegistration(ctx, store.Decision{RegistrationID: id, DelegationID: delegationID, From: d.from, To: d.to, Reason: actor.Reason},
		actor.audit(d.action, map[string]any{"to": d.to}),
		func(r store.Registration) []store.OutboxMail {
			// With invitations, the accreditation's mail is the invitation.
			if d.mail != "" && (d.mail != "accredited" || s.Invites == nil) {
				mails = s.mailTo(ctx, r, del, ev, d.mail)
			}
			return mails
		})
	if errors.Is(err, store.ErrWrongState) {
		return store.Registration{}, errState
	}
	if err != nil {
		return store.Registration{}, err
	}
	s.queued(mails)
	s.afterDecision(ctx, cur.State, r, actor)
	return r, nil
}

func validReason(s string) bool { return !strings.ContainsRune(s, 0) }

// Change replaces a registration's data; one approved or accredited goes
// back to pending, to be approved again.
func (s *Service) Change(ctx context.Context, eventID, id, delegationID int64, in RegistrationInput, actor Actor) (store.Registration, error) {
	if err := in.clean(); err != nil {
		return store.Registration{}, err
	}
	cur, err := s.DB.GetRegistration(ctx, id)
	if err != nil {
		return store.Registration{}, err
	}
	if eventID != 0 && cur.EventID != eventID {
		return store.Registration{}, fmt.Errorf("delegations: registration %d of another event: %w", id, store.ErrNotFound)
	}
	r, err := s.DB.ChangeRegistration(ctx, store.RegistrationChange{ID: id, DelegationID: delegationID, Name: in.Name, Title: in.Title,
		Category: in.Category, Email: in.Email, Lang: in.Lang}, actor.audit("delegation.change", nil))
	if err == nil {
		s.afterDecision(ctx, cur.State, r, actor)
	}
	switch {
	case errors.Is(err, store.ErrWrongState):
		return store.Registration{}, errState
	case errors.Is(err, store.ErrQuotaExceeded):
		return store.Registration{}, errQuota
	}
	return r, err
}

// linkOf returns the live link of the kind whose token is token: an
// unknown or revoked one is errLinkInvalid, an expired one errLinkExpired.
func (s *Service) linkOf(ctx context.Context, kind, token string) (store.DelegationLink, store.Delegation, error) {
	if len(token) < 20 || len(token) > 100 {
		return store.DelegationLink{}, store.Delegation{}, errLinkInvalid
	}
	l, err := s.DB.DelegationLinkByToken(ctx, kind, hashToken(token))
	if isNotFound(err) || err == nil && !l.RevokedAt.IsZero() {
		return store.DelegationLink{}, store.Delegation{}, errLinkInvalid
	}
	if err != nil {
		return store.DelegationLink{}, store.Delegation{}, err
	}
	if !s.Now().Before(l.ExpiresAt) {
		return store.DelegationLink{}, store.Delegation{}, errLinkExpired
	}
	d, err := s.DB.GetDelegation(ctx, l.DelegationID)
	return l, d, err
}

// NewLink makes a link of the kind for the delegation, valid for ttl, and
// returns it with its secret token (shown once: only its hash is kept).
func (s *Service) NewLink(ctx context.Context, d store.Delegation, kind string, ttl time.Duration, actor Actor) (store.DelegationLink, string, error) {
	if kind != store.LinkRegister && kind != store.LinkFocal {
		return store.DelegationLink{}, "", fieldError("kind")
	}
	if ttl <= 0 || ttl > 366*24*time.Hour {
		return store.DelegationLink{}, "", fieldError("days")
	}
	token, hash := newToken()
	l, err := s.DB.CreateDelegationLink(ctx, store.DelegationLink{DelegationID: d.ID, Kind: kind, ExpiresAt: s.Now().Add(ttl)}, hash,
		actor.audit("delegation.link", map[string]any{"kind": kind, "expires_at": s.Now().Add(ttl).UTC()}))
	return l, token, err
}

// DelegationInput describes a delegation to create or change.
type DelegationInput struct {
	Kind          string
	Country       string
	Name          string
	Names         map[string]string
	Quotas        map[string]int
	CredentialsAt time.Time
}

// clean checks the input: a state is named by its ISO 3166-1 alpha-2
// code (and gets CLDR's name when none is given); an organisation needs a
// name.
func (in *DelegationInput) clean() error {
	in.Country = strings.ToUpper(strings.TrimSpace(in.Country))
	in.Name = strings.Join(strings.Fields(in.Name), " ")
	switch in.Kind {
	case store.DelegationState:
		if !validCountry(in.Country) {
			return errCountry
		}
		if in.Name == "" {
			in.Name = CountryName(in.Country, "en")
		}
	case store.DelegationIO, store.DelegationNGO:
		in.Country = ""
		if in.Name == "" {
			return fieldError("name")
		}
	default:
		return fieldError("kind")
	}
	if utf8Len(in.Name) > 200 || !validReason(in.Name) {
		return fieldError("name")
	}
	names := map[string]string{}
	for code, n := range in.Names {
		n = strings.Join(strings.Fields(n), " ")
		if _, ok := lang.Lookup(code); !ok || utf8Len(n) > 200 || !validReason(n) {
			return fieldError("names")
		}
		if n != "" {
			names[code] = n
		}
	}
	in.Names = names
	for c, q := range in.Quotas {
		if !contains(Categories, c) || q < 0 || q > 1000 {
			return fieldError("quotas")
		}
	}
	if in.Quotas == nil {
		in.Quotas = map[string]int{}
	}
	return nil
}

// CreateDelegation adds a delegation to the event.
func (s *Service) CreateDelegation(ctx context.Context, eventID int64, in DelegationInput, actor Actor) (store.Delegation, error) {
	if _, err := s.event(ctx, eventID); err != nil {
		return store.Delegation{}, err
	}
	if err := in.clean(); err != nil {
		return store.Delegation{}, err
	}
	d, err := s.DB.CreateDelegation(ctx, store.Delegation{EventID: eventID, Kind: in.Kind, Country: in.Country, Name: in.Name, Names: in.Names,
		Quotas: in.Quotas, CredentialsAt: in.CredentialsAt}, actor.audit("delegation.create", map[string]any{"kind": in.Kind, "country": in.Country, "name": in.Name}))
	if errors.Is(err, store.ErrConflict) {
		return store.Delegation{}, errDuplicate
	}
	return d, err
}

// delegationOf returns the event's delegation, or an error matching
// store.ErrNotFound.
func (s *Service) delegationOf(ctx context.Context, eventID, id int64) (store.Delegation, error) {
	d, err := s.DB.GetDelegation(ctx, id)
	if err == nil && d.EventID != eventID {
		err = fmt.Errorf("delegations: delegation %d of another event: %w", id, store.ErrNotFound)
	}
	return d, err
}

// UpdateDelegation changes the quotas and, when set, the names and the
// date credentials were presented.
func (s *Service) UpdateDelegation(ctx context.Context, d store.Delegation, actor Actor) (store.Delegation, error) {
	for c, q := range d.Quotas {
		if !contains(Categories, c) || q < 0 || q > 1000 {
			return store.Delegation{}, fieldError("quotas")
		}
	}
	err := s.DB.UpdateDelegation(ctx, d, actor.audit("delegation.update", map[string]any{"quotas": d.Quotas, "credentials_at": d.CredentialsAt}))
	return d, err
}

// SetPrecedence chooses the event's method and language.
func (s *Service) SetPrecedence(ctx context.Context, eventID int64, method, code string, actor Actor) (store.Precedence, error) {
	if !contains([]string{store.PrecedenceAlphabetical, store.PrecedenceCredentials, store.PrecedenceManual}, method) {
		return store.Precedence{}, fieldError("method")
	}
	if _, ok := lang.Lookup(code); !ok {
		return store.Precedence{}, fieldError("lang")
	}
	return s.DB.SetPrecedence(ctx, store.Precedence{EventID: eventID, Method: method, Lang: code},
		actor.audit("precedence.set", map[string]any{"method": method, "lang": code}))
}

// SetManualOrder ranks the delegations in the order of ids.
func (s *Service) SetManualOrder(ctx context.Context, eventID int64, ids []int64, actor Actor) error {
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			return fieldError("order")
		}
		seen[id] = true
	}
	err := s.DB.SetManualOrder(ctx, eventID, ids, actor.audit("precedence.manual", map[string]any{"order": ids}))
	if isNotFound(err) {
		return fieldError("order")
	}
	return err
}

func utf8Len(s string) int { return len([]rune(s)) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
