package conference_test

// The rooms in Chromium (browsertest.Tab): the join page, the room client
// with fake cameras and microphones over the real SFU, the floor, votes,
// interpretation, the staff's room pages and recordings. The server is the
// conference area with real sign-in and the demo's content (its room, its
// staff, its procedure settings); what needs other areas (the live pages
// of an event, a vote's result as a statement) is tested on the whole
// server in cmd/server.

import (
	"path/filepath"
	"testing"

	"github.com/mofa-vn/chancery/internal/admin"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/auth/authtest"
	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/demo"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/recording"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
	"github.com/mofa-vn/chancery/locales"
)

// roomServer is the conference area as the browser tests visit it.
type roomServer struct {
	*authtest.Site
	db    *store.DB
	clock *storetest.Clock
	sfu   *sfu.Server
}

// newRoomServer serves the conference's pages, API and signalling with a
// real SFU and recorder, the administration's dashboard, the portal's
// language switcher's route and the demo's content, on SQLite (the store
// tests cover PostgreSQL), configured as cfg says.
func newRoomServer(t *testing.T, cfg config.Config) *roomServer {
	t.Helper()
	clock := storetest.NewClock(storetest.Start)
	db := storetest.OpenWithClock(t, store.BackendSQLite, clock.Now)
	kit := httpxtest.Kit(t, func(p *httpx.KitParams) {
		p.SecureCookies = true
		p.StaffNav = []httpx.NavLink{{Path: "/admin", Key: "admin_heading", Roles: admin.Staff},
			{Path: "/admin/rooms", Key: "room_admin_title", Roles: conference.Moderators}}
	})
	key, err := conference.TokenKey(t.Context(), db, "", testBox)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := sfu.NewSigner(key, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	rooms, err := sfu.New(sfu.Params{Config: sfu.Config{UDPAddr: "127.0.0.1:0", Loopback: true}, Signer: signer, Store: conference.Store{DB: db, Box: testBox},
		Log: kit.Log, Now: clock.Now, ChatHistory: int(cfg.Conference.ChatLength)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rooms.Close() })
	dir := cfg.Conference.RecordingDir
	if dir == "" {
		dir = filepath.Join(t.TempDir(), "recordings")
	}
	recs := &recording.Manager{Root: dir, Rooms: rooms, MinFree: uint64(cfg.Conference.RecordingMinFreeMB) << 20, Now: clock.Now, Log: kit.Log}
	rooms.SetRecordControl(recs)
	s := &roomServer{db: db, clock: clock, sfu: rooms}
	s.Site = authtest.Serve(t, db, clock.Now, kit, func(mux *httpx.Router, svc *auth.Service) {
		if _, err := demo.Load(t.Context(), db, svc); err != nil {
			t.Fatal(err)
		}
		admin.New(db, svc, kit).Routes(mux)
		mux.HandleFunc("GET /lang/{code}", kit.ChooseLanguage)
		conference.New(conference.Params{SFU: rooms, DB: db, Kit: kit, TTL: cfg.Conference.TokenTTL, Now: clock.Now, Recordings: recs}).Routes(mux)
	}, authtest.Options{UsesMedia: conference.UsesMedia})
	return s
}

// browser is one headless Chromium tab on the rooms' server.
type browser struct {
	*browsertest.Tab
	ts  *roomServer
	cat *lang.Catalog
}

// newBrowser starts the server and a browser on it.
func newBrowser(t *testing.T, opts ...browsertest.Option) *browser {
	t.Helper()
	return newBrowserWith(t, nil, opts...)
}

// newBrowserWith is newBrowser with a change to the configuration.
func newBrowserWith(t *testing.T, mutate func(*config.Config), opts ...browsertest.Option) *browser {
	t.Helper()
	cfg := config.Default()
	if mutate != nil {
		mutate(&cfg)
	}
	cat, err := lang.NewCatalog(locales.FS, "vi")
	if err != nil {
		t.Fatal(err)
	}
	return browserOn(t, newRoomServer(t, cfg), cat, opts...)
}

// browserOn starts another Chromium, with its own profile and cookies, on
// the server of ts: a second person in the same room.
func browserOn(t *testing.T, ts *roomServer, cat *lang.Catalog, opts ...browsertest.Option) *browser {
	t.Helper()
	return &browser{Tab: browsertest.NewTab(t, ts.URL, ts.Certificate(), opts...), ts: ts, cat: cat}
}

// chooseLanguage picks a language in the switcher and goes on to next.
func (b *browser) chooseLanguage(t testing.TB, l lang.Language, next string) {
	t.Helper()
	b.ChooseLanguage(t, l.Code, l.Tag.String(), next)
}

func mustLang(t testing.TB, code string) lang.Language {
	t.Helper()
	l, ok := lang.Lookup(code)
	if !ok {
		t.Fatalf("no language %q", code)
	}
	return l
}
