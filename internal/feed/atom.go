// Package feed owns the machine-readable views of the public portal: Atom
// 1.0 feeds (RFC 4287) per language and per topic, the sitemap index with one
// sitemap per language carrying hreflang alternates, and robots.txt.
//
// It writes plain structs that the portal fills (Feed, Entry, URL) and serves
// them through Handlers, which read a Source the portal implements. It must
// not import internal/store or any staff-only package: the portal decides what
// is published, this package only writes it.
package feed

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// AtomNS is the Atom 1.0 namespace (RFC 4287 §1.2).
const AtomNS = "http://www.w3.org/2005/Atom"

// AtomType is the media type of an Atom feed document (RFC 4287 §7).
const AtomType = "application/atom+xml"

// Feed is one Atom feed: the published entries of one language, optionally
// narrowed to one topic.
type Feed struct {
	// ID is the feed's permanent IRI. The handlers use the feed's own URL
	// when it is empty.
	ID string
	// Lang is the BCP 47 tag written as xml:lang on the feed element.
	Lang     string
	Title    string
	Subtitle string
	// Updated is the newest change of any entry. The handlers compute it
	// from the entries when it is zero.
	Updated time.Time
	// SelfURL is the feed's own URL (rel="self").
	SelfURL string
	// PageURL is the HTML page the feed mirrors (rel="alternate").
	PageURL string
	// Translations are the same feed in other languages, written as
	// rel="alternate" links with hreflang.
	Translations []Alternate
	// Author is the feed's author; every entry inherits it (RFC 4287 §4.2.1).
	Author    Person
	Generator string
	Entries   []Entry
}

// Entry is one published translation of an article.
type Entry struct {
	// ID is the entry's permanent IRI; TagURI makes one that survives a
	// change of domain or slug.
	ID    string
	Title string
	// Summary is plain text.
	Summary string
	// ContentHTML is the rendered, sanitised article body. It is escaped
	// into a type="html" content element.
	ContentHTML string
	// URL is the article page (rel="alternate", type text/html).
	URL string
	// Lang is the entry's BCP 47 tag, written only when it differs from
	// the feed's.
	Lang      string
	Published time.Time
	Updated   time.Time
	Authors   []Person
	Topics    []Category
}

// Person is an Atom person construct.
type Person struct {
	Name  string
	URI   string
	Email string
}

// Category is an Atom category: a machine term and a human label.
type Category struct {
	Term   string
	Scheme string
	Label  string
}

// Alternate is one language version of a page or feed.
type Alternate struct {
	Lang string // BCP 47, or "x-default" in sitemaps
	Href string
}

// ErrInvalid reports a document that cannot be written validly; the
// message says which field is wrong.
var ErrInvalid = errors.New("feed: invalid document")

// TagURI returns a tag URI (RFC 4151) such as
// tag:mofa.gov.vn,2026-03-14:article/42/fr. authority is a domain or email
// address the ministry owned on date; specific is any stable string.
func TagURI(authority string, date time.Time, specific string) string {
	return "tag:" + strings.ToLower(authority) + "," + date.UTC().Format(time.DateOnly) + ":" + specific
}

type atomFeed struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang      string      `xml:"http://www.w3.org/XML/1998/namespace lang,attr,omitempty"`
	ID        string      `xml:"id"`
	Title     atomText    `xml:"title"`
	Subtitle  *atomText   `xml:"subtitle,omitempty"`
	Updated   string      `xml:"updated"`
	Author    *atomPerson `xml:"author,omitempty"`
	Generator string      `xml:"generator,omitempty"`
	Links     []atomLink  `xml:"link"`
	Entries   []atomEntry `xml:"entry"`
}

