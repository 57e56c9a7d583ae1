package x

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/social"
)

var now = time.Date(2026, 3, 14, 8, 0, 0, 0, time.UTC)

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// TestClassify covers the error shapes of social-apis.md §1.4–1.5.
func TestClassify(t *testing.T) {
	reset := now.Add(7 * time.Minute)
	dayReset := now.Add(20 * time.Hour)
	tests := []struct {
		name   string
		status int
		h      http.Header
		body   string
		class  social.Class
		until  time.Time
		code   string
	}{
		{"duplicate problem", 403, nil, `{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}`, social.Duplicate, time.Time{}, "Forbidden"},
		{"401 problem", 401, nil, `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`, social.AuthExpired, time.Time{}, "Unauthorized"},
		{"453", 403, nil, `{"errors":[{"message":"You currently have access to a subset of X API V2 endpoints and limited v1.1 endpoints (e.g. media post, oauth) only…","code":453}]}`, social.Rejected, time.Time{}, "453"},
		{"429 window", 429, hdr("x-rate-limit-limit", "100", "x-rate-limit-remaining", "0", "x-rate-limit-reset", itoa(reset)), `{"errors":[{"code":88,"message":"Rate limit exceeded"}]}`, social.RateLimited, reset, "88"},
		{"429 user day", 429, hdr("x-rate-limit-limit", "100", "x-rate-limit-remaining", "40", "x-rate-limit-reset", itoa(reset),
			"x-user-limit-24hour-limit", "17", "x-user-limit-24hour-remaining", "0", "x-user-limit-24hour-reset", itoa(dayReset)), `{}`, social.RateLimited, dayReset, "429"},
		{"429 no headers", 429, nil, ``, social.RateLimited, now.Add(300 * time.Second), "429"},
		{"usage capped", 429, nil, `{"title":"UsageCapExceeded","type":"https://api.twitter.com/2/problems/usage-capped","status":429,"detail":"Usage cap exceeded"}`, social.RateLimited, now.Add(300 * time.Second), "https://api.twitter.com/2/problems/usage-capped"},
		{"unsupported authentication", 403, nil, `{"title":"Unsupported Authentication","detail":"Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.","type":"https://api.twitter.com/2/problems/unsupported-authentication","status":403}`, social.AuthExpired, time.Time{}, "https://api.twitter.com/2/problems/unsupported-authentication"},
		{"duplicate-rules", 400, nil, `{"errors":[{"type":"https://api.twitter.com/2/problems/duplicate-rules","title":"DuplicateRule"}]}`, social.Duplicate, time.Time{}, "https://api.twitter.com/2/problems/duplicate-rules"},
		{"suspended", 403, nil, `{"type":"https://api.twitter.com/2/problems/user-suspended","title":"Forbidden","status":403}`, social.Rejected, time.Time{}, "https://api.twitter.com/2/problems/user-suspended"},
		{"invalid url", 400, nil, `{"errors":[{"message":"The Tweet contains an invalid URL."}],"title":"Invalid Request"}`, social.Rejected, time.Time{}, "Invalid Request"},
		{"four items", 400, nil, `{"errors":[{"message":"Your media IDs are invalid. A maximum of 4 items are allowed."}]}`, social.Rejected, time.Time{}, "400"},
		{"503", 503, nil, `{"title":"Service Unavailable","status":503}`, social.Transient, time.Time{}, "Service Unavailable"},
		{"503 html", 503, nil, `<html>down</html>`, social.Transient, time.Time{}, "503"},
		{"500", 500, nil, ``, social.Unknown, time.Time{}, "500"},
		{"504", 504, nil, `<html>gateway</html>`, social.Unknown, time.Time{}, "504"},
		{"media scope", 403, nil, `{"title":"Forbidden","detail":"Missing scope: media.write","status":403}`, social.AuthExpired, time.Time{}, "Forbidden"},
		{"302", 302, nil, ``, social.Unknown, time.Time{}, "302"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Classify(tt.status, tt.h, []byte(tt.body), now)
			if e.Class != tt.class || !e.Until.Equal(tt.until) || e.Code != tt.code || e.Status != tt.status || e.Reason == "" {
				t.Errorf("Classify = %+v, want class %v until %v code %q", e, tt.class, tt.until, tt.code)
			}
		})
	}
}

