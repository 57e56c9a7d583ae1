package delegations

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/mail"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
)

// EventInfo is what this package knows of an event: the caller looks it
// up (internal/events owns events).
type EventInfo struct {
	ID        int64
	Slug      string
	Title     map[string]string // by language code: the published titles
	Languages []string          // the languages of the meeting
	Source    string            // the language the texts are written in first
}

// TitleIn returns the event's title in the language code, else in its
// source language, else in the first of its languages that has one, else
// its slug.
func (e EventInfo) TitleIn(code string) string {
	if t := e.Title[code]; t != "" {
		return t
	}
	if t := e.Title[e.Source]; t != "" {
		return t
	}
	for _, l := range e.Languages {
		if t := e.Title[l]; t != "" {
			return t
		}
	}
	for _, l := range lang.All() {
		if t := e.Title[l.Code]; t != "" {
			return t
		}
	}
	return e.Slug
}

// Events finds an event by ID; an unknown one gives an error matching
// store.ErrNotFound.
type Events func(ctx context.Context, id int64) (EventInfo, error)

// StoredEvents finds events in internal/events' tables: an event's slug,
// its published titles (its drafts only while none is published), its
// source language and the languages of the meeting.
func StoredEvents(db *store.DB) Events {
	return func(ctx context.Context, id int64) (EventInfo, error) {
		e, err := db.GetEvent(ctx, id)
		if err != nil {
			return EventInfo{}, err
		}
		title, drafts := map[string]string{}, map[string]string{}
		for code, t := range e.Translations {
			switch {
			case t.Title == "":
			case t.Status == store.StatusPublished:
				title[code] = t.Title
			default:
				drafts[code] = t.Title
			}
		}
		if len(title) == 0 {
			title = drafts
		}
		return EventInfo{ID: e.ID, Slug: e.Slug, Title: title, Languages: e.Languages, Source: e.SourceLang}, nil
	}
}

// Categories are the registration categories, in the order forms list them.
var Categories = []string{"head", "delegate", "adviser", "observer", "interpreter", "press"}

// Kinds are the kinds of delegation.
var Kinds = []string{store.DelegationState, store.DelegationIO, store.DelegationNGO}

// Limits of the uploads.
const (
	MaxCredentials = 5 << 20 // a note verbale or nomination letter, PDF
	MaxPhoto       = 2 << 20 // a badge photo, JPEG or PNG
	// maxForm bounds the whole registration form: both files and the text.
	maxForm = MaxCredentials + MaxPhoto + 64<<10
)

// User-facing errors, in the reader's language.
var (
	errLinkInvalid = &fault.Problem{Kind: fault.ErrNotFound, Key: "delegations_error_link_invalid"}
	errLinkExpired = &fault.Problem{Kind: fault.ErrGone, Key: "delegations_error_link_expired"}
	errQuota       = &fault.Problem{Kind: fault.ErrConflict, Key: "delegations_error_quota"}
	errState       = &fault.Problem{Kind: fault.ErrConflict, Key: "delegations_error_state"}
	errNotPDF      = &fault.Problem{Kind: fault.ErrInvalid, Key: "delegations_error_not_pdf", Field: "credentials"}
	errPDFTooLarge = &fault.Problem{Kind: fault.ErrTooLarge, Key: "delegations_error_pdf_too_large", Field: "credentials",
		Data: map[string]any{"Size": "5 MiB"}}
	errNotPhoto      = &fault.Problem{Kind: fault.ErrInvalid, Key: "delegations_error_not_photo", Field: "photo"}
	errPhotoTooLarge = &fault.Problem{Kind: fault.ErrTooLarge, Key: "delegations_error_photo_too_large", Field: "photo",
		Data: map[string]any{"Size": "2 MiB"}}
	errCountry    = &fault.Problem{Kind: fault.ErrInvalid, Key: "delegations_error_country", Field: "country"}
	errDuplicate  = &fault.Problem{Kind: fault.ErrConflict, Key: "delegations_error_duplicate"}
	errNoDelegate = &fault.Problem{Kind: fault.ErrInvalid, Key: "delegations_error_no_delegations"}
)

