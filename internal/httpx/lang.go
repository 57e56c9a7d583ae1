package httpx

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/lang"
)

// LangCookie remembers a language chosen explicitly in the switcher.
const LangCookie = "chancery_lang"

// Lang resolves the language of a request once, in this order: the /{lang}/
// URL prefix; the language chosen in the switcher (cookie); the signed-in
// user's preference; Accept-Language; the default. A language we do not serve
// is never replaced by a "similar" one: Negotiate refuses such matches.
func (h *Kit) Lang(r *http.Request) lang.Language {
	if l, ok := lang.Lookup(r.PathValue("lang")); ok {
		return l
	}
	if l, ok := PathLang(r.URL.Path); ok {
		return l
	}
	if c, err := r.Cookie(LangCookie); err == nil {
		if l, ok := lang.Lookup(c.Value); ok {
			return l
		}
	}
	if v := ViewerFrom(r.Context()); v != nil {
		if l, ok := lang.Lookup(v.User.Lang); ok {
			return l
		}
	}
	if l, ok := lang.Negotiate(r.Header.Get("Accept-Language"), lang.All()); ok {
		return l
	}
	return h.DefaultLang
}

// PathLang returns the language of a /{lang}/… path, if it names one we serve.
func PathLang(p string) (lang.Language, bool) {
	seg, _, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	return lang.Lookup(seg)
}

// ChooseLanguage handles GET /lang/{code}?next=…: it remembers the explicit
// choice in a cookie and goes back to the page in that language.
func (h *Kit) ChooseLanguage(w http.ResponseWriter, r *http.Request) {
	l, ok := lang.Lookup(r.PathValue("code"))
	if !ok {
		h.Fail(w, r, fault.ErrNotFound)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: LangCookie, Value: l.Code, Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
		HttpOnly: true, Secure: h.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
	next := SafeNext(r.URL.Query().Get("next"))
	if _, ok := PathLang(next); ok {
		next = "/" + l.Code + next[3:]
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// SafeNext keeps a redirect target on this site: a local absolute path, or "/".
func SafeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return u.RequestURI()
}

// Root handles GET /: it sends the visitor to their language. Only here does
// Accept-Language count, and deep links are never redirected.
//
// A browser that asks only for languages we do not serve is not sent to a
// "similar" one, nor silently to the default: it gets the language chooser,
// which speaks every language we serve. Clients that state no preference
// (crawlers) go to the default language.
func (h *Kit) Root(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Vary", "Accept-Language, Cookie")
	w.Header().Set("Cache-Control", "private, no-cache")
	_, noChoice := r.Cookie(LangCookie)
	al := strings.TrimSpace(r.Header.Get("Accept-Language"))
	if _, ok := lang.Negotiate(al, lang.All()); !ok && noChoice != nil && al != "" && al != "*" {
		h.Render(w, r, http.StatusOK, "choose.html", Page{Title: h.Cat.T(h.DefaultLang.Code, "lang_chooser_title", nil)})
		return
	}
	http.Redirect(w, r, "/"+h.Lang(r).Code+"/", http.StatusFound)
}

// Origin returns the scheme and host the request reached, for absolute URLs.
func Origin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// NotFound answers every unknown route with a localised 404 page that links
// to the languages we serve.
func (h *Kit) NotFound(w http.ResponseWriter, r *http.Request) {
	h.Fail(w, r, fault.ErrNotFound)
}
