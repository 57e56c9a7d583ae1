package connect_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/connect/connecttest"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/outbound/outboundtest"
	"github.com/mofa-vn/chancery/internal/social/mastodon/mastodonfake"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// A press officer names a server inside Chancery's own network as a
// Mastodon instance or a Bluesky PDS, in every spelling. An IP address is
// refused when the channel is made, in the officer's language, by the API
// and the form. A host name that resolves inside, and a channel made before
// this rule, are refused when connecting: the connect page says so in the
// officer's language, nothing is stored, and nothing reaches the address,
// not even a connection. An allowed fake on loopback is reached at its
// exact host and port only: "localhost" with the same port is another host.
func TestChannelsCannotReachInternalAddresses(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		col := outboundtest.New(t, "tcp4", "127.0.0.1:0")
		port6 := col.Port
		if ln, err := net.Listen("tcp6", "[::1]:0"); err == nil {
			ln.Close()
			port6 = outboundtest.New(t, "tcp6", "[::1]:0").Port
		}
		const token = "mastodon-SECRET-token-Ss71"
		fake := mastodonfake.New(token)
		t.Cleanup(fake.Close)
		_, fakePort, _ := net.SplitHostPort(strings.TrimPrefix(fake.URL, "http://"))
		ts := connecttest.New(t, db, clock, connecttest.Options{Extra: []string{fake.URL}})
		ts.AddUser("olivia", "officer-password-1", account.RolePressOfficer)
		officer := ts.SignIn("olivia", "officer-password-1")

		literal := []string{
			col.URL,
			"http://[::1]:" + port6,
			"http://2130706433:" + col.Port,
			"http://0x7f.1:" + col.Port,
			"http://0.0.0.0:" + col.Port,
			"http://[::ffff:127.0.0.1]:" + col.Port,
			"http://169.254.169.254",
			"http://10.20.30.40:8080",
		}
		names := []string{
			"http://localhost:" + col.Port,
			"http://localhost:" + fakePort, // the fake is allowed as 127.0.0.1 only
		}
		for i, base := range literal {
			r := ts.Send(officer, "POST", "/api/v1/publishing/channels", "application/json",
				`{"network":"mastodon","name":"Inside `+fmt.Sprint(i)+`","base_url":"`+base+`","languages":["en"],"time_zone":"UTC"}`,
				map[string]string{"Accept-Language": "vi"})
			httpxtest.WantStatus(t, r, http.StatusUnprocessableEntity)
			httpxtest.WantContains(t, r, "Địa chỉ này nằm trong mạng nội bộ của Chancery")
			r = ts.PostForm(officer, "/press/channels", url.Values{"network": {"bluesky"}, "name": {"Inside"}, "base_url": {base},
				"languages": {"en"}, "time_zone": {"UTC"}}, map[string]string{"Accept-Language": "fr"})
			httpxtest.WantStatus(t, r, http.StatusUnprocessableEntity)
			httpxtest.WantContains(t, r, "Cette adresse se trouve dans le réseau interne de Chancery")
		}
		if chs, err := db.ListChannels(t.Context()); err != nil || len(chs) != 0 {
			t.Fatalf("channels made: %+v, %v", chs, err)
		}

		langs := []string{"en", "fr", "ar", "zh"}
		want := map[string]string{
			"en": "The channel’s server address is not allowed",
			"fr": "L’adresse du serveur de ce canal n’est pas autorisée",
			"ar": "عنوان خادم هذه القناة غير مسموح به",
			"zh": "该频道的服务器地址不被允许",
		}
		for i, base := range append(names, literal...) {
			network, secret := "mastodon", map[string]string{"access_token": token}
			if i%2 == 1 {
				network, secret = "bluesky", map[string]string{"identifier": "mofa-vn.bsky.social", "app_password": "abcd-efgh-ijkl-mnop"}
			}
			made := base
			if i >= len(names) {
				made = "https://social.example" // then moved inside, as before this rule
			}
			ch := ts.API(officer, "POST", "/api/v1/publishing/channels", map[string]any{"network": network, "name": fmt.Sprintf("Channel %d", i),
				"base_url": made, "languages": []string{"en"}, "time_zone": "UTC"}, http.StatusCreated)
			id := int64(ch["id"].(float64))
			if made != base {
				if err := db.SetChannelBaseURL(t.Context(), id, base); err != nil {
					t.Fatal(err)
				}
			}
			form := url.Values{}
			for k, v := range secret {
				form.Set(k, v)
			}
			lang := langs[i%len(langs)]
			r := ts.PostForm(officer, fmt.Sprintf("/press/channels/%d/connect", id), form, map[string]string{"Accept-Language": lang})
			httpxtest.WantStatus(t, r, http.StatusUnprocessableEntity)
			httpxtest.WantContains(t, r, want[lang])
			wantNoSecret(t, "the connect page", r.Body, token, "abcd-efgh")
			if _, err := db.ChannelCredential(t.Context(), id); err == nil {
				t.Errorf("%s: credentials stored for a refused address", base)
			}
		}
		if n := len(fake.Statuses()); n != 0 {
			t.Errorf("the fake holds %d statuses", n)
		}
	})
}

