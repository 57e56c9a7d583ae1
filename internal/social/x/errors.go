package x

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/social"
)

// Limit is one rate-limit window as X reports it in headers.
type Limit struct {
	Limit, Remaining int
	Reset            time.Time
	// Known is false when the headers were absent or unreadable.
	Known bool
}

// Exhausted reports whether the window is spent and not yet reset at now.
func (l Limit) Exhausted(now time.Time) bool {
	return l.Known && l.Remaining <= 0 && now.Before(l.Reset)
}

// RateLimits are the windows of one answer: the endpoint's 15-minute
// window (x-rate-limit-*) and, on creates, the 24-hour user and app
// windows (x-user-limit-24hour-*, x-app-limit-24hour-*).
type RateLimits struct {
	Window, UserDay, AppDay Limit
}

// ParseRateLimits reads the rate-limit headers. Missing or malformed
// headers leave a window unknown; it never fails.
func ParseRateLimits(h http.Header) RateLimits {
	return RateLimits{
		Window:  parseLimit(h, "x-rate-limit-"),
		UserDay: parseLimit(h, "x-user-limit-24hour-"),
		AppDay:  parseLimit(h, "x-app-limit-24hour-"),
	}
}

func parseLimit(h http.Header, prefix string) Limit {
	limit, err1 := strconv.Atoi(strings.TrimSpace(h.Get(prefix + "limit")))
	rem, err2 := strconv.Atoi(strings.TrimSpace(h.Get(prefix + "remaining")))
	reset, err3 := strconv.ParseInt(strings.TrimSpace(h.Get(prefix+"reset")), 10, 64)
	// A reset outside 2001–2286 is garbage, not a time.
	if err1 != nil || err2 != nil || err3 != nil || limit < 0 || rem < 0 || reset < 1e9 || reset >= 1e10 {
		return Limit{}
	}
	return Limit{Limit: limit, Remaining: rem, Reset: time.Unix(reset, 0).UTC(), Known: true}
}

// Until is when a request may be sent again after a 429: the latest reset
// among the spent windows, or 300 s from now when X said nothing usable
// (X sends no Retry-After; Mixpost falls back to 300 s likewise).
func (r RateLimits) Until(now time.Time) time.Time {
	var until time.Time
	for _, l := range []Limit{r.Window, r.UserDay, r.AppDay} {
		if l.Known && l.Remaining <= 0 && l.Reset.After(now) && l.Reset.After(until) {
			until = l.Reset
		}
	}
	if until.IsZero() {
		if r.Window.Known && r.Window.Reset.After(now) {
			return r.Window.Reset
		}
		return now.Add(300 * time.Second)
	}
	return until
}

// apiError holds both of X's error shapes: RFC 7807 Problem members at the
// top, and the errors[] array of v1.1-style and partial errors.
type apiError struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Type   string `json:"type"`
	Status int    `json:"status"`
	Errors []struct {
		Message string `json:"message"`
		Code    int    `json:"code"`
		Label   string `json:"label"`
		Title   string `json:"title"`
		Detail  string `json:"detail"`
		Type    string `json:"type"`
	} `json:"errors"`
}

// Classify turns an answer that is not a success into a *social.Error
// (social-apis.md §1.4 and §1.5). It never fails: a body that is not JSON
// (an HTML error page, garbage) is classified by status alone.
func Classify(status int, h http.Header, body []byte, now time.Time) *social.Error {
	var ae apiError
	_ = json.Unmarshal(body, &ae) // garbage leaves ae empty
	texts := []string{ae.Title, ae.Detail, ae.Type}
	codes := []int{}
	for _, e := range ae.Errors {
		texts = append(texts, e.Message, e.Title, e.Detail, e.Type, e.Label)
		codes = append(codes, e.Code)
	}
	all := strings.ToLower(strings.Join(texts, " | "))
	has := func(s string) bool { return strings.Contains(all, strings.ToLower(s)) }
	hasCode := func(c int) bool {
		for _, x := range codes {
			if x == c {
				return true
			}
		}
		return false
	}
	e := &social.Error{Network: social.X, Status: status, Code: code(ae, status)}
	switch {
	case status == http.StatusTooManyRequests || has("usage-capped") || hasCode(88):
		e.Class, e.Until = social.RateLimited, ParseRateLimits(h).Until(now)
		e.Reason = "X's rate limit is reached; publishing resumes when it resets"
		if has("usage-capped") {
			e.Reason = "the X app's usage cap (monthly quota) is reached; it resumes when the cap resets"
		}
	case status == http.StatusUnauthorized || has("Unsupported Authentication"):
		e.Class = social.AuthExpired
		e.Reason = "X refused the credentials; reconnect the X account"
	case has("duplicate content") || has("duplicate-rules") || hasCode(187):
		e.Class = social.Duplicate
		e.Reason = "X already holds a post with this text (it does not say which); check the account before publishing again"
	case hasCode(453):
		e.Class = social.Rejected
		e.Reason = "the X app's access level does not allow this endpoint (code 453); the app needs a different tier"
	case status == http.StatusForbidden && has("media.write"):
		e.Class = social.AuthExpired
		e.Reason = "the X authorisation lacks the media.write scope; reconnect the X account to grant it"
	case has("user-suspended") || has("suspended"):
		e.Class = social.Rejected
		e.Reason = "X says the account is suspended; check it in X and alert the press office"
	case status == http.StatusServiceUnavailable || has("Service Unavailable"):
		e.Class = social.Transient
		e.Reason = "X is unavailable; it will be retried"
	case status == 500 || status == 502 || status == 504 || status >= 505:
		// A gateway error may come after X stored the post.
		e.Class = social.Unknown
		e.Reason = "X answered with a server error; the post may exist"
	case status >= 400 && status < 500:
		e.Class = social.Rejected
		e.Reason = "X refused the post"
		if d := firstNonEmpty(ae); d != "" {
			e.Reason += ": " + d
		}
	default:
		e.Class = social.Unknown
		e.Reason = "X gave an answer that cannot be read; the post may exist"
	}
	return e
}

func code(ae apiError, status int) string {
	for _, e := range ae.Errors {
		if e.Code != 0 {
			return strconv.Itoa(e.Code)
		}
		if e.Type != "" {
			return e.Type
		}
	}
	if ae.Type != "" && ae.Type != "about:blank" {
		return ae.Type
	}
	if ae.Title != "" {
		return ae.Title
	}
	return strconv.Itoa(status)
}

func firstNonEmpty(ae apiError) string {
	for _, e := range ae.Errors {
		for _, s := range []string{e.Message, e.Detail} {
			if s != "" {
				return clipReason(s)
			}
		}
	}
	return clipReason(ae.Detail)
}

func clipReason(s string) string {
	if r := []rune(s); len(r) > 300 {
		return string(r[:300]) + "…"
	}
	return s
}
