// Package signing owns the authenticity of official statements: the
// ministry's Ed25519 key, the canonical text of a statement translation that
// the key signs, the published public key, and the public /{lang}/verify page
// that tells whether an address or a pasted text matches a signed statement.
//
// Registry signs each statement version the portal publishes and keeps it
// in the database (internal/store, table signed_statements); the verify page
// reads it back through the Statements interface. It must not import the
// portal or any staff-only package.
//
// The format is specified in the README ("Verifying a statement") so that
// anyone can check a statement with openssl or Python without Chancery.
package signing

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Magic is the first line of every canonical statement, naming the format
// and its version.
const Magic = "chancery-statement-v1"

// Statement is one version of one translation of an official statement, as
// it is signed.
type Statement struct {
	// URL is the absolute public address of the translation, such as
	// https://mofa.gov.vn/en/news/east-sea-statement.
	URL string
	// Lang is the translation's BCP 47 tag (vi, en, fr, es, ru, zh, ar).
	Lang string
	// Version counts the published versions of this translation from 1; a
	// correction is a new version.
	Version int
	// Issued is when this version was published. It is signed to the
	// second, in UTC.
	Issued time.Time
	// Title is the headline.
	Title string
	// Body is the text as readers see it: the Markdown rendered to plain
	// text, paragraphs separated by blank lines.
	Body string
}

// Signed is a statement with the ministry's signature over its canonical
// form.
type Signed struct {
	Statement
	// Signature is the 64-byte Ed25519 signature of Canonical(Statement).
	Signature []byte
	// Withdrawn is when the ministry withdrew the statement at this
	// address (an approved recall), zero if it did not. The signature
	// stays authentic; the ministry no longer stands by the text.
	Withdrawn time.Time
}

// ErrInvalid reports a statement that cannot be put in canonical form, or a
// document that is not one.
var ErrInvalid = errors.New("signing: invalid statement")

// Canonical returns the bytes the ministry signs:
//
//	chancery-statement-v1 LF
//	url: <URL> LF
//	lang: <Lang> LF
//	version: <Version in decimal> LF
//	issued: <Issued as YYYY-MM-DDTHH:MM:SSZ> LF
//	LF
//	<title> LF
//	LF
//	<body> LF
//
// Every part is UTF-8 in Unicode Normalization Form C. Line endings are LF.
// The title is one line: its runs of white space, line breaks included,
// become one space, and it is trimmed. In the body, CRLF and CR become LF,
// spaces and tabs at the end of a line are removed, runs of blank lines
// become one blank line, and leading and trailing blank lines are removed.
// The header values may not contain control characters.
func Canonical(st Statement) ([]byte, error) {
	if err := st.check(); err != nil {
		return nil, err
	}
	title, body := normTitle(st.Title), normBody(st.Body)
	if title == "" || body == "" {
		return nil, fmt.Errorf("%w: empty title or body", ErrInvalid)
	}
	var b bytes.Buffer
	b.WriteString(Magic + "\n")
	b.WriteString("url: " + norm.NFC.String(st.URL) + "\n")
	b.WriteString("lang: " + st.Lang + "\n")
	b.WriteString("version: " + strconv.Itoa(st.Version) + "\n")
	b.WriteString("issued: " + st.Issued.UTC().Format("2006-01-02T15:04:05Z") + "\n")
	b.WriteString("\n" + title + "\n\n" + body + "\n")
	return b.Bytes(), nil
}

func (st Statement) check() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...))
	}
	for name, v := range map[string]string{"url": st.URL, "lang": st.Lang, "title": st.Title, "body": st.Body} {
		if !utf8.ValidString(v) {
			bad("%s is not UTF-8", name)
		}
	}
	if u, err := url.Parse(st.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || hasControl(st.URL) {
		bad("url %.80q is not an absolute http(s) address", st.URL)
	}
	if !validLangTag(st.Lang) {
		bad("lang %q is not a language tag", st.Lang)
	}
	if st.Version < 1 {
		bad("version %d is not positive", st.Version)
	}
	if st.Issued.IsZero() || st.Issued.UTC().Year() < 1 || st.Issued.UTC().Year() > 9999 {
		bad("issued time %v is out of range", st.Issued)
	}
	return errors.Join(errs...)
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, unicode.IsControl)
}

