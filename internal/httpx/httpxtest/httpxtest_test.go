package httpxtest_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
)

// The kit serves an area's routes behind production's edge: redirects are
// shown rather than followed, a named viewer is signed in, errors come in
// the request's language, cross-origin posts are refused and a panic is a
// 500 page.
func TestServe(t *testing.T) {
	k := httpxtest.Kit(t)
	var vs httpxtest.Viewers
	vs.Add(account.User{ID: 7, Username: "olivia"}, account.RolePressOfficer)
	s := httpxtest.Serve(t, k, func(mux *httpx.Router) {
		mux.HandleFunc("GET /go", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/who", http.StatusSeeOther) })
		mux.HandleFunc("GET /who", func(w http.ResponseWriter, r *http.Request) {
			if v := httpx.ViewerFrom(r.Context()); v.Can(account.RolePressOfficer) {
				_, _ = w.Write([]byte("officer " + v.User.Username))
				return
			}
			k.Fail(w, r, fault.ErrForbidden)
		})
		mux.HandleFunc("POST /api/v1/thing", func(w http.ResponseWriter, r *http.Request) {
			k.Fail(w, r, fault.Refused("name", "portal_error_required"))
		})
		mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
	}, httpxtest.Options{TLS: true, Middleware: []func(http.Handler) http.Handler{vs.Middleware}})
	c := s.Browser()

	r := s.Get(c, "/go", nil)
	httpxtest.WantStatus(t, r, http.StatusSeeOther)
	httpxtest.WantStatus(t, s.Follow(c, r, nil), http.StatusForbidden)
	httpxtest.WantContains(t, s.Follow(c, r, map[string]string{httpxtest.ViewerHeader: "olivia"}), "officer olivia")

	e := httpxtest.WantError(t, s.Send(c, "POST", "/api/v1/thing", "application/json", "{}", map[string]string{"Accept-Language": "fr"}), http.StatusUnprocessableEntity)
	if e.Field != "name" || e.Message != k.Cat.T("fr", "portal_error_required", nil) {
		t.Errorf("error %+v", e)
	}
	forged := s.PostForm(c, "/api/v1/thing", url.Values{}, map[string]string{"Sec-Fetch-Site": "cross-site"})
	httpxtest.WantStatus(t, forged, http.StatusForbidden)
	httpxtest.WantStatus(t, s.Get(c, "/boom", nil), http.StatusInternalServerError)
	httpxtest.WantStatus(t, s.Get(c, "/nowhere", nil), http.StatusNotFound)
	if got := s.JSON(c, "GET", "/who", nil, map[string]string{httpxtest.ViewerHeader: "olivia"}, http.StatusOK); got != nil {
		t.Errorf("a text answer read as JSON: %v", got)
	}
}
