// Package portal owns the public multilingual news portal: the home page of
// each language, articles with their version history, lists by topic and by
// country, search, the "not available in this language" page, media files;
// the press officers' editing pages and the /api/v1/articles API; and the
// portal's social.Publisher, through which the publishing scheduler puts
// statements on the portal.
//
// Its pages, its API and its publisher change content only through the
// domain service of portal/content, which holds the content rules; it
// reads through internal/store and renders through internal/httpx; staff
// routes are guarded with auth.Require. It must not import other feature
// packages (admin, the social connectors) but internal/feed, which writes
// its feeds and sitemaps.
package portal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"
	_ "time/tzdata" // the portal's zone must load in minimal containers

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/portal/content"
	"github.com/mofa-vn/chancery/internal/store"
)

// DefaultTimeZone is where the ministry is: dates on the portal are shown
// in this zone unless configured otherwise.
const DefaultTimeZone = "Asia/Ho_Chi_Minh"

// Editors are the roles that may write, publish and unpublish articles.
var Editors = []account.Role{account.RoleAdmin, account.RolePressOfficer}

// Change is what subscribers hear of a change of content: see
// content.Change.
type Change = content.Change

// Params are the dependencies of New.
type Params struct {
	DB  *store.DB
	Kit *httpx.Kit
	Log *slog.Logger
	// Location is the zone dates are shown in; nil means DefaultTimeZone.
	Location *time.Location
	// OnChange, if set, is called after every publish and unpublish.
	OnChange func(ctx context.Context, c Change)
	// VerifyLink, if set, gives the address of the page that verifies the
	// statement at a URL, in a language (signing.VerifyLink): statement
	// pages link to it.
	VerifyLink func(code, statementURL string) string
}

// Handlers serve the portal's pages and API.
type Handlers struct {
	db      *store.DB
	kit     *httpx.Kit
	log     *slog.Logger
	loc     *time.Location
	content *content.Service
	verify  func(code, statementURL string) string

	mu    sync.RWMutex
	pages map[string]http.HandlerFunc // /{lang}/{page}
}

// searchIndexKey records the store.SearchIndexVersion the search index was
// last built with: the index is filled by publishing, and rebuilt at start
// for content that predates it or was analysed another way.
const searchIndexKey = "portal_search_index"

// New returns the portal handlers. It builds the search index again when it
// was built with another analysis, or never.
func New(ctx context.Context, p Params) (*Handlers, error) {
	if p.Location == nil {
		loc, err := time.LoadLocation(DefaultTimeZone)
		if err != nil {
			return nil, fmt.Errorf("portal: load %s: %w", DefaultTimeZone, err)
		}
		p.Location = loc
	}
	if p.Log == nil {
		p.Log = slog.New(slog.DiscardHandler)
	}
	h := &Handlers{db: p.DB, kit: p.Kit, log: p.Log, loc: p.Location, content: content.New(p.DB, p.OnChange), verify: p.VerifyLink}
	h.pages = map[string]http.HandlerFunc{"search": h.search}
	built, err := p.DB.GetSetting(ctx, searchIndexKey)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("portal: %w", err)
	}
	if built != store.SearchIndexVersion {
		if err := p.DB.RebuildSearchIndex(ctx); err != nil {
			return nil, fmt.Errorf("portal: %w", err)
		}
		if err := p.DB.SetSetting(ctx, searchIndexKey, store.SearchIndexVersion); err != nil {
			return nil, fmt.Errorf("portal: %w", err)
		}
	}
	return h, nil
}

// HandlePage serves /{lang}/{name} (such as /en/feed.atom or /en/verify)
// with f. The portal owns the two-segment /{lang}/… space because the
// standard mux would find /{lang}/x and /lang/{code} in conflict; other
// packages plug their public pages in here. Call it before serving.
func (h *Handlers) HandlePage(name string, f http.HandlerFunc) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.pages[name] = f
}

