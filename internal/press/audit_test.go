package press

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/fault"
)

func TestScrubSecrets(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Authorization: Bearer abc.def-123", "Authorization: [redacted]"},
		{`{"Authorization":["Bearer abc"]}`, `{"Authorization":["[redacted]"]}`},
		{"POST /bot123456:AAE-xyz_9/sendMessage", "POST /bot[redacted]/sendMessage"},
		{"https://graph.example/me?access_token=EAAB123&fields=id", "https://graph.example/me?access_token=[redacted]&fields=id"},
		{`{"access_token":"tok-1","id":"7"}`, `{"access_token":"[redacted]","id":"7"}`},
		{`client_secret=s3cr3t`, `client_secret=[redacted]`},
		{"status=201 id=987 text=Hello", "status=201 id=987 text=Hello"},
	} {
		if got := scrubSecrets(tc.in); got != tc.want {
			t.Errorf("scrub %q = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// The audit filter comes from the address: whatever it holds, it is read
// or refused as the viewer's mistake, never a panic or a server error.
func FuzzAuditQuery(f *testing.F) {
	for _, s := range []string{"", "statement=12", "statement=%2312&actor=olivia", "channel=abc", "from=2026-12-01&to=2026-12-07",
		"from=2026-13-45", "before=-1", "before=99999999999999999999", "to=0000-01-01", "actor=%00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r := httptest.NewRequest("GET", "/press/audit", nil)
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		r.URL.RawQuery = v.Encode()
		q, form, err := auditQuery(r)
		if err != nil {
			if _, ok := fault.As(err, fault.ErrRefused); !ok {
				t.Fatalf("%q: %v is not a refusal", raw, err)
			}
			return
		}
		if q.StatementID < 0 || q.ChannelID < 0 || q.Before < 0 || strings.TrimSpace(form.Actor) != q.Actor {
			t.Fatalf("%q read as %+v", raw, q)
		}
		if !q.To.IsZero() && !q.From.IsZero() && q.To.Before(q.From) && form.To >= form.From {
			t.Fatalf("%q: range %v–%v", raw, q.From, q.To)
		}
	})
}