type atomEntry struct {
	Lang       string         `xml:"http://www.w3.org/XML/1998/namespace lang,attr,omitempty"`
	ID         string         `xml:"id"`
	Title      atomText       `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published,omitempty"`
	Authors    []atomPerson   `xml:"author"`
	Links      []atomLink     `xml:"link"`
	Categories []atomCategory `xml:"category"`
	Summary    *atomText      `xml:"summary,omitempty"`
	Content    *atomText      `xml:"content,omitempty"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomPerson struct {
	Name  string `xml:"name"`
	URI   string `xml:"uri,omitempty"`
	Email string `xml:"email,omitempty"`
}

type atomLink struct {
	Rel      string `xml:"rel,attr"`
	Type     string `xml:"type,attr,omitempty"`
	Hreflang string `xml:"hreflang,attr,omitempty"`
	Href     string `xml:"href,attr"`
}

type atomCategory struct {
	Term   string `xml:"term,attr"`
	Scheme string `xml:"scheme,attr,omitempty"`
	Label  string `xml:"label,attr,omitempty"`
}

// atomTime formats a date construct (RFC 4287 §3.3) in UTC, to the second.
func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// WriteAtom writes f as an Atom 1.0 document. It refuses a feed that
// would not validate against RFC 4287's schema: a missing ID, title, author
// or updated time, or an entry without ID, title or a link.
func WriteAtom(w io.Writer, f Feed) error {
	if err := f.check(); err != nil {
		return err
	}
	af := atomFeed{
		Lang:      f.Lang,
		ID:        f.ID,
		Title:     atomText{Type: "text", Body: clean(f.Title)},
		Updated:   atomTime(f.Updated),
		Author:    &atomPerson{Name: clean(f.Author.Name), URI: f.Author.URI, Email: f.Author.Email},
		Generator: f.Generator,
	}
	if f.Subtitle != "" {
		af.Subtitle = &atomText{Type: "text", Body: clean(f.Subtitle)}
	}
	if f.SelfURL != "" {
		af.Links = append(af.Links, atomLink{Rel: "self", Type: AtomType, Href: f.SelfURL})
	}
	if f.PageURL != "" {
		af.Links = append(af.Links, atomLink{Rel: "alternate", Type: "text/html", Hreflang: f.Lang, Href: f.PageURL})
	}
	for _, t := range f.Translations {
		af.Links = append(af.Links, atomLink{Rel: "alternate", Type: AtomType, Hreflang: t.Lang, Href: t.Href})
	}
	for _, e := range f.Entries {
		ae := atomEntry{
			ID:      e.ID,
			Title:   atomText{Type: "text", Body: clean(e.Title)},
			Updated: atomTime(e.Updated),
			Links:   []atomLink{{Rel: "alternate", Type: "text/html", Hreflang: entryLang(f, e), Href: e.URL}},
		}
		if e.Lang != "" && e.Lang != f.Lang {
			ae.Lang = e.Lang
		}
		if !e.Published.IsZero() {
			ae.Published = atomTime(e.Published)
		}
		for _, p := range e.Authors {
			ae.Authors = append(ae.Authors, atomPerson{Name: clean(p.Name), URI: p.URI, Email: p.Email})
		}
		for _, c := range e.Topics {
			ae.Categories = append(ae.Categories, atomCategory{Term: clean(c.Term), Scheme: c.Scheme, Label: clean(c.Label)})
		}
		if e.Summary != "" {
			ae.Summary = &atomText{Type: "text", Body: clean(e.Summary)}
		}
		if e.ContentHTML != "" {
			ae.Content = &atomText{Type: "html", Body: clean(e.ContentHTML)}
		}
		af.Entries = append(af.Entries, ae)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("feed: write atom: %w", err)
	}
	enc := xml.NewEncoder(w)
	if err := enc.Encode(af); err != nil {
		return fmt.Errorf("feed: write atom: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("feed: write atom: %w", err)
	}
	return nil
}

func entryLang(f Feed, e Entry) string {
	if e.Lang != "" {
		return e.Lang
	}
	return f.Lang
}

func (f Feed) check() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...))
	}
	if f.ID == "" {
		bad("feed has no id")
	}
	if strings.TrimSpace(clean(f.Title)) == "" {
		bad("feed has no title")
	}
	if strings.TrimSpace(clean(f.Author.Name)) == "" {
		bad("feed has no author name")
	}
	if f.Updated.IsZero() {
		bad("feed has no updated time")
	}
	if !validLangTag(f.Lang) {
		bad("feed language %q is not a language tag", f.Lang)
	}
	for _, t := range f.Translations {
		if t.Href == "" || !validLangTag(t.Lang) {
			bad("translation link %q (%q) is incomplete", t.Href, t.Lang)
		}
	}
	for i, e := range f.Entries {
		switch {
		case e.ID == "":
			bad("entry %d has no id", i)
		case strings.TrimSpace(clean(e.Title)) == "":
			bad("entry %s has no title", e.ID)
		case e.URL == "":
			bad("entry %s has no URL", e.ID)
		case e.Updated.IsZero():
			bad("entry %s has no updated time", e.ID)
		case e.Lang != "" && !validLangTag(e.Lang):
			bad("entry %s language %q is not a language tag", e.ID, e.Lang)
		}
	}
	return errors.Join(errs...)
}

// validLangTag checks the shape RFC 4287 requires of xml:lang and hreflang
// (RFC 3066: [A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*).
func validLangTag(s string) bool {
	if s == "" {
		return false
	}
	for i, part := range strings.Split(s, "-") {
		if len(part) < 1 || len(part) > 8 {
			return false
		}
		for _, c := range part {
			alpha := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
			digit := c >= '0' && c <= '9'
			if !alpha && !(digit && i > 0) {
				return false
			}
		}
	}
	return true
}

// clean drops the characters XML 1.0 cannot carry at all (C0 controls other
// than tab, CR and LF, and the non-characters FFFE and FFFF). encoding/xml
// would replace them with U+FFFD; editors' pasted text is better without.
// Invalid UTF-8 becomes one U+FFFD per run.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	ok := true
	for _, r := range s {
		if !isXMLChar(r) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isXMLChar(r) {
			return r
		}
		return -1
	}, s)
}

func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		(r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}
