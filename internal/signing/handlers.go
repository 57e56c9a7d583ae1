package signing

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
)

// Statements is what the portal implements so that the verify page can find
// signed statements. Both methods return every match, newest version first,
// and an empty slice with a nil error when nothing matches.
type Statements interface {
	// SignedByPath returns every signed version of the statement
	// translation published at the URL path, such as /en/news/east-sea.
	SignedByPath(ctx context.Context, path string) ([]Signed, error)
	// SignedByDigest returns the signed versions for which Digests gave d
	// when they were signed.
	SignedByDigest(ctx context.Context, d string) ([]Signed, error)
}

// KeyPath is where the public key is published, as PEM; KeyPath+".json"
// publishes it as a JSON Web Key Set.
const KeyPath = "/.well-known/chancery-signing-key"

// VerifyLink is the address of the verify page, in the language code, that
// checks the statement at statementURL: the "Verify this statement" link of
// a statement page (message verify_this_statement).
func VerifyLink(code, statementURL string) string {
	return "/" + code + "/verify?url=" + url.QueryEscape(statementURL)
}

// maxText is the longest pasted text the verify page reads, in bytes: far
// more than any statement.
const maxText = 200 << 10

// Handlers serve the public key, the verify page and the signed texts.
type Handlers struct {
	kit *httpx.Kit
	pub ed25519.PublicKey
	st  Statements
}

// Params are the dependencies of NewHandlers.
type Params struct {
	Kit *httpx.Kit
	// Public is the ministry's public key, Key.Public().
	Public ed25519.PublicKey
	// Statements finds signed statements; nil serves the public key only.
	Statements Statements
}

// NewHandlers returns the handlers.
func NewHandlers(p Params) *Handlers {
	return &Handlers{kit: p.Kit, pub: p.Public, st: p.Statements}
}

// Routes lists every route of the package. Without Statements only the
// public key is served. The language prefixes are literal (GET /vi/verify,
// …): ServeMux refuses a /{lang}/verify wildcard beside /static/{file}, and
// an unknown prefix falls through to the site's localised 404.
func (h *Handlers) Routes(mux *httpx.Router) {
	mux.HandleFunc("GET "+KeyPath, h.publicPEM)
	mux.HandleFunc("GET "+KeyPath+".json", h.publicJWKS)
	if h.st == nil {
		return
	}
	for _, l := range lang.All() {
		mux.HandleFunc("GET /"+l.Code+"/verify", func(w http.ResponseWriter, r *http.Request) { h.verifyGET(w, r, l) })
		mux.HandleFunc("POST /"+l.Code+"/verify", func(w http.ResponseWriter, r *http.Request) { h.verifyPOST(w, r, l) })
		mux.HandleFunc("GET /"+l.Code+"/verify/{file}", h.download)
	}
}

func (h *Handlers) publicPEM(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(PublicPEM(h.pub))
}

func (h *Handlers) publicJWKS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_ = json.NewEncoder(w).Encode(struct {
		Keys []JWK `json:"keys"`
	}{[]JWK{PublicJWK(h.pub)}})
}

// Page is the data of the verify template.
type Page struct {
	URL  string // the address as typed
	Text string // the pasted text
	// Checked is set once something was looked up.
	Checked bool
	// Problem is a message key explaining why nothing could be looked up.
	Problem string
	Matches []Match
	KeyURL  string
	KeyID   string
}

// Match is one signed statement version that matches the input.
type Match struct {
	Signed
	Digest string
	// Valid reports that the signature verifies with the published key.
	Valid bool
	// Latest is the newest version of the same translation.
	Latest Statement
	// IsLatest is set when this is the newest version of a translation
	// that was not withdrawn: a withdrawn statement has no latest version.
	IsLatest bool
	// WithdrawnText is when the ministry withdrew the statement, in the
	// page's language; empty when it was not withdrawn.
	WithdrawnText string
	// IssuedText and LatestIssuedText are the times in the page's language.
	IssuedText, LatestIssuedText string
	LangName                     string
}

func (h *Handlers) verifyGET(w http.ResponseWriter, r *http.Request, l lang.Language) {
	p := Page{URL: r.URL.Query().Get("url")}
	status := http.StatusOK
	if r.URL.Query().Has("url") {
		var err error
		if status, err = h.checkURL(r, l, &p); err != nil {
			h.kit.Fail(w, r, err)
			return
		}
	}
	h.render(w, r, l, status, p)
}

func (h *Handlers) verifyPOST(w http.ResponseWriter, r *http.Request, l lang.Language) {
	if err := httpx.ParseForm(r); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	p := Page{Text: r.PostForm.Get("text"), URL: r.PostForm.Get("url")}
	check := h.checkText
	if strings.TrimSpace(p.Text) == "" && strings.TrimSpace(p.URL) != "" {
		check = h.checkURL
	}
	status, err := check(r, l, &p)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.render(w, r, l, status, p)
}

func (h *Handlers) render(w http.ResponseWriter, r *http.Request, l lang.Language, status int, p Page) {
	p.KeyURL, p.KeyID = KeyPath, KeyID(h.pub)
	origin := httpx.Origin(r)
	alts := []httpx.Alternate{{Lang: "x-default", URL: origin + "/"}}
	for _, o := range lang.All() {
		alts = append(alts, httpx.Alternate{Lang: o.Tag.String(), URL: origin + "/" + o.Code + "/verify"})
	}
	h.kit.Render(w, r, status, "verify.html", httpx.Page{
		Title:       h.kit.Cat.T(l.Code, "verify_title"),
		Description: h.kit.Cat.T(l.Code, "verify_intro"),
		Alternates:  alts,
		Data:        p,
	})
}

