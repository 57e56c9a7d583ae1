package httpx

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"sync"
	"time"

	"github.com/mofa-vn/chancery/internal/lang"
)

// Page is what a handler hands to Render.
type Page struct {
	Title       string
	Description string
	// Alternates are the same page in other languages, for hreflang links.
	Alternates []Alternate
	Data       any
}

// Alternate is one language version of a page.
type Alternate struct {
	Lang string // BCP 47, or "x-default"
	URL  string
}

// View is the data every template receives: the page, plus the request's
// language, nonce, viewer and helpers bound to that language.
type View struct {
	Page
	Lang      lang.Language
	Languages []LangLink
	Nonce     string
	Viewer    *Viewer
	Path      string
	Status    int
	kit       *Kit
	banners   []string
	notices   *Notices
}

// LangLink is one entry of the language switcher.
type LangLink struct {
	lang.Language
	Href    string
	Current bool
}

// T returns the message key in the page's language. Arguments are pairs of
// template-data names and values: {{.T "admin_welcome" "Name" .Viewer.User.DisplayName}}.
func (v *View) T(key string, pairs ...any) string {
	var data map[string]any
	if len(pairs) > 0 {
		data = make(map[string]any, len(pairs)/2)
		for i := 0; i+1 < len(pairs); i += 2 {
			if k, ok := pairs[i].(string); ok {
				data[k] = pairs[i+1]
			}
		}
	}
	return v.kit.Cat.T(v.Lang.Code, key, data)
}

// N returns the plural message key for count in the page's language, with
// the number formatted by CLDR rules as {{.Count}}.
func (v *View) N(key string, count int) string { return v.kit.Cat.N(v.Lang.Code, key, count, nil) }

// TIn returns the message key in another language than the page's, for
// text that carries its own lang attribute (the language chooser).
func (v *View) TIn(code, key string) string { return v.kit.Cat.T(code, key, nil) }

// Asset returns the content-hashed URL of a static file.
func (v *View) Asset(name string) (string, error) { return v.kit.Assets.URL(name) }

// Date formats a time as a long date in the page's language, on the
// calendar of the viewer's time zone (UTC when they have none).
func (v *View) Date(t time.Time) string {
	loc := time.UTC
	if v.Viewer != nil && v.Viewer.User.TimeZone != "" {
		if l, err := time.LoadLocation(v.Viewer.User.TimeZone); err == nil {
			loc = l
		}
	}
	return lang.FormatDate(v.Lang.Code, t, loc, lang.Long)
}

// Banners returns the notices shown to signed-in viewers on every page.
func (v *View) Banners() []string { return v.banners }

// HasRole reports whether the viewer may act in the named role.
func (v *View) HasRole(role string) bool {
	if v.Viewer == nil {
		return false
	}
	for _, r := range v.Viewer.Roles {
		if string(r) == role {
			return true
		}
	}
	return false
}

// pageTemplate is a page's template set: the layout and partials plus the
// page's own file. The set is cloned from the layout on the page's first
// render, not at start: sixty clones of the layout's trees were a third of
// an idle server's heap, and most pages are never shown by most servers.
type pageTemplate struct {
	t func() (*template.Template, error)
}

// parseTemplates checks every page at start (each file parses and defines a
// "content" block) and returns one lazily built template per page.
func parseTemplates(fsys fs.FS) (map[string]*pageTemplate, error) {
	base, err := template.New("").ParseFS(fsys, "layout/*.html")
	if err != nil {
		return nil, fmt.Errorf("httpx: parse layout: %w", err)
	}
	names, err := fs.Glob(fsys, "*.html")
	if err != nil {
		return nil, err
	}
	pages := make(map[string]*pageTemplate, len(names))
	for _, name := range names {
		// The page parsed alone fails as it would in the set, and
		// with the layout says whether the set has a "content" block.
		own, err := template.New("").ParseFS(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("httpx: parse %s: %w", name, err)
		}
		if own.Lookup("content") == nil && base.Lookup("content") == nil {
			return nil, fmt.Errorf("httpx: %s defines no \"content\" block", name)
		}
		// base is never executed, so cloning it stays possible, and
		// Clone only reads its trees: concurrent first renders of
		// different pages are safe.
		pages[name] = &pageTemplate{t: sync.OnceValues(func() (*template.Template, error) {
			t, err := base.Clone()
			if err != nil {
				return nil, err
			}
			if _, err := t.ParseFS(fsys, name); err != nil {
				return nil, fmt.Errorf("httpx: parse %s: %w", name, err)
			}
			return t, nil
		})}
	}
	return pages, nil
}

// Render writes a page in the request's language. The page is rendered into
// a buffer first, so a template failure becomes a clean error page.
func (h *Kit) Render(w http.ResponseWriter, r *http.Request, status int, name string, p Page) {
	pt, ok := h.pages[name]
	if !ok {
		h.Fail(w, r, fmt.Errorf("httpx: no template %q", name))
		return
	}
	t, err := pt.t()
	if err != nil {
		if name == "error.html" {
			// Never loop: the error page itself failed.
			h.Log.ErrorContext(r.Context(), "render error page", "err", err)
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		h.Fail(w, r, err)
		return
	}
	l := h.Lang(r)
	v := &View{Page: p, Lang: l, Nonce: Nonce(r.Context()), Viewer: ViewerFrom(r.Context()), Path: r.URL.Path, Status: status, kit: h}
	if v.Viewer != nil {
		for _, f := range h.banners {
			v.banners = append(v.banners, f(r.Context(), l.Code)...)
		}
	}
	v.notices = h.unread(r, v.Viewer)
	v.Languages = h.switcher(r, l)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		if name == "error.html" {
			// Never loop: the error page itself failed.
			h.Log.ErrorContext(r.Context(), "render error page", "err", err)
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		h.Fail(w, r, fmt.Errorf("httpx: render %s: %w", name, err))
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Language", l.Code)
	if hdr.Get("Cache-Control") == "" {
		hdr.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// switcher builds the language links: each remembers the choice and returns
// to the same page in that language.
func (h *Kit) switcher(r *http.Request, cur lang.Language) []LangLink {
	next := r.URL.Path
	if r.URL.RawQuery != "" && r.Method == http.MethodGet {
		next += "?" + r.URL.RawQuery
	}
	all := lang.All()
	out := make([]LangLink, 0, len(all))
	for _, l := range all {
		out = append(out, LangLink{
			Language: l,
			Href:     path.Join("/lang", l.Code) + "?next=" + url.QueryEscape(next),
			Current:  l.Code == cur.Code,
		})
	}
	return out
}