// Routes lists every route of the portal.
func (h *Handlers) Routes(mux *httpx.Router) {
	mux.HandleFunc("GET /{$}", h.kit.Root)
	mux.HandleFunc("GET /lang/{code}", h.kit.ChooseLanguage)
	mux.HandleFunc(routeHome, h.home)
	mux.HandleFunc("GET /{lang}", h.langRoot)
	mux.HandleFunc("GET /{lang}/{page}", h.page)
	mux.HandleFunc(routeArticle, h.article)
	mux.HandleFunc(routeHistory, h.history)
	mux.HandleFunc(routeVersion, h.version)
	mux.HandleFunc(routeTopic, h.topicList)
	mux.HandleFunc(routeCountry, h.countryList)
	mux.HandleFunc("GET /media/{file}", h.media)

	editors := auth.Require(h.kit, Editors...)
	mux.Handle("GET /admin/articles", editors(http.HandlerFunc(h.editList)))
	mux.Handle("GET /admin/articles/new", editors(http.HandlerFunc(h.editNew)))
	mux.Handle("POST /admin/articles", editors(http.HandlerFunc(h.editCreate)))
	mux.Handle("GET /admin/articles/{id}", editors(http.HandlerFunc(h.editArticle)))
	mux.Handle("POST /admin/articles/{id}", editors(http.HandlerFunc(h.editUpdate)))
	mux.Handle("GET /admin/articles/{id}/{tl}", editors(http.HandlerFunc(h.editTranslation)))
	mux.Handle("POST /admin/articles/{id}/{tl}", editors(http.HandlerFunc(h.editSaveTranslation)))
	mux.Handle("GET /admin/articles/{id}/{tl}/preview", editors(http.HandlerFunc(h.editPreview)))
	mux.Handle("POST /admin/articles/{id}/{tl}/unpublish", editors(http.HandlerFunc(h.editUnpublish)))

	mux.Handle("GET /api/v1/articles", editors(http.HandlerFunc(h.apiList)))
	mux.Handle("POST /api/v1/articles", editors(http.HandlerFunc(h.apiCreate)))
	mux.Handle("GET /api/v1/articles/{id}", editors(http.HandlerFunc(h.apiGet)))
	mux.Handle("PATCH /api/v1/articles/{id}", editors(http.HandlerFunc(h.apiUpdate)))
	mux.Handle("PUT /api/v1/articles/{id}/translations/{tl}", editors(http.HandlerFunc(h.apiSaveTranslation)))
	mux.Handle("POST /api/v1/articles/{id}/translations/{tl}/publish", editors(http.HandlerFunc(h.apiPublish)))
	mux.Handle("POST /api/v1/articles/{id}/translations/{tl}/unpublish", editors(http.HandlerFunc(h.apiUnpublish)))
	mux.Handle("GET /api/v1/articles/{id}/translations/{tl}/versions", editors(http.HandlerFunc(h.apiVersions)))
	mux.Handle("PUT /api/v1/topics/{topic}", editors(http.HandlerFunc(h.apiSaveTopic)))
}

// langRoot sends /en to /en/. Unknown single segments are 404 here, rather
// than being redirected to a trailing-slash path that does not exist either.
func (h *Handlers) langRoot(w http.ResponseWriter, r *http.Request) {
	if _, ok := lang.Lookup(r.PathValue("lang")); !ok {
		h.kit.Fail(w, r, fault.ErrNotFound)
		return
	}
	http.Redirect(w, r, "/"+r.PathValue("lang")+"/", http.StatusMovedPermanently)
}

// page dispatches /{lang}/{page}.
func (h *Handlers) page(w http.ResponseWriter, r *http.Request) {
	h.mu.RLock()
	f, ok := h.pages[r.PathValue("page")]
	h.mu.RUnlock()
	if _, known := lang.Lookup(r.PathValue("lang")); !ok || !known {
		h.kit.Fail(w, r, fault.ErrNotFound)
		return
	}
	f(w, r)
}
