package events_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/auth/authtest"
	"github.com/mofa-vn/chancery/internal/events"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// pageHost serves the events' two-segment public pages as the portal
// does (GET /{lang}/{page}, portal.Handlers.HandlePage).
type pageHost struct {
	kit   *httpx.Kit
	pages map[string]http.HandlerFunc
}

func (p *pageHost) HandlePage(name string, f http.HandlerFunc) { p.pages[name] = f }

func (p *pageHost) serve(w http.ResponseWriter, r *http.Request) {
	if f := p.pages[r.PathValue("page")]; f != nil {
		f(w, r)
		return
	}
	p.kit.NotFound(w, r)
}

// newSite serves the events' pages and API with real sign-in.
func newSite(t *testing.T, db *store.DB, clock *storetest.Clock) *authtest.Site {
	t.Helper()
	kit := httpxtest.Kit(t, func(p *httpx.KitParams) { p.SecureCookies = true })
	return authtest.Serve(t, db, clock.Now, kit, func(mux *httpx.Router, _ *auth.Service) {
		pages := &pageHost{kit: kit, pages: map[string]http.HandlerFunc{}}
		events.New(events.Params{DB: db, Kit: kit, Log: kit.Log, Now: clock.Now}).Routes(mux, pages)
		mux.HandleFunc("GET /{lang}/{page}", pages.serve)
	}, authtest.Options{})
}

// TestEventStaffPages goes through the staff pages as a protocol officer:
// the form refuses a zone that does not exist with a suggestion, creates
// the event, edits a translation, adds a session and releases.
func TestEventStaffPages(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ts := newSite(t, db, clock)
		ts.AddUser("paul", "protocol-password-1", account.RoleProtocolOfficer)
		c := ts.SignIn("paul", "protocol-password-1")
		en := map[string]string{"Accept-Language": "en"}
		httpxtest.WantStatus(t, ts.Get(c, "/admin/events", en), 200)
		httpxtest.WantContains(t, ts.Get(c, "/admin/events/new", en), `name="zone"`, `name="title_ar"`)
		form := url.Values{"slug": {"mekong-forum"}, "zone": {"Europe/Geneva"}, "start": {"2026-04-01T09:00"}, "end": {"2026-04-01T17:00"},
			"format": {"virtual"}, "public": {"on"}, "source_lang": {"vi"}, "title_vi": {"Diễn đàn Mê Kông"}, "title_en": {"Mekong Forum"}}
		r := ts.PostForm(c, "/admin/events", form, en)
		httpxtest.WantStatus(t, r, http.StatusUnprocessableEntity)
		httpxtest.WantContains(t, r, "Did you mean Europe/Zurich?", `aria-invalid="true"`, "Diễn đàn Mê Kông")
		form.Set("zone", "Asia/Ho_Chi_Minh")
		r = ts.PostForm(c, "/admin/events", form, en)
		httpxtest.WantStatus(t, r, http.StatusSeeOther)
		loc := strings.TrimSuffix(r.Header.Get("Location"), "?saved=created")
		httpxtest.WantStatus(t, ts.PostForm(c, loc+"/translations/fr", url.Values{"title": {"Forum du Mékong"}, "publish": {"on"}}, en), http.StatusSeeOther)
		httpxtest.WantStatus(t, ts.PostForm(c, loc+"/translations/fr", url.Values{"title": {""}}, en), http.StatusUnprocessableEntity)
		httpxtest.WantStatus(t, ts.PostForm(c, loc+"/sessions", url.Values{"kind": {"plenary"}, "title_vi": {"Khai mạc"}, "start": {"2026-04-01T09:00"},
			"end": {"2026-04-01T08:00"}}, en), http.StatusUnprocessableEntity)
		r = ts.PostForm(c, loc+"/sessions", url.Values{"kind": {"plenary"}, "title_vi": {"Khai mạc"}, "title_en": {"Opening"}, "start": {"2026-04-01T09:00"},
			"end": {"2026-04-01T10:00"}, "agenda_en": {"Welcome\nAdoption of the agenda"}, "agenda_vi": {"Chào mừng\nThông qua chương trình"}}, en)
		httpxtest.WantStatus(t, r, http.StatusSeeOther)
		httpxtest.WantContains(t, ts.Get(c, r.Header.Get("Location"), en), "Adoption of the agenda", "Thông qua chương trình")
		httpxtest.WantStatus(t, ts.PostForm(c, loc+"/release", nil, en), http.StatusSeeOther)
		page := ts.Get(c, loc, en)
		httpxtest.WantContains(t, page, "mekong-forum", "The public sees version 1.", "Opening")
		httpxtest.WantContains(t, ts.Get(ts.Browser(), "/fr/events/mekong-forum", nil), "Forum du Mékong", "Chào mừng")
	})
}
