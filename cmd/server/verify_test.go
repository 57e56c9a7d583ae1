package main

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/signing"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// TestVerifyPublishedStatement: once the portal publishes a statement
// through app.statements, the wired verify page finds it by address and by
// pasted text, in the visitor's language, and serves its signed text; junk
// is "not found", never an error.
func TestVerifyPublishedStatement(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ts := newTestServer(t, db, clock)
		st := signing.Statement{URL: ts.URL + "/fr/news/mer-orientale", Lang: "fr", Version: 1, Issued: clock.Now().Add(-time.Hour),
			Title: "Déclaration sur la mer Orientale", Body: "Le Viet Nam appelle au respect du droit international."}
		signed, err := ts.app.statements.Publish(context.Background(), st)
		if err != nil {
			t.Fatal(err)
		}
		c := ts.client()
		r := ts.get(c, signing.VerifyLink("ar", st.URL), nil)
		wantStatus(t, r, http.StatusOK)
		wantContains(t, r, "هذا يطابق بيانًا وقَّعته الوزارة.", "Déclaration sur la mer Orientale")

		r = ts.postForm(c, "/en/verify", url.Values{"text": {"Déclaration sur la mer Orientale\n\nLe Viet Nam appelle au respect\ndu droit international."}}, nil)
		wantStatus(t, r, http.StatusOK)
		wantContains(t, r, "This matches a statement signed by the ministry.")

		canonical, _ := signing.Canonical(st)
		r = ts.get(c, "/en/verify/"+signing.Digest(canonical)+".sig", nil)
		wantStatus(t, r, http.StatusOK)
		if r.Body != string(signed.Signature) {
			t.Error("the served signature is not the one made at publication")
		}

		wantStatus(t, ts.get(c, "/vi/verify?url=%00%ff", nil), http.StatusBadRequest) // not text: refused at the edge
		for _, junk := range []string{"/vi/verify?url=%01%7f", "/vi/verify?url=" + url.QueryEscape("https://evil.example/fr/news/mer-orientale")} {
			r := ts.get(c, junk, nil)
			wantStatus(t, r, http.StatusOK)
			wantContains(t, r, `id="verify-problem"`)
		}
	})
}