// A channel that was connected, then points inside the network (its
// address changed in the database, or its name now resolves to loopback):
// the health page says so, the publication fails with the reason instead
// of going there, and the watcher's read fails; the token never leaves.
func TestConnectedChannelMovedInsideIsRefusedEverywhere(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		col := outboundtest.New(t, "tcp4", "127.0.0.1:0")
		const token = "mastodon-SECRET-token-Mv44"
		fake := connecttest.Mastodon(t, clock, token)
		ts := connecttest.New(t, db, clock, connecttest.Options{Extra: []string{fake.URL}})
		officer, approver := ts.Staff()
		id := ts.ConnectMastodon(officer, fake.URL, "UTC", token)
		stID := ts.ComposeAndApprove(officer, approver, clock.Now().Add(time.Hour), []int64{id},
			[]map[string]string{{"lang": "en", "title": "Statement", "body": "Viet Nam welcomes the agreement on fisheries."}})

		if err := db.SetChannelBaseURL(t.Context(), id, "http://localhost:"+col.Port); err != nil {
			t.Fatal(err)
		}
		ts.Connectors.Forget(id)

		page := ts.Get(approver, fmt.Sprintf("/press/channels/%d/connect", id), map[string]string{"Accept-Language": "ru"})
		httpxtest.WantStatus(t, page, http.StatusOK)
		httpxtest.WantContains(t, page, "Адрес сервера этого канала не разрешён")

		clock.Advance(time.Hour)
		if _, err := ts.Publishing.Dispatch(t.Context()); err != nil {
			t.Fatal(err)
		}
		st := ts.API(officer, "GET", fmt.Sprintf("/api/v1/publishing/statements/%d", stID), nil, http.StatusOK)
		pubs := st["publications"].([]any)
		p := pubs[0].(map[string]any)
		if p["state"] != "failed" || !strings.Contains(fmt.Sprint(p["reason"]), "address is not allowed") {
			t.Errorf("publication %v", p)
		}
		if ts.Watcher == nil {
			t.Fatal("no watcher with the default configuration")
		}
		clock.Advance(5 * time.Minute)
		rep, err := ts.Watcher.Check(t.Context())
		if err != nil || rep.Failed != 1 {
			t.Errorf("watch round: %+v, %v", rep, err)
		}
		if n := len(fake.Statuses()); n != 0 {
			t.Errorf("the fake holds %d statuses", n)
		}
	})
}

// A server the operator allows answers with redirects: to loopback (the
// cloud metadata service, another port), and to another path of its own
// while the token is attached. None is followed; the connect page says why
// in the officer's language.
func TestRedirectsFromAnAllowedServerAreNotFollowed(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		col := outboundtest.New(t, "tcp4", "127.0.0.1:0")
		const token = "mastodon-SECRET-token-Rd02"
		mux := http.NewServeMux()
		mux.HandleFunc("/a/api/v1/accounts/verify_credentials", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, col.URL+"/latest/meta-data/", http.StatusFound)
		})
		mux.HandleFunc("/b/api/v1/accounts/verify_credentials", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/collect", http.StatusTemporaryRedirect)
		})
		mux.HandleFunc("/collect", func(w http.ResponseWriter, r *http.Request) {
			t.Errorf("a redirect was followed to %s with %q", r.URL, r.Header.Get("Authorization"))
		})
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		ts := connecttest.New(t, db, clock, connecttest.Options{Extra: []string{srv.URL}})
		ts.AddUser("olivia", "officer-password-1", account.RolePressOfficer)
		officer := ts.SignIn("olivia", "officer-password-1")
		for i, path := range []string{"/a", "/b"} {
			ch := ts.API(officer, "POST", "/api/v1/publishing/channels", map[string]any{"network": "mastodon", "name": fmt.Sprintf("Redirecting %d", i),
				"base_url": srv.URL + path, "languages": []string{"en"}, "time_zone": "UTC"}, http.StatusCreated)
			r := ts.PostForm(officer, fmt.Sprintf("/press/channels/%d/connect", int64(ch["id"].(float64))),
				url.Values{"access_token": {token}}, map[string]string{"Accept-Language": "es"})
			httpxtest.WantStatus(t, r, http.StatusUnprocessableEntity)
			httpxtest.WantContains(t, r, "El servidor respondió con una redirección")
		}
	})
}
