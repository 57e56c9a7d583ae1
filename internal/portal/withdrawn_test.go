package portal

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// TestRecallWithdrawsPages: a Delete that is part of a recall keeps each
// page, its history and its earlier versions with a withdrawal notice and
// no text (or, as the recall chose, answers 410 Gone), and tells the page
// cache; an ordinary Delete still only unpublishes.
func TestRecallWithdrawsPages(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := t.Context()
		var changes []Change
		h := newHandlers(t, db, func(_ context.Context, c Change) { changes = append(changes, c) })
		p := h.Publisher("https://mofa.example")
		mux := httpx.NewRouter()
		h.Routes(mux)
		get := func(path string) (int, string) {
			t.Helper()
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
			return rec.Code, rec.Body.String()
		}
		texts := map[string]string{}
		for _, g := range []string{"statement-1", "statement-2", "statement-3"} {
			for _, code := range []string{"en", "ar"} {
				post := social.Post{Group: g, Lang: code, Kind: "statement", Title: "Title " + g + " " + code, Text: "Body of " + g + " in " + code,
					Published: clock.Now().Add(-time.Hour)}
				if _, err := p.Publish(ctx, post); err != nil {
					t.Fatal(err)
				}
				texts[g+"/"+code] = post.Text
			}
			// A correction, so that there is an earlier version.
			if _, err := p.Publish(ctx, social.Post{Group: g, Lang: "en", Kind: "statement", Title: "Title " + g + " en", Text: texts[g+"/en"] + " Corrected."}); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(time.Hour)
		keep := social.WithRecall(ctx, social.Recall{})
		remove := social.WithRecall(ctx, social.Recall{Remove: true})
		for id, c := range map[string]context.Context{"statement-1/en": keep, "statement-1/ar": keep, "statement-2/en": remove, "statement-2/ar": remove, "statement-3/en": ctx} {
			changes = nil
			if err := p.Delete(c, id); err != nil {
				t.Fatalf("Delete %s: %v", id, err)
			}
			if len(changes) != 1 || changes[0].Live {
				t.Errorf("Delete %s told %+v, want one change that purges the page cache", id, changes)
			}
		}
		// Deleting again (a retried recall) is not an error.
		if err := p.Delete(keep, "statement-1/en"); err != nil {
			t.Errorf("second Delete: %v", err)
		}

		for _, path := range []string{"/en/news/statement-1", "/en/news/statement-1/history", "/en/news/statement-1/v/1", "/en/news/statement-1/v/2"} {
			code, body := get(path)
			if code != http.StatusOK || !strings.Contains(body, "The ministry withdrew this statement on") || !strings.Contains(body, `data-withdrawn="`) {
				t.Errorf("GET %s: %d, want the withdrawal notice", path, code)
			}
			if strings.Contains(body, "Body of statement-1") || strings.Contains(body, "Title statement-1") {
				t.Errorf("GET %s shows the withdrawn text", path)
			}
		}
		if code, body := get("/ar/news/statement-1"); code != http.StatusOK || !strings.Contains(body, `dir="rtl"`) || !strings.Contains(body, "سحبت الوزارة هذا البيان في") {
			t.Errorf("Arabic notice: %d", code)
		}
		for _, path := range []string{"/en/news/statement-2", "/en/news/statement-2/history", "/en/news/statement-2/v/1", "/ar/news/statement-2"} {
			code, body := get(path)
			if code != http.StatusGone || strings.Contains(body, "Body of statement-2") {
				t.Errorf("GET %s: %d, want 410 without the text", path, code)
			}
		}
		if _, body := get("/en/news/statement-2"); !strings.Contains(body, "This page was removed on") {
			t.Error("the 410 page does not say when the page was removed")
		}
		// Nothing publishes a withdrawn translation again: not the
		// scheduler, not an editor (in the editor's language).
		_, err := p.Publish(ctx, social.Post{Group: "statement-1", Lang: "en", Kind: "statement", Title: "Again", Text: "Again."})
		wantClass(t, "publishing a withdrawn translation", err, social.Rejected)
		a, err := db.GetArticleBySlug(ctx, "statement-1")
		if err != nil {
			t.Fatal(err)
		}
		_, err = h.content.Publish(ctx, a, "en", "")
		var he *fault.Problem
		if !errors.As(err, &he) || httpx.Status(he) != http.StatusConflict || !strings.Contains(h.t("fr", he.Key, nil), "ne peut plus être publiée") {
			t.Errorf("an editor publishing a withdrawn translation: %v", err)
		}
		if code, _ := get("/en/news/statement-1"); code != http.StatusOK {
			t.Errorf("after the refused publications: %d", code)
		}
		// An ordinary delete unpublishes: the other language is offered.
		if code, body := get("/en/news/statement-3"); code != http.StatusNotFound || strings.Contains(body, "withdrew") {
			t.Errorf("unpublished page: %d", code)
		}
		if code, _ := get("/ar/news/statement-3"); code != http.StatusOK {
			t.Errorf("the untouched translation: %d", code)
		}
	})
}
