package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/social"
)

// In Chromium, with the demo: the press officer connects the X channel
// through the OAuth redirect (X's consent page is the demo's fake), comes
// back to the channel's page with the account confirmed, and the connect
// and alerts pages have no serious accessibility violation in English and
// Arabic.
func TestBrowserConnectX(t *testing.T) {
	b := newBrowser(t)
	pw := map[string]string{}
	for _, s := range b.ts.app.demo {
		pw[s.Username] = s.Password
	}
	var xID int64
	chs, err := b.ts.db.ListChannels(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range chs {
		if c.Network == string(social.X) {
			xID = c.ID
		}
	}
	if xID == 0 {
		t.Fatal("the demo has no X channel")
	}
	page := fmt.Sprintf("/press/channels/%d/connect", xID)
	b.Open(t, "/signin")
	b.SignIn(t, "demo-press", pw["demo-press"])
	b.Open(t, "/lang/en?next="+page)
	b.Follow(t, "sign in with X", chromedp.Click(chromedp.CSS("#oauth-submit")))
	b.Follow(t, "continue to X", chromedp.Click(chromedp.CSS("#oauth-continue")))
	if loc := b.Location(t); !strings.HasPrefix(loc, page+"?connected=1") {
		t.Fatalf("after the OAuth round trip the browser is at %s", loc)
	}
	if got := b.Text(t, "#health-account"); !strings.Contains(got, "mofa_vn") || !strings.Contains(got, "confirmed") {
		t.Fatalf("account after connecting: %q", got)
	}
	for _, code := range []string{"en", "ar"} {
		for _, path := range []string{page, "/press/alerts"} {
			b.Open(t, "/lang/"+code+"?next="+path)
			browsertest.AssertNoSeriousViolations(t, b.Ctx, code+" "+path)
		}
	}
}
