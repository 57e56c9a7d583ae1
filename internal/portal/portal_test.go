package portal

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// TestHandlePage checks the seam through which other packages serve
// /{lang}/{name} pages beside the portal's own.
func TestHandlePage(t *testing.T) {
	h := newHandlers(t, storetest.Open(t, store.BackendSQLite), nil)
	var got string
	h.HandlePage("feed.atom", func(w http.ResponseWriter, r *http.Request) {
		got = r.PathValue("lang")
		w.WriteHeader(http.StatusTeapot)
	})
	mux := httpx.NewRouter()
	h.Routes(mux)
	for _, tt := range []struct {
		path   string
		status int
		lang   string
	}{
		{"/zh/feed.atom", http.StatusTeapot, "zh"},
		{"/xx/feed.atom", http.StatusNotFound, ""},
		{"/en/unknown", http.StatusNotFound, ""},
		{"/en/search?q=x", http.StatusOK, ""},
		{"/lang/en?next=/en/", http.StatusSeeOther, ""},
	} {
		got = ""
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
		if rec.Code != tt.status || got != tt.lang {
			t.Errorf("GET %s: %d (lang %q), want %d (lang %q)", tt.path, rec.Code, got, tt.status, tt.lang)
		}
	}
}
