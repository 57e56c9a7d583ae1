package conference_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/recording"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// fixture serves the conference handlers and a real SFU. Who is signed in
// comes from the X-Test-User header (sessions are internal/auth's and
// tested there; cmd/server tests the whole chain).
type fixture struct {
	t     *testing.T
	db    *store.DB
	srv   *sfu.Server
	ts    *httptest.Server
	users map[string]*httpx.Viewer
	room  store.Room
	// announced are the statement drafts "send to the press office" made.
	announced [][]conference.Announcement
	// recs records the fixture's rooms (recordings_test.go).
	recs *recording.Manager
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	kit := httpxtest.Kit(t)
	log := kit.Log
	signer, err := sfu.NewSigner([]byte(strings.Repeat("k", 32)), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sfu.New(sfu.Params{Config: sfu.Config{UDPAddr: "127.0.0.1:0", Loopback: true}, Signer: signer, Store: conference.Store{DB: db}, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: db, srv: srv, users: map[string]*httpx.Viewer{}}
	if f.room, err = db.CreateRoom(t.Context(), store.Room{Slug: "plenary", Title: "Plenary"}); err != nil {
		t.Fatal(err)
	}
	mux := httpx.NewRouter()
	f.recs = &recording.Manager{Root: t.TempDir(), Rooms: srv, FreeSpace: func(string) (uint64, error) { return 5 << 30, nil },
		Catalog: conference.RecordingCatalog(db)}
	conference.New(conference.Params{SFU: srv, DB: db, Kit: kit, TTL: time.Hour, Recordings: f.recs,
		Announce: func(_ context.Context, _ account.User, texts []conference.Announcement) (string, error) {
			f.announced = append(f.announced, texts)
			return "/press/statements/" + strconv.Itoa(len(f.announced)), nil
		}}).Routes(mux)
	viewer := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if v := f.users[r.Header.Get("X-Test-User")]; v != nil {
				r = r.WithContext(httpx.WithViewer(r.Context(), v))
			}
			next.ServeHTTP(w, r)
		})
	}
	f.ts = httptest.NewServer(httpx.Chain(mux, kit.Recover, kit.SecurityHeaders(nil), kit.CrossOrigin(), viewer))
	t.Cleanup(func() {
		_ = srv.Close()
		f.ts.Close()
	})
	return f
}

func (f *fixture) user(username string, roles ...account.Role) account.User {
	f.t.Helper()
	u, err := f.db.CreateUser(f.t.Context(), account.User{Username: username, DisplayName: strings.ToUpper(username), Roles: roles})
	if err != nil {
		f.t.Fatal(err)
	}
	f.users[username] = &httpx.Viewer{User: u, Roles: roles}
	return u
}

// api sends a JSON request as the user and decodes the answer into out.
func (f *fixture) api(user, method, path, body string, want int, out any) {
	f.t.Helper()
	req, _ := http.NewRequestWithContext(f.t.Context(), method, f.ts.URL+path, strings.NewReader(body))
	req.Header.Set("X-Test-User", user)
	req.Header.Set("Accept-Language", "en")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		f.t.Fatalf("%s %s as %s: %d, want %d: %s", method, path, user, res.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			f.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
}

func (f *fixture) issue(user, identity, role string) conference.Issued {
	f.t.Helper()
	b, _ := json.Marshal(conference.Invite{Identity: identity, Name: "Name of " + identity, Role: role})
	var out conference.Issued
	f.api(user, "POST", "/api/v1/rooms/plenary/tokens", string(b), http.StatusCreated, &out)
	return out
}

func (f *fixture) dial(token string) (*sfuclient.Client, sfu.ServerMessage, error) {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(f.t.Context(), 10*time.Second)
	defer cancel()
	c, m, err := sfuclient.Dial(ctx, "ws"+strings.TrimPrefix(f.ts.URL, "http")+conference.SignalPath, token, sfuclient.Options{})
	if c != nil {
		f.t.Cleanup(c.Close)
	}
	return c, m, err
}

// next returns the next event of type typ that c receives.
func next(t *testing.T, c *sfuclient.Client, typ string) sfu.ServerMessage {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m, ok := <-c.Events():
			if !ok {
				t.Fatalf("connection closed waiting for %s", typ)
			}
			if m.Type == typ {
				return m
			}
		case <-timeout:
			t.Fatalf("timed out waiting for %s", typ)
		}
	}
}