// checkURL looks up a statement address. Anything that is not an address
// of this site is "not found", never an error: the page is for the public.
func (h *Handlers) checkURL(r *http.Request, l lang.Language, p *Page) (int, error) {
	p.Checked = true
	raw := strings.TrimSpace(p.URL)
	if raw == "" {
		p.Problem = "verify_empty"
		return http.StatusUnprocessableEntity, nil
	}
	pth, problem := h.sitePath(r, raw)
	if problem != "" {
		p.Problem = problem
		return http.StatusOK, nil
	}
	found, err := h.st.SignedByPath(r.Context(), pth)
	if err != nil {
		return 0, fmt.Errorf("signing: verify address: %w", err)
	}
	return h.matches(r, l, p, found)
}

// sitePath returns the path of raw when it is an address on this site:
// absolute with our host, without a scheme, or a bare path. Otherwise it
// returns the message key that says why nothing was looked up: another
// site's address, or something that is no address at all ("not found").
func (h *Handlers) sitePath(r *http.Request, raw string) (string, string) {
	if len(raw) > 2048 {
		return "", "verify_not_found"
	}
	if !strings.Contains(raw, "://") && !strings.HasPrefix(raw, "/") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https") {
		return "", "verify_not_found"
	}
	if u.Host != "" && !strings.EqualFold(u.Host, r.Host) {
		return "", "verify_other_site"
	}
	return path.Clean("/" + u.Path), ""
}

func (h *Handlers) checkText(r *http.Request, l lang.Language, p *Page) (int, error) {
	p.Checked = true
	text := strings.TrimSpace(p.Text)
	switch {
	case text == "":
		p.Problem = "verify_empty"
		return http.StatusUnprocessableEntity, nil
	case len(text) > maxText:
		p.Problem = "verify_too_long"
		p.Text = ""
		return http.StatusRequestEntityTooLarge, nil
	}
	digest := Fingerprint(text)
	if strings.HasPrefix(strings.TrimLeft(text, "\ufeff"), Magic) {
		if st, err := Parse(text); err == nil {
			if c, err := Canonical(st); err == nil {
				digest = Digest(c)
			}
		}
	}
	found, err := h.st.SignedByDigest(r.Context(), digest)
	if err != nil {
		return 0, fmt.Errorf("signing: verify text: %w", err)
	}
	return h.matches(r, l, p, found)
}

// matches fills p.Matches: each found version with its signature checked
// and the newest version of its translation.
func (h *Handlers) matches(r *http.Request, l lang.Language, p *Page, found []Signed) (int, error) {
	for _, s := range found {
		c, err := Canonical(s.Statement)
		if err != nil {
			continue // never signed in this form: not a match
		}
		m := Match{Signed: s, Digest: Digest(c), Valid: Verify(h.pub, s.Statement, s.Signature), Latest: s.Statement}
		if u, err := url.Parse(s.URL); err == nil {
			versions, err := h.st.SignedByPath(r.Context(), path.Clean("/"+u.Path))
			if err != nil {
				return 0, fmt.Errorf("signing: versions of %s: %w", s.URL, err)
			}
			for _, v := range versions {
				if v.Version > m.Latest.Version {
					m.Latest = v.Statement
				}
			}
		}
		m.IsLatest = m.Latest.Version == s.Version && s.Withdrawn.IsZero()
		if !s.Withdrawn.IsZero() {
			m.WithdrawnText = withdrawnText(l.Code, s.Withdrawn)
		}
		m.IssuedText = lang.FormatDateTime(l.Code, s.Issued, time.UTC, lang.Long) + " UTC"
		m.LatestIssuedText = lang.FormatDateTime(l.Code, m.Latest.Issued, time.UTC, lang.Long) + " UTC"
		if sl, ok := lang.Lookup(s.Lang); ok {
			m.LangName = sl.NativeName
		} else {
			m.LangName = s.Lang
		}
		p.Matches = append(p.Matches, m)
	}
	return http.StatusOK, nil
}

// download serves a signed text (<digest>.txt) or its raw 64-byte signature
// (<digest>.sig), so that anyone can check them with openssl.
func (h *Handlers) download(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	digest, ext, _ := strings.Cut(file, ".")
	if !isDigest(digest) || (ext != "txt" && ext != "sig") {
		h.kit.Fail(w, r, fault.ErrNotFound)
		return
	}
	found, err := h.st.SignedByDigest(r.Context(), digest)
	if err != nil {
		h.kit.Fail(w, r, fmt.Errorf("signing: download %s: %w", digest, err))
		return
	}
	for _, s := range found {
		c, err := Canonical(s.Statement)
		if err != nil || Digest(c) != digest {
			continue
		}
		if !s.Withdrawn.IsZero() {
			// The ministry no longer hands out a withdrawn text or its
			// signature; the verify page still says that a copy is
			// authentic, and withdrawn.
			l := h.kit.Lang(r)
			h.kit.Fail(w, r, &fault.Problem{Kind: fault.ErrGone, Key: "verify_withdrawn_download", Data: map[string]any{"Date": withdrawnText(l.Code, s.Withdrawn)}})
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400, immutable")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Content-Disposition", `attachment; filename="`+file+`"`)
		if ext == "txt" {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = w.Write(c)
		} else {
			w.Header().Set("Content-Type", "application/octet-stream")
			_, _ = w.Write(s.Signature)
		}
		return
	}
	h.kit.Fail(w, r, fault.ErrNotFound)
}

// withdrawnText is the time of a withdrawal in the language code, in UTC
// like the issue times the verify page shows.
func withdrawnText(code string, t time.Time) string {
	return lang.FormatDateTime(code, t, time.UTC, lang.Long) + " UTC"
}

func isDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