func validLangTag(s string) bool {
	if s == "" || len(s) > 35 {
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

func normTitle(s string) string {
	return strings.Join(strings.Fields(norm.NFC.String(s)), " ")
}

func normBody(s string) string {
	s = norm.NFC.String(s)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	var out []string
	blank := false
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimRight(line, " \t")
		if line == "" {
			blank = len(out) > 0
			continue
		}
		if blank {
			out = append(out, "")
			blank = false
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// Digest returns the lowercase hex SHA-256 of a canonical statement: the name
// under which its text and signature are published.
func Digest(canonical []byte) string {
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:])
}

// Fingerprint returns the digest of a text as a reader would copy it from a
// page: in NFC, with every run of white space (line breaks included) made one
// space, and trimmed. Copying from a browser changes line breaks and
// spacing, never words, so this survives a copy and paste.
func Fingerprint(text string) string {
	t := strings.Join(strings.Fields(norm.NFC.String(strings.ToValidUTF8(text, "\uFFFD"))), " ")
	sum := sha256.Sum256([]byte("chancery-text-v1\n" + t))
	return hex.EncodeToString(sum[:])
}

// Digests returns every digest under which the portal must be able to find
// a signed statement (Statements.SignedByDigest): the canonical digest,
// and the fingerprints of the title followed by the body and of the body
// alone.
func Digests(st Statement) ([]string, error) {
	c, err := Canonical(st)
	if err != nil {
		return nil, err
	}
	return []string{Digest(c), Fingerprint(st.Title + "\n" + st.Body), Fingerprint(st.Body)}, nil
}

// Parse reads a canonical statement document, such as one downloaded from
// the portal and pasted into the verify page. It accepts CRLF line endings
// and re-normalises what it reads, so Canonical of the result gives the
// exact signed bytes when the text was not altered.
func Parse(doc string) (Statement, error) {
	if !utf8.ValidString(doc) {
		return Statement{}, fmt.Errorf("%w: not UTF-8", ErrInvalid)
	}
	doc = strings.ReplaceAll(strings.ReplaceAll(doc, "\r\n", "\n"), "\r", "\n")
	doc = strings.TrimLeft(doc, "\ufeff \t\n")
	sc := bufio.NewScanner(strings.NewReader(doc))
	sc.Buffer(make([]byte, 0, 4096), len(doc)+1)
	next := func() (string, bool) {
		if !sc.Scan() {
			return "", false
		}
		return sc.Text(), true
	}
	if l, _ := next(); strings.TrimSpace(l) != Magic {
		return Statement{}, fmt.Errorf("%w: does not start with %s", ErrInvalid, Magic)
	}
	var st Statement
	for _, key := range []string{"url", "lang", "version", "issued"} {
		l, ok := next()
		v, found := strings.CutPrefix(l, key+": ")
		if !ok || !found {
			return Statement{}, fmt.Errorf("%w: line %q, want a %q line", ErrInvalid, truncate(l), key)
		}
		v = strings.TrimSpace(v)
		switch key {
		case "url":
			st.URL = v
		case "lang":
			st.Lang = v
		case "version":
			n, err := strconv.Atoi(v)
			if err != nil {
				return Statement{}, fmt.Errorf("%w: version %q", ErrInvalid, truncate(v))
			}
			st.Version = n
		case "issued":
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return Statement{}, fmt.Errorf("%w: issued %q", ErrInvalid, truncate(v))
			}
			st.Issued = t
		}
	}
	if l, ok := next(); !ok || strings.TrimSpace(l) != "" {
		return Statement{}, fmt.Errorf("%w: no blank line after the header", ErrInvalid)
	}
	var title []string
	for {
		l, ok := next()
		if !ok {
			return Statement{}, fmt.Errorf("%w: no body", ErrInvalid)
		}
		if strings.TrimSpace(l) == "" {
			if len(title) > 0 {
				break
			}
			continue
		}
		title = append(title, l)
	}
	var body []string
	for {
		l, ok := next()
		if !ok {
			break
		}
		body = append(body, l)
	}
	if err := sc.Err(); err != nil {
		return Statement{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	st.Title = strings.Join(title, "\n")
	st.Body = strings.Join(body, "\n")
	if _, err := Canonical(st); err != nil {
		return Statement{}, err
	}
	return st, nil
}

func truncate(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}
