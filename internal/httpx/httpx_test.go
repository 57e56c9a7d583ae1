package httpx

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/locales"
	"github.com/mofa-vn/chancery/web"
)

func newKit(t testing.TB, logs *bytes.Buffer) *Kit {
	t.Helper()
	cat, err := lang.NewCatalog(locales.FS, "vi")
	if err != nil {
		t.Fatal(err)
	}
	assets, err := web.NewAssets("/static/")
	if err != nil {
		t.Fatal(err)
	}
	k, err := NewKit(KitParams{Log: slog.New(slog.NewTextHandler(logs, nil)), Cat: cat, Assets: assets, DefaultLang: "vi", SecureCookies: true})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestRecover(t *testing.T) {
	var logs bytes.Buffer
	k := newKit(t, &logs)
	h := Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/boom" {
			panic("kaboom")
		}
		w.WriteHeader(http.StatusNoContent)
	}), k.Recover, k.SecurityHeaders(nil))

	for _, tc := range []struct{ path, accept string }{{"/boom", "text/html"}, {"/api/v1/boom", "application/json"}} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, tc.path, nil)
		req.Header.Set("Accept-Language", "fr")
		if tc.path == "/api/v1/boom" {
			req.URL.Path = "/boom"
			req.Header.Set("Accept", "application/json")
		}
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusInternalServerError {
			t.Fatalf("%s: status %d", tc.path, rec.Code)
		}
		if !strings.Contains(rec.Body.String(), k.Cat.T("fr", "error_internal")) {
			t.Fatalf("%s: body %s", tc.path, rec.Body)
		}
	}
	if n := strings.Count(logs.String(), "panic in handler"); n != 2 {
		t.Fatalf("logged %d panics, want each once:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "kaboom") {
		t.Fatal("panic value not logged")
	}
	// The server goes on serving.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/fine", nil))
	if rec.Code != http.StatusNoContent {
		t.Fatalf("after a panic: %d", rec.Code)
	}
}

func TestLimitBody(t *testing.T) {
	k := newKit(t, &bytes.Buffer{})
	h := Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := ParseForm(r); err != nil {
			k.Fail(w, r, err)
			return
		}
		_, _ = w.Write([]byte(r.PostFormValue("a")))
	}), LimitBody(1024))
	for _, tc := range []struct {
		body    string
		chunked bool
		want    int
	}{
		{"a=ok", false, http.StatusOK},
		{"a=" + strings.Repeat("x", 2000), false, http.StatusRequestEntityTooLarge},
		{"a=" + strings.Repeat("x", 2000), true, http.StatusRequestEntityTooLarge},
		{"a=%zz", false, http.StatusBadRequest},
	} {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if tc.chunked {
			req.ContentLength = -1
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("body of %d bytes (chunked %v): status %d, want %d", len(tc.body), tc.chunked, rec.Code, tc.want)
		}
	}
}

func TestClientIP(t *testing.T) {
	k := newKit(t, &bytes.Buffer{})
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "198.51.100.7:5555"
	req.Header.Set("X-Forwarded-For", "203.0.113.9, 192.0.2.44")
	if got := k.ClientIP(req); got != "198.51.100.7" {
		t.Fatalf("untrusted proxy header used: %s", got)
	}
	k.TrustProxy = true
	if got := k.ClientIP(req); got != "192.0.2.44" {
		t.Fatalf("behind a proxy: %s, want the hop the proxy saw", got)
	}
	req.Header.Set("X-Forwarded-For", "garbage")
	if got := k.ClientIP(req); got != "198.51.100.7" {
		t.Fatalf("garbage header: %s", got)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "/",
		"/admin":                 "/admin",
		"/fr/news?page=2":        "/fr/news?page=2",
		"https://evil.example/":  "/",
		"//evil.example":         "/",
		"/\\evil.example":        "/",
		"javascript:alert(1)":    "/",
		"/ok\r\nSet-Cookie: x=1": "/",
		"/%2F%2Fevil.example":    "/%2F%2Fevil.example",
		"relative/path":          "/",
		"/path#frag":             "/path",
	} {
		if got := SafeNext(in); got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzSafeNext checks that no input turns into a redirect off the site.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/", "/admin", "//x", "/\\x", "https://x", "/%0d%0a", "/a?b=c#d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := SafeNext(s)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\r\n") {
			t.Fatalf("SafeNext(%q) = %q leaves the site", s, got)
		}
		u, err := url.Parse(got)
		if err != nil || u.Host != "" || u.Scheme != "" {
			t.Fatalf("SafeNext(%q) = %q parses to host %q", s, got, u.Host)
		}
	})
}

// FuzzDecodeJSON checks that any body gives either a value or a 4xx error:
// never a panic, never a server error.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"name":"x","roles":["a"]}`, `{"name":1}`, `[]`, ``, `{"name":"x"} {}`, `{"nope":1}`, `{"n":` + strings.Repeat("[", 10000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var v struct {
			Name  *string  `json:"name"`
			Roles []string `json:"roles"`
			On    *bool    `json:"on"`
		}
		req := httptest.NewRequest(http.MethodPost, "/api/v1/x", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Body = http.MaxBytesReader(httptest.NewRecorder(), req.Body, 4096)
		err := DecodeJSON(req, &v)
		if err == nil {
			if !json.Valid([]byte(body)) {
				t.Fatalf("accepted invalid JSON %q", body)
			}
			return
		}
		status := Status(err)
		if status < 400 || status >= 500 {
			t.Fatalf("body %q: status %d for %v", body, status, err)
		}
	})
}

// View.Date shows the day in the viewer's time zone: 20:00 UTC on 14 March
// is already 15 March in Hanoi.
func TestViewDateInTheViewersZone(t *testing.T) {
	at := time.Date(2026, 3, 14, 20, 0, 0, 0, time.UTC)
	en, _ := lang.Lookup("en")
	v := &View{Lang: en}
	if got := v.Date(at); !strings.Contains(got, "14") {
		t.Errorf("no viewer: %q, want the 14th (UTC)", got)
	}
	v.Viewer = &Viewer{User: account.User{TimeZone: "Asia/Ho_Chi_Minh"}}
	if got := v.Date(at); !strings.Contains(got, "15") {
		t.Errorf("viewer in Hanoi: %q, want the 15th", got)
	}
	v.Viewer.User.TimeZone = "Not/AZone"
	if got := v.Date(at); !strings.Contains(got, "14") {
		t.Errorf("unknown zone: %q, want UTC's 14th", got)
	}
}