// A protocol officer invites a delegate through the API; the delegate joins
// with a pion client; the officer revokes the invitation by its ID: the
// delegate is disconnected at once with the reason "revoked", and neither
// the invitation nor the rejoin token the session was given joins again.
func TestRevokeThroughAPIDisconnectsTheParticipant(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		officer := f.user("officer", account.RoleProtocolOfficer)
		f.user("other", account.RoleProtocolOfficer)
		if err := db.AssignRoomStaff(t.Context(), f.room.ID, officer.ID, true); err != nil {
			t.Fatal(err)
		}
		inv := f.issue("officer", "vn-1", "chair") // a chair skips the lobby
		alice, m, err := f.dial(inv.Token)
		if err != nil || m.Type != sfu.TypeWelcome {
			t.Fatalf("join = %+v, %v", m, err)
		}
		rejoin := alice.Token()

		// An officer of another room may not revoke it.
		f.api("other", "DELETE", "/api/v1/rooms/plenary/tokens/"+inv.ID, "", http.StatusForbidden, nil)

		var out conference.Revoked
		f.api("officer", "DELETE", "/api/v1/rooms/plenary/tokens/"+inv.ID, "", http.StatusOK, &out)
		if out.ID != inv.ID || out.RevokedAt == nil || out.SessionsEnded != 1 {
			t.Errorf("revoked = %+v", out)
		}
		if m := next(t, alice, sfu.TypeBye); m.Reason != "revoked" {
			t.Fatalf("alice got %+v, want bye revoked", m)
		}
		for name, token := range map[string]string{"invitation": inv.Token, "rejoin token": rejoin} {
			if _, m, err := f.dial(token); err == nil || m.Code != sfu.CodeRevoked {
				t.Errorf("%s after revocation: %+v, %v; want %s", name, m, err, sfu.CodeRevoked)
			}
		}
		// The list says so.
		var list []conference.TokenInfo
		f.api("officer", "GET", "/api/v1/rooms/plenary/tokens", "", http.StatusOK, &list)
		if len(list) != 1 || list[0].RevokedAt == nil || list[0].Revocable {
			t.Errorf("tokens = %+v", list)
		}
		// Revoking an unknown ID is a 404, not a 500.
		f.api("officer", "DELETE", "/api/v1/rooms/plenary/tokens/nope", "", http.StatusNotFound, nil)
	})
}

// Two invitations for one identity: while the first holder is in the room,
// the second is refused instead of taking over the seat; the first holder's
// own reconnect (its rejoin token) still replaces its stale session.
func TestSecondInvitationCannotHijackIdentity(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.user("admin", account.RoleAdmin)
		first := f.issue("admin", "vn-1", "chair")
		second := f.issue("admin", "vn-1", "chair")
		alice, m, err := f.dial(first.Token)
		if err != nil || m.Type != sfu.TypeWelcome {
			t.Fatalf("join = %+v, %v", m, err)
		}
		if _, m, err := f.dial(second.Token); err == nil || m.Code != sfu.CodeIdentityInUse {
			t.Fatalf("second invitation: %+v, %v; want %s", m, err, sfu.CodeIdentityInUse)
		}
		back, m, err := f.dial(alice.Token())
		if err != nil || m.Type != sfu.TypeWelcome {
			t.Fatalf("reconnect = %+v, %v", m, err)
		}
		if m := next(t, alice, sfu.TypeBye); m.Reason != "replaced" {
			t.Fatalf("stale session got %+v", m)
		}
		_ = back
	})
}

// Two roles on one person: an administrator who is also a protocol
// officer, calling with an API token scoped to the protocol officer role,
// acts as a protocol officer: assigned rooms only, no moderating roles
// without the moderator assignment.
func TestScopedTokenOfAnAdministratorIsNotAdministrator(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		u := f.user("both", account.RoleAdmin, account.RoleProtocolOfficer)
		f.users["scoped"] = &httpx.Viewer{User: u, Roles: []account.Role{account.RoleProtocolOfficer}, Token: true}
		body := `{"identity":"vn-1","name":"Lan","role":"delegate"}`
		f.api("scoped", "POST", "/api/v1/rooms/plenary/tokens", body, http.StatusForbidden, nil)
		f.api("scoped", "PUT", "/api/v1/rooms/plenary/staff/both", `{"moderator":true}`, http.StatusForbidden, nil)
		// The same person with a session (every role) may.
		f.api("both", "PUT", "/api/v1/rooms/plenary/staff/both", `{"moderator":false}`, http.StatusOK, nil)
		f.api("scoped", "POST", "/api/v1/rooms/plenary/tokens", body, http.StatusCreated, nil)
		f.api("scoped", "POST", "/api/v1/rooms/plenary/tokens", `{"identity":"c","name":"C","role":"chair"}`, http.StatusForbidden, nil)
		f.api("both", "POST", "/api/v1/rooms/plenary/tokens", `{"identity":"c","name":"C","role":"chair"}`, http.StatusCreated, nil)
	})
}