// fieldError is a form or JSON field that is missing or wrong.
func fieldError(field string) *fault.Problem {
	return &fault.Problem{Kind: fault.ErrInvalid, Key: "delegations_error_field_" + field, Field: field}
}

// newToken returns a link's secret (256 random bits, URL-safe) and the
// SHA-256 stored in its place.
func newToken() (token, hash string) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, hashToken(token)
}

func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// validCountry reports whether code is an ISO 3166-1 alpha-2 code
// assigned to a country (the list in countries.go): "VN" and "FR" are,
// "EU" (a grouping), "UK" (reserved), "XK" and "vn" are not.
func validCountry(code string) bool { return countries[code] }

// CountryName returns the name of the country in the language code, from
// CLDR ("Đức" for DE in Vietnamese).
func CountryName(country, code string) string {
	r, err := language.ParseRegion(country)
	if err != nil {
		return country
	}
	if n := display.Regions(language.Make(code)).Name(r); n != "" {
		return n
	}
	return country
}

// NameIn returns the delegation's name in the language code: its own name
// in that language, else a state's CLDR name, else its default name.
func NameIn(d store.Delegation, code string) string {
	if n := d.Names[code]; n != "" {
		return n
	}
	if d.Kind == store.DelegationState && d.Country != "" {
		return CountryName(d.Country, code)
	}
	return d.Name
}

// checkPDF checks by content that data is a PDF: the %PDF- header at the
// start and an %%EOF marker in its last kilobyte (the file's name and
// declared type prove nothing).
func checkPDF(data []byte) error {
	if len(data) > MaxCredentials {
		return errPDFTooLarge
	}
	if !bytes.HasPrefix(data, []byte("%PDF-")) {
		return errNotPDF
	}
	tail := data[max(0, len(data)-1024):]
	if !bytes.Contains(tail, []byte("%%EOF")) {
		return errNotPDF
	}
	return nil
}

// photoType returns the media type of a JPEG or PNG photo, told by its
// content.
func photoType(data []byte) (string, error) {
	if len(data) > MaxPhoto {
		return "", errPhotoTooLarge
	}
	switch {
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")) && len(data) > 4:
		return "image/jpeg", nil
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) && len(data) > 8:
		return "image/png", nil
	}
	return "", errNotPhoto
}

// RegistrationInput is what a person fills in the registration form.
type RegistrationInput struct {
	Name     string
	Title    string
	Category string
	Email    string
	Lang     string
}

// clean trims the input and checks every field; the first wrong field is
// the error.
func (in *RegistrationInput) clean() error {
	in.Name = strings.Join(strings.Fields(in.Name), " ")
	in.Title = strings.Join(strings.Fields(in.Title), " ")
	in.Email = strings.TrimSpace(in.Email)
	in.Category = strings.TrimSpace(in.Category)
	in.Lang = strings.TrimSpace(in.Lang)
	switch {
	case in.Name == "" || utf8.RuneCountInString(in.Name) > 200 || !httpx.ValidText(in.Name):
		return fieldError("name")
	case in.Title == "" || utf8.RuneCountInString(in.Title) > 200 || !httpx.ValidText(in.Title):
		return fieldError("title")
	case !slices.Contains(Categories, in.Category):
		return fieldError("category")
	case !validEmail(in.Email):
		return fieldError("email")
	}
	if _, ok := lang.Lookup(in.Lang); !ok {
		return fieldError("lang")
	}
	return nil
}

// validEmail accepts a bare address (no name, no angle brackets) that
// net/mail reads back as itself.
func validEmail(s string) bool {
	if len(s) > 254 || !httpx.ValidText(s) || strings.ContainsAny(s, "<>\"(), \r\n") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".")
}

// isNotFound reports a lookup that found nothing.
func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

func lookupLang(code string) (lang.Language, bool) { return lang.Lookup(code) }
