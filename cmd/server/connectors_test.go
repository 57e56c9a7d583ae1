package main

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// composeAndApprove has officer compose a statement for targets, due at
// due, and submit it, and approver approve it. It returns its ID.
func composeAndApprove(t *testing.T, ts *testServer, officer, approver *http.Client, due time.Time, targets []int64, variants []map[string]string) int64 {
	t.Helper()
	st := ts.api(officer, "POST", "/api/v1/publishing/statements", map[string]any{"due_at": due.UTC().Format(time.RFC3339),
		"targets": targets, "variants": variants}, http.StatusCreated)
	id := int64(st["id"].(float64))
	ts.api(officer, "POST", fmt.Sprintf("/api/v1/publishing/statements/%d/submit", id), nil, http.StatusOK)
	got := ts.api(officer, "GET", fmt.Sprintf("/api/v1/publishing/statements/%d", id), nil, http.StatusOK)
	ts.api(approver, "GET", fmt.Sprintf("/api/v1/publishing/statements/%d/review", id), nil, http.StatusOK) // opened before approving
	ts.api(approver, "POST", fmt.Sprintf("/api/v1/publishing/statements/%d/approve", id), map[string]string{"hash": got["content_hash"].(string)}, http.StatusOK)
	return id
}

// connectChannel connects a channel through its connect form, as a press
// officer does.
func connectChannel(t *testing.T, ts *testServer, c *http.Client, id int64, secret map[string]string) {
	t.Helper()
	form := url.Values{}
	for k, v := range secret {
		form.Set(k, v)
	}
	wantStatus(t, ts.postForm(c, fmt.Sprintf("/press/channels/%d/connect", id), form, nil), http.StatusSeeOther)
}

// testSecretKey is the credentials key of child servers on PostgreSQL,
// where no key file is generated.
const testSecretKey = "bW9mYS10ZXN0LWtleS0zMi1ieXRlcy1sb25nLXh4eHg="
