package events

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/store"
)

// Organisers are the roles that create and edit events.
var Organisers = []account.Role{account.RoleAdmin, account.RoleProtocolOfficer}

// Announcers are the roles that may open a statement draft announcing an
// event: those who write statements.
var Announcers = account.PressWriters

// Announcement is an event's title and link in one language, for the
// statement draft that announces it.
type Announcement struct {
	Lang  string
	Title string
	Body  string
}

// Params are the dependencies of New.
type Params struct {
	DB  *store.DB
	Kit *httpx.Kit
	Log *slog.Logger
	// Now is the clock (upcoming or past events, DTSTAMP); time.Now by
	// default.
	Now func() time.Time
	// OnChange, if set, runs after every change the public may see
	// (cmd/server purges the page cache).
	OnChange func(ctx context.Context)
	// Announce, if set, saves a statement draft in the press office by
	// the user with the texts given and returns the address of its page.
	Announce func(ctx context.Context, u account.User, texts []Announcement) (string, error)
	// PublicURL, if set, is the public origin; the request's by default.
	PublicURL string
	// SessionChanged, if set, runs after sessions were added or changed
	// in a way a calendar shows (their SEQUENCE raised), once for a change
	// that moves several (a new venue zone): cmd/server sends the
	// accredited people their updated invitations.
	SessionChanged func(ctx context.Context, eventID int64, sessionIDs ...int64)
}

// Handlers serve the events' pages and API.
type Handlers struct {
	db        *store.DB
	kit       *httpx.Kit
	log       *slog.Logger
	now       func() time.Time
	onChange  func(ctx context.Context)
	announce  func(ctx context.Context, u account.User, texts []Announcement) (string, error)
	publicURL string
	onSession func(ctx context.Context, eventID int64, sessionIDs ...int64)
}

// New returns the events handlers.
func New(p Params) *Handlers {
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Log == nil {
		p.Log = slog.New(slog.DiscardHandler)
	}
	return &Handlers{db: p.DB, kit: p.Kit, log: p.Log, now: p.Now, onChange: p.OnChange, announce: p.Announce, publicURL: p.PublicURL,
		onSession: p.SessionChanged}
}

// PageHost is where two-segment public pages such as /{lang}/events are
// plugged in (the portal owns /{lang}/{page}).
type PageHost interface {
	HandlePage(name string, f http.HandlerFunc)
}

// Routes lists every route of the events.
func (h *Handlers) Routes(mux *httpx.Router, pages PageHost) {
	pages.HandlePage("events", h.list)
	mux.HandleFunc("GET /{lang}/events/{file}", h.file)

	staff := auth.Require(h.kit, Organisers...)
	mux.Handle("GET /admin/events", staff(http.HandlerFunc(h.adminList)))
	mux.Handle("GET /admin/events/new", staff(http.HandlerFunc(h.adminNew)))
	mux.Handle("POST /admin/events", staff(http.HandlerFunc(h.adminCreate)))
	mux.Handle("GET /admin/events/{id}", staff(http.HandlerFunc(h.adminEvent)))
	mux.Handle("POST /admin/events/{id}", staff(http.HandlerFunc(h.adminUpdate)))
	mux.Handle("GET /admin/events/{id}/translations/{tl}", staff(http.HandlerFunc(h.adminTranslation)))
	mux.Handle("POST /admin/events/{id}/translations/{tl}", staff(http.HandlerFunc(h.adminSaveTranslation)))
	mux.Handle("GET /admin/events/{id}/sessions/new", staff(http.HandlerFunc(h.adminNewSession)))
	mux.Handle("POST /admin/events/{id}/sessions", staff(http.HandlerFunc(h.adminCreateSession)))
	mux.Handle("GET /admin/events/{id}/sessions/{sid}", staff(http.HandlerFunc(h.adminSession)))
	mux.Handle("POST /admin/events/{id}/sessions/{sid}", staff(http.HandlerFunc(h.adminUpdateSession)))
	mux.Handle("POST /admin/events/{id}/release", staff(http.HandlerFunc(h.adminRelease)))
	mux.Handle("POST /admin/events/{id}/announce", auth.Require(h.kit, Announcers...)(http.HandlerFunc(h.adminAnnounce)))

	mux.Handle("GET /api/v1/events", staff(http.HandlerFunc(h.apiList)))
	mux.Handle("POST /api/v1/events", staff(http.HandlerFunc(h.apiCreate)))
	mux.Handle("GET /api/v1/events/{id}", staff(http.HandlerFunc(h.apiGet)))
	mux.Handle("PATCH /api/v1/events/{id}", staff(http.HandlerFunc(h.apiUpdate)))
	mux.Handle("PUT /api/v1/events/{id}/translations/{tl}", staff(http.HandlerFunc(h.apiSaveTranslation)))
	mux.Handle("POST /api/v1/events/{id}/sessions", staff(http.HandlerFunc(h.apiCreateSession)))
	mux.Handle("PATCH /api/v1/events/{id}/sessions/{sid}", staff(http.HandlerFunc(h.apiUpdateSession)))
	mux.Handle("DELETE /api/v1/events/{id}/sessions/{sid}", staff(http.HandlerFunc(h.apiDeleteSession)))
	mux.Handle("POST /api/v1/events/{id}/release", staff(http.HandlerFunc(h.apiRelease)))
}

func (h *Handlers) changed(ctx context.Context) {
	if h.onChange != nil {
		h.onChange(ctx)
	}
}

// origin is the public origin: the configured one, else the request's.
func (h *Handlers) origin(r *http.Request) string {
	if h.publicURL != "" {
		return h.publicURL
	}
	return httpx.Origin(r)
}
