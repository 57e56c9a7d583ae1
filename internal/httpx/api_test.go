package httpx

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/fault"
)

// TestAPI: an API route answers its value as JSON with its status, its
// error through the one table (a not-found is 404), and a body that is
// not the JSON it takes is refused before the route runs.
func TestAPI(t *testing.T) {
	var logs bytes.Buffer
	k := newKit(t, &logs)
	type in struct {
		Name string `json:"name"`
	}
	ran := 0
	h := APIWith(k, http.StatusCreated, func(r *http.Request, v in) (map[string]string, error) {
		ran++
		if v.Name == "" {
			return nil, fault.ErrNotFound
		}
		return map[string]string{"hello": v.Name}, nil
	})
	do := func(body string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "/api/v1/x", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		h(w, r)
		return w
	}
	w := do(`{"name":"Lan"}`)
	var got map[string]string
	if w.Code != http.StatusCreated || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") ||
		json.Unmarshal(w.Body.Bytes(), &got) != nil || got["hello"] != "Lan" {
		t.Fatalf("answer %d %q: %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	if w := do(`{"name":""}`); w.Code != http.StatusNotFound {
		t.Fatalf("an error: %d %s", w.Code, w.Body)
	}
	before := ran
	for _, bad := range []string{`{"name":"Lan","extra":1}`, `{"name":`, `{"name":"Lan"} {}`} {
		if w := do(bad); w.Code != http.StatusBadRequest || ran != before {
			t.Fatalf("%s: %d %s (route ran: %t)", bad, w.Code, w.Body, ran != before)
		}
	}
}
