package signing

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestVerifyWithdrawn: once the ministry withdraws a translation corrected
// once, the verify page still says that each version's signature is
// authentic, but that it was withdrawn and when, and never that a version
// is the latest or that a newer one exists, whether asked by address, by
// pasted text or by the signed text; the downloads answer 410 in the
// page's language. The other translation is untouched.
func TestVerifyWithdrawn(t *testing.T) {
	f := newFixture(t)
	withdrawn := time.Date(2026, 3, 20, 9, 15, 0, 0, time.UTC)
	for i := range f.st.signed {
		if strings.HasSuffix(f.st.signed[i].URL, "/en/news/east-sea") {
			f.st.signed[i].Withdrawn = withdrawn
		}
	}
	c1, err := Canonical(f.v1)
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := Canonical(f.v2)
	for name, req := range map[string]struct {
		method, path string
		form         url.Values
	}{
		"address":        {"GET", VerifyLink("en", f.v1.URL), nil},
		"pasted text v1": {"POST", "/en/verify", url.Values{"text": {f.v1.Title + "\n" + f.v1.Body}}},
		"signed text v1": {"POST", "/en/verify", url.Values{"text": {string(c1)}}},
		"signed text v2": {"POST", "/en/verify", url.Values{"text": {string(c2)}}},
	} {
		t.Run(name, func(t *testing.T) {
			res, body := f.do(t, req.method, req.path, req.form)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			for _, want := range []string{"This matches a statement signed by the ministry.", "The ministry withdrew this statement on March 20, 2026 at 9:15", "Withdrawn statement"} {
				if !strings.Contains(body, want) {
					t.Errorf("lacks %q", want)
				}
			}
			for _, not := range []string{"This is the latest version.", "A newer version exists", ".sig\"", ".txt\"", `href="` + f.v1.URL + `"`} {
				if strings.Contains(body, not) {
					t.Errorf("still says %q", not)
				}
			}
		})
	}
	for _, p := range []string{"/en/verify/" + Digest(c1) + ".txt", "/en/verify/" + Digest(c2) + ".sig"} {
		res, body := f.do(t, "GET", p, nil)
		if res.StatusCode != http.StatusGone || !strings.Contains(body, "The ministry withdrew this statement on March 20, 2026") {
			t.Errorf("GET %s: %d", p, res.StatusCode)
		}
	}
	res, body := f.do(t, "GET", "/ar/verify/"+Digest(c2)+".sig", nil)
	if res.StatusCode != http.StatusGone || !strings.Contains(body, `dir="rtl"`) || !strings.Contains(body, "سحبت الوزارة هذا البيان في") {
		t.Errorf("Arabic download of a withdrawn signature: %d", res.StatusCode)
	}
	// The Chinese translation was not withdrawn.
	res, body = f.do(t, "GET", VerifyLink("en", f.zh.URL), nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "This is the latest version.") || strings.Contains(body, "withdrew") {
		t.Errorf("the Chinese translation: %d", res.StatusCode)
	}
}
