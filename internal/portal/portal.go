// Package portal owns the public pages: the home page of each language and
// the language-prefixed URL space /{lang}/… that later grows the news,
// feeds and verification pages.
//
// It reads published content through internal/store and renders through
// internal/httpx. It must not import staff-only packages (admin, social).
package portal

import (
	"net/http"

	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
)

// Handlers serve the public portal.
type Handlers struct {
	db  *store.DB
	kit *httpx.Kit
}

// New returns the portal handlers.
func New(db *store.DB, kit *httpx.Kit) *Handlers { return &Handlers{db: db, kit: kit} }

// Routes lists every route of the portal.
func (h *Handlers) Routes(mux *httpx.Router) {
	mux.HandleFunc("GET /{$}", h.kit.Root)
	mux.HandleFunc("GET /lang/{code}", h.kit.ChooseLanguage)
	mux.HandleFunc("GET /{lang}/{$}", h.home)
	mux.HandleFunc("GET /{lang}", h.langRoot)
}

// langRoot sends /en to /en/. Unknown single segments are 404 here, rather
// than being redirected to a trailing-slash path that does not exist either.
func (h *Handlers) langRoot(w http.ResponseWriter, r *http.Request) {
	if _, ok := lang.Lookup(r.PathValue("lang")); !ok {
		h.kit.Fail(w, r, httpx.ErrNotFound)
		return
	}
	http.Redirect(w, r, "/"+r.PathValue("lang")+"/", http.StatusMovedPermanently)
}

// HomePage is the data of the home template.
type HomePage struct {
	Articles []store.ArticleSummary
	Rooms    []store.Room
}

func (h *Handlers) home(w http.ResponseWriter, r *http.Request) {
	l, ok := lang.Lookup(r.PathValue("lang"))
	if !ok {
		h.kit.Fail(w, r, httpx.ErrNotFound)
		return
	}
	ctx := r.Context()
	arts, err := h.db.LatestArticles(ctx, l.Code, 20)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.kit.Render(w, r, http.StatusOK, "home.html", httpx.Page{
		Title:       h.kit.Cat.T(l.Code, "home_title", nil),
		Description: h.kit.Cat.T(l.Code, "home_description", nil),
		Alternates:  alternates(r, "/"),
		Data:        HomePage{Articles: arts},
	})
}

// alternates lists a page that exists in every language, for hreflang.
func alternates(r *http.Request, rest string) []httpx.Alternate {
	base := httpx.Origin(r)
	out := []httpx.Alternate{{Lang: "x-default", URL: base + "/"}}
	for _, l := range lang.All() {
		out = append(out, httpx.Alternate{Lang: l.Tag.String(), URL: base + "/" + l.Code + rest})
	}
	return out
}
