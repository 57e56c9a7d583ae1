package press_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
	"github.com/mofa-vn/chancery/locales"
)

// A press officer in Chromium, with the interface in Arabic, composes in
// English and Arabic with an image described in both languages and a
// shorter X version; a first save is refused (the X version is for a
// channel not chosen yet) in Arabic and loses nothing, not even the image;
// the second is saved, and the API and the previews show the image's
// descriptions and the X version. Both languages' pages pass axe.
func TestBrowserPressComposeMediaAndOverride(t *testing.T) {
	clock := storetest.NewClock(time.Now())
	db := storetest.OpenWithClock(t, store.BackendSQLite, clock.Now)
	net := pubtest.New(social.X, social.Limits{MaxLength: 280})
	ts := newPressServer(t, db, clock, net)
	cat, err := lang.NewCatalog(locales.FS, "vi")
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, ts)
	b.AcceptDialogs(t) // leaving a composed form asks first
	officer := ts.addUser("olivia", "officer-password-1", account.RolePressOfficer)
	ch, err := ts.pub.CreateChannel(t.Context(), publishing.ActorOf(officer), publishing.ChannelInput{Network: "x", Name: "X MOFA",
		Languages: []string{"en", "ar"}, TimeZone: "Asia/Ho_Chi_Minh"})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "handshake.png")
	if err := os.WriteFile(file, pngImage(t), 0o600); err != nil {
		t.Fatal(err)
	}
	override := fmt.Sprintf("#override_%d_en", ch.ID)

	b.Open(t, "/signin")
	b.SignIn(t, "olivia", "officer-password-1")
	b.Open(t, "/lang/ar?next=/press/compose")
	// The interface is in Arabic: the Arabic tab is open; the English one
	// is a click away.
	b.Do(t, "type both languages, add an image described in both, and a shorter X text",
		chromedp.SetValue(chromedp.CSS("#due_at"), clock.Now().UTC().Add(24*time.Hour).Format("2006-01-02T15:04")),
		chromedp.SetUploadFiles(chromedp.CSS("#media_file"), []string{file}),
		chromedp.Click(chromedp.CSS("#tab-en")),
		chromedp.SendKeys(chromedp.CSS("#body_en"), "Viet Nam welcomes the agreement signed today in Geneva by both parties."),
		chromedp.SendKeys(chromedp.CSS("#alt_new_en"), "The two ministers shake hands"),
		chromedp.Click(chromedp.CSS(`.variant[data-lang="en"] .overrides summary`)),
		chromedp.SendKeys(chromedp.CSS(override), "Viet Nam welcomes the Geneva agreement."),
		chromedp.Click(chromedp.CSS("#tab-ar")),
		chromedp.SendKeys(chromedp.CSS("#body_ar"), "ترحب فيت نام بالاتفاق"),
		chromedp.SendKeys(chromedp.CSS("#alt_new_ar"), "الوزيران يتصافحان"))
	b.WaitFor(t, "the English source beside the Arabic text",
		`document.querySelector('#panel-ar .source-body')?.innerText === "Viet Nam welcomes the agreement signed today in Geneva by both parties."`)

	// The X channel is not chosen: the save is refused, in Arabic, and the
	// form comes back as typed, the image included.
	b.Follow(t, "save", chromedp.Click(chromedp.CSS(`#compose button[type="submit"]`)))
	if got, want := b.Text(t, "#compose-error"), browsertest.Squash(cat.T("ar", "press_error_override_target", nil)); got != want {
		t.Fatalf("refusal: %q, want %q", got, want)
	}
	for sel, want := range map[string]string{"#body_ar": "ترحب فيت نام بالاتفاق", override: "Viet Nam welcomes the Geneva agreement.",
		"#alt_p0_en": "The two ministers shake hands", "#alt_p0_ar": "الوزيران يتصافحان"} {
		if got := browsertest.Eval[string](t, b.Tab, `document.querySelector(`+browsertest.JSString(sel)+`)?.value ?? ""`); got != want {
			t.Errorf("after the refusal %s holds %q, want %q", sel, got, want)
		}
	}
	if got := b.Text(t, `[data-media="p0"] bdi`); got != "handshake.png" {
		t.Fatalf("the image was lost: %q", got)
	}
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "ar refused compose form")

	b.Do(t, "choose the X channel", chromedp.Click(chromedp.CSS(fmt.Sprintf("#t-%d", ch.ID))))
	b.WaitFor(t, "the English preview with the image and its English description",
		`document.querySelector('.variant[data-lang="en"] .preview .post-x img[data-slot="p0"]')?.alt === "The two ministers shake hands"`)
	b.WaitFor(t, "the Arabic preview with the Arabic description",
		`document.querySelector('.variant[data-lang="ar"] .preview .post-x img[data-slot="p0"]')?.alt === "الوزيران يتصافحان"`)
	b.WaitFor(t, "the X version in the English preview",
		`document.querySelector('.variant[data-lang="en"] .preview .post-x .post-text')?.innerText === "Viet Nam welcomes the Geneva agreement."`)
	b.WaitFor(t, "the X version's own live count", fmt.Sprintf(`document.querySelector("#count_o_%d_en")?.innerText.includes("X MOFA: 39 / 280")`, ch.ID))
	b.Follow(t, "save again", chromedp.Click(chromedp.CSS(`#compose button[type="submit"]`)))
	sts, err := db.ListStatements(t.Context(), 10)
	if err != nil || len(sts) != 1 {
		t.Fatalf("statements %v %v", sts, err)
	}
	st := sts[0]
	if len(st.Media) != 1 || st.Media[0].Alts["en"] != "The two ministers shake hands" || st.Media[0].Alts["ar"] != "الوزيران يتصافحان" ||
		string(st.Media[0].Data) != string(pngImage(t)) {
		t.Fatalf("media %+v", st.Media)
	}
	// The API shows what was composed.
	api := ts.api(ts.signIn("olivia", "officer-password-1"), "GET", fmt.Sprintf("/api/v1/publishing/statements/%d", st.ID), nil, 200)
	media := api["media"].([]any)[0].(map[string]any)
	alts := media["alts"].(map[string]any)
	ovs := api["overrides"].([]any)
	if media["filename"] != "handshake.png" || media["content_type"] != "image/png" || alts["en"] != "The two ministers shake hands" || alts["ar"] != "الوزيران يتصافحان" ||
		len(ovs) != 1 || ovs[0].(map[string]any)["body"] != "Viet Nam welcomes the Geneva agreement." || ovs[0].(map[string]any)["lang"] != "en" {
		t.Fatalf("API statement: %v", api)
	}
	// The stored statement's page previews the stored image, and passes
	// axe in English and Arabic.
	for _, code := range []string{"en", "ar"} {
		b.Open(t, "/lang/"+code+fmt.Sprintf("?next=/press/statements/%d", st.ID))
		b.WaitFor(t, code+" preview of the stored image", fmt.Sprintf(
			`(() => { const i = document.querySelector('.variant[data-lang="ar"] .preview img[data-slot="m%d"]'); return i && i.alt === "الوزيران يتصافحان" && i.complete && i.naturalWidth === 16; })()`,
			st.Media[0].ID))
		browsertest.AssertNoSeriousViolations(t, b.Ctx, code+" statement with image and X version")
	}
	// Submitting now passes the checks: each language's image has its
	// description, and the X version fits.
	b.Follow(t, "submit", chromedp.Click(chromedp.CSS(fmt.Sprintf(`form[action="/press/statements/%d/submit"] button`, st.ID))))
	if got, _ := db.GetStatement(t.Context(), st.ID); got.State != store.StateSubmitted {
		t.Fatalf("after submit: %s (%s)", got.State, b.Text(t, "#compose-error"))
	}
}
