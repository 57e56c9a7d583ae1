package press

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/httpx"
)

// A local slot means the same wall-clock time on both sides of a DST
// change: 09:00 in New York is 14:00 UTC in winter and 13:00 UTC in summer;
// Paris likewise; Viet Nam has no DST.
func TestParseLocalFollowsTheOfficersZoneAcrossDST(t *testing.T) {
	for _, tc := range []struct {
		zone, local string
		want        time.Time
	}{
		{"America/New_York", "2026-03-07T09:00", time.Date(2026, 3, 7, 14, 0, 0, 0, time.UTC)},
		{"America/New_York", "2026-03-09T09:00", time.Date(2026, 3, 9, 13, 0, 0, 0, time.UTC)},
		{"Europe/Paris", "2026-03-28T09:00", time.Date(2026, 3, 28, 8, 0, 0, 0, time.UTC)},
		{"Europe/Paris", "2026-03-30T09:00", time.Date(2026, 3, 30, 7, 0, 0, 0, time.UTC)},
		{"Asia/Ho_Chi_Minh", "2026-07-01T09:00", time.Date(2026, 7, 1, 2, 0, 0, 0, time.UTC)},
		{"", "2026-07-01T09:00", time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)},
	} {
		r := httptest.NewRequest("POST", "/press/statements", strings.NewReader(url.Values{"due_at": {tc.local}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r = r.WithContext(httpx.WithViewer(r.Context(), &httpx.Viewer{User: account.User{TimeZone: tc.zone}}))
		got, err := parseLocal(r, "due_at")
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("%s %s: got %v (%v), want %v", tc.zone, tc.local, got.UTC(), err, tc.want)
		}
	}
	r := httptest.NewRequest("POST", "/", strings.NewReader("due_at=tomorrow"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if _, err := parseLocal(r, "due_at"); err == nil {
		t.Error("an unreadable time was accepted")
	}
}