func itoa(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

func TestParseRateLimits(t *testing.T) {
	rl := ParseRateLimits(hdr("x-rate-limit-limit", "300", "x-rate-limit-remaining", "299", "x-rate-limit-reset", "1773476100",
		"x-app-limit-24hour-limit", "10000", "x-app-limit-24hour-remaining", "9990", "x-app-limit-24hour-reset", "1773550000"))
	if !rl.Window.Known || rl.Window.Limit != 300 || rl.Window.Remaining != 299 || rl.Window.Reset.Unix() != 1773476100 ||
		!rl.AppDay.Known || rl.AppDay.Remaining != 9990 || rl.UserDay.Known {
		t.Errorf("ParseRateLimits = %+v", rl)
	}
	for _, h := range []http.Header{
		hdr("x-rate-limit-limit", "a", "x-rate-limit-remaining", "1", "x-rate-limit-reset", "1773476100"),
		hdr("x-rate-limit-limit", "1", "x-rate-limit-remaining", "-1", "x-rate-limit-reset", "1773476100"),
		hdr("x-rate-limit-limit", "1", "x-rate-limit-remaining", "1", "x-rate-limit-reset", "99999999999999999999"),
		hdr("x-rate-limit-limit", "1", "x-rate-limit-remaining", "1"),
	} {
		if ParseRateLimits(h).Window.Known {
			t.Errorf("malformed headers %v are known", h)
		}
	}
}

func FuzzClassify(f *testing.F) {
	f.Add(403, `{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}`, "0", "1773476100")
	f.Add(429, `{"errors":[{"code":88,"message":"Rate limit exceeded"}]}`, "0", "1773476100")
	f.Add(403, `{"errors":[{"message":"…","code":453}]}`, "", "")
	f.Add(200, `<html>`, "x", "-1")
	f.Add(401, `{"errors":[{"code":"str","message":7}]}`, "1", "9999999999")
	f.Fuzz(func(t *testing.T, status int, body, remaining, reset string) {
		h := hdr("x-rate-limit-limit", "100", "x-rate-limit-remaining", remaining, "x-rate-limit-reset", reset,
			"x-user-limit-24hour-remaining", remaining, "x-user-limit-24hour-limit", "5", "x-user-limit-24hour-reset", reset)
		e := Classify(status, h, []byte(body), now)
		if e == nil || e.Reason == "" || e.Network != social.X || e.Class.String() == "" {
			t.Fatalf("Classify(%d, %q) = %+v", status, body, e)
		}
		if e.Class == social.RateLimited && !e.Until.After(now) {
			t.Fatalf("RateLimited until %v, not after now", e.Until)
		}
		if len([]rune(e.Reason)) > 400 {
			t.Fatalf("reason of %d characters", len([]rune(e.Reason)))
		}
	})
}

func FuzzParseRateLimits(f *testing.F) {
	f.Add("100", "0", "1773476100")
	f.Add("", " 5 ", "1e9")
	f.Fuzz(func(t *testing.T, limit, remaining, reset string) {
		rl := ParseRateLimits(hdr("x-rate-limit-limit", limit, "x-rate-limit-remaining", remaining, "x-rate-limit-reset", reset))
		if rl.Window.Known && (rl.Window.Remaining < 0 || rl.Window.Limit < 0 || rl.Window.Reset.Year() < 2001 || rl.Window.Reset.Year() > 2287) {
			t.Fatalf("ParseRateLimits = %+v", rl)
		}
		if u := rl.Until(now); !u.After(now) {
			t.Fatalf("Until %v not after now", u)
		}
	})
}
