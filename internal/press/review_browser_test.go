package press_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/store"
)

// reviewStatement saves, submits and returns a statement of the fixture's
// officer for both channels.
func (f *pressUIFixture) reviewStatement(t *testing.T, id int64, en, vi string, due time.Time) store.Statement {
	t.Helper()
	st, err := f.ts.pub.SaveStatement(t.Context(), publishing.ActorOf(f.officer), id, publishing.StatementInput{DueAt: due,
		Variants: []publishing.VariantInput{{Lang: "en", Title: "Talks in Ha Noi", Body: en}, {Lang: "vi", Title: "Hội đàm tại Hà Nội", Body: vi}},
		Targets:  []int64{f.x.ID, f.fb.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.ts.pub.Submit(t.Context(), publishing.ActorOf(f.officer), st.ID); err != nil {
		t.Fatal(err)
	}
	st, err = f.db.GetStatement(t.Context(), st.ID)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// signOut signs out with the keyboard, from the sign-out page.
func (b *browser) signOut(t *testing.T) {
	t.Helper()
	b.Open(t, "/signout")
	b.Do(t, "focus: sign out", chromedp.Focus(chromedp.CSS(`main form[action="/signout"] button`)))
	b.Follow(t, "sign out", chromedp.SendKeys(chromedp.CSS(`main form[action="/signout"] button`), kb.Enter))
}

// An approver reviews in Chromium: the words changed since the version
// last approved are marked, each network's post is shown; they request
// changes with a comment, which the author sees in the composer and on the
// board; the author resubmits, the approver approves from the review page,
// publishes now after a confirmation naming the channels, and the
// scheduler posts once; the audit view, filtered by channel, shows the
// calls with their raw bodies and the verified chain. Review and audit
// pages have no serious accessibility violation in vi, en and ar, also on
// a 375 px phone.
func TestBrowserReviewPublishNowAudit(t *testing.T) {
	f := newPressUI(t)
	ctx := t.Context()
	b := newBrowser(t, f.ts, browsertest.WindowSize(1280, 900))
	b.AcceptDialogs(t)
	due := f.clock.Now().Add(48 * time.Hour).Truncate(time.Minute)

	// Version 1, approved through its review.
	st := f.reviewStatement(t, 0, "The minister met the ambassador of Japan.", "Bộ trưởng đã gặp Đại sứ Nhật Bản.", due)
	approver := publishing.ActorOf(f.approve)
	if err := f.ts.pub.OpenReview(ctx, approver, st); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ts.pub.ApproveReviewed(ctx, approver, st.ID, st.ContentHash, ""); err != nil {
		t.Fatal(err)
	}
	// Version 2: one word changed in English, one added in Vietnamese.
	st = f.reviewStatement(t, st.ID, "The minister met the envoy of Japan.", "Bộ trưởng đã gặp Đại sứ Nhật Bản hôm nay.", due)

	review := fmt.Sprintf("/press/statements/%d/review", st.ID)
	b.Open(t, "/signin")
	b.SignIn(t, "arthur", "approver-password-1")
	b.Open(t, "/lang/en?next="+review)
	b.WaitFor(t, "the diff against version 1", `document.querySelector('#lang-en del')?.innerText.includes('ambassador') &&
		document.querySelector('#lang-en ins')?.innerText.includes('envoy') && document.querySelector('#lang-vi ins')?.innerText.includes('hôm nay')`)
	if got := b.Text(t, "#lang-en del .visually-hidden"); got != f.cat.T("en", "review_sr_removed", nil) {
		t.Errorf("screen reader marker %q", got)
	}
	if n := browsertest.Eval[int](t, b.Tab, `document.querySelectorAll('#lang-en .post-x').length + document.querySelectorAll('#lang-vi .post-facebook').length`); n != 2 {
		t.Errorf("%d network previews, want the X post in English and the Facebook post in Vietnamese", n)
	}
	// No approve button anywhere but on this page: the queue links here.
	for _, code := range []string{"vi", "en", "ar"} {
		b.Open(t, "/lang/"+code+"?next="+review)
		browsertest.AssertNoSeriousViolations(t, b.Ctx, code+" review")
		b.Screenshot(t, "press-review-"+code+".png", 1280, 900)
	}
	b.Open(t, "/lang/en?next=/press/queue")
	if n := browsertest.Eval[int](t, b.Tab, `document.querySelectorAll('form[action$="/approve"]').length`); n != 0 {
		t.Errorf("the queue still has %d approve forms", n)
	}
	b.Follow(t, "review from the queue", chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="%s"]`, review))))

	// Request changes with a comment.
	b.Do(t, "phone width", chromedp.EmulateViewport(375, 812))
	b.Open(t, "/lang/vi?next="+review)
	if w := browsertest.Eval[float64](t, b.Tab, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("the review page is %v px wide on a 375 px phone", w)
	}
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "vi review at 375 px")
	b.Screenshot(t, "press-review-vi-375.png", 375, 812)
	b.Do(t, "write what must change", chromedp.SendKeys(chromedp.CSS("#changes-comment"), "Say “envoy” in Vietnamese too: đặc phái viên."))
	b.Do(t, "scroll to the decision", chromedp.Evaluate[chromedp.Void](`document.querySelector('#changes-form').scrollIntoView()`))
	b.Screenshot(t, "press-review-decision-vi-375.png", 375, 812)
	b.Follow(t, "request changes", chromedp.Click(chromedp.CSS("#changes-button")))
	b.WaitFor(t, "the changes notice", `document.querySelector('.notice[role="status"]')?.innerText.includes("Hội đàm tại Hà Nội")`)
	b.Do(t, "desktop width", chromedp.EmulateViewport(1280, 900))
	if got, _ := f.db.GetStatement(ctx, st.ID); got.State != store.StateDraft {
		t.Fatalf("after changes requested: %s", got.State)
	}

	// The author sees it in the composer and on the board.
	b.signOut(t)
	b.Open(t, "/signin")
	b.SignIn(t, "olivia", "officer-password-1")
	b.Open(t, fmt.Sprintf("/lang/en?next=/press/statements/%d", st.ID))
	b.WaitFor(t, "the comment in the composer", `document.querySelector('#thread .comment-changes')?.innerText.includes('đặc phái viên')`)
	b.Open(t, "/lang/en?next=/press")
	b.WaitFor(t, "the request on the board", `document.querySelector('#board-changes')?.innerText.includes('đặc phái viên')`)
	if strings.Contains(browsertest.Eval[string](t, b.Tab, `document.body.innerHTML`), "/review/approve") {
		t.Error("the officer is offered an approval")
	}
	st = f.reviewStatement(t, st.ID, "The minister met the envoy of Japan.", "Bộ trưởng đã gặp Đặc phái viên Nhật Bản hôm nay.", due)
	b.signOut(t)

	// The approver approves from the review page and publishes now.
	b.Open(t, "/signin")
	b.SignIn(t, "arthur", "approver-password-1")
	b.Open(t, "/lang/en?next="+review)
	b.WaitFor(t, "the new Vietnamese word", `document.querySelector('#lang-vi ins')?.innerText.includes('Đặc phái viên')`)
	b.Follow(t, "approve", chromedp.Click(chromedp.CSS("#approve-button")))
	b.WaitFor(t, "the approval notice", `document.querySelector('.notice[role="status"]') !== null && document.querySelector('#review-state').dataset.state === 'scheduled'`)
	b.Follow(t, "publish now", chromedp.Click(chromedp.CSS("#publish-now-link")))
	b.WaitFor(t, "the confirmation naming both channels", `document.querySelector('.now-channels')?.innerText.includes('MOFA Viet Nam') &&
		document.querySelector('.now-channels')?.innerText.includes('Bộ Ngoại giao')`)
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "en publish now")
	b.Screenshot(t, "press-publish-now-en.png", 1280, 900)
	if n, err := f.ts.pub.Dispatch(ctx); err != nil || n != 0 {
		t.Fatalf("before the confirmation: %d published, %v", n, err)
	}
	b.Follow(t, "confirm", chromedp.Click(chromedp.CSS("#now-confirm")))
	b.WaitFor(t, "the publish-now notice", `document.querySelector('.notice[role="status"]')?.innerText.includes('MOFA Viet Nam')`)
	if _, err := f.ts.pub.Dispatch(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ts.pub.Dispatch(ctx); err != nil {
		t.Fatal(err)
	}
	pubs, err := f.db.ListPublications(ctx, store.QueueFilter{StatementID: st.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pubs {
		if p.State != store.StatePublished {
			t.Fatalf("publication %d: %s (%s)", p.ID, p.State, p.Reason)
		}
	}
	for k, n := range f.xNet.CountByKey() {
		if n != 1 {
			t.Fatalf("X post %s sent %d times", k, n)
		}
	}
	if len(f.xNet.Posts()) != 2 {
		t.Fatalf("%d X posts, want 2 (English and Vietnamese)", len(f.xNet.Posts()))
	}

	// The audit view, filtered by the X channel.
	b.Open(t, "/lang/en?next=/press/audit")
	b.WaitFor(t, "the chain verified", `document.querySelector('#chain-status')?.dataset.ok === 'true'`)
	b.Do(t, "choose the X channel", chromedp.SetValue(chromedp.CSS("#f-channel"), fmt.Sprint(f.x.ID)))
	b.Follow(t, "apply the filter", chromedp.Click(chromedp.CSS("#audit-apply")))
	b.WaitFor(t, "the X publication's entries", `location.search.includes('channel=') && document.querySelectorAll('.audit-entry[data-action^="publication."]').length > 0`)
	if got := browsertest.Eval[string](t, b.Tab, `[...document.querySelectorAll('.audit-entry')].map(e => e.dataset.action).join(' ')`); strings.Contains(got, "statement.") {
		t.Errorf("the channel filter lets statement entries through: %s", got)
	}
	if !browsertest.Eval[bool](t, b.Tab, `[...document.querySelectorAll('.audit-raw summary')].length > 0`) {
		t.Error("the approver sees no raw payload or response")
	}
	for _, code := range []string{"vi", "en", "ar"} {
		b.Open(t, fmt.Sprintf("/lang/%s?next=/press/audit?channel=%d", code, f.x.ID))
		browsertest.AssertNoSeriousViolations(t, b.Ctx, code+" audit")
		b.Screenshot(t, "press-audit-"+code+".png", 1280, 900)
	}
	b.Do(t, "phone width", chromedp.EmulateViewport(375, 812))
	b.Open(t, "/lang/ar?next=/press/audit")
	if w := browsertest.Eval[float64](t, b.Tab, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("the audit view is %v px wide on a 375 px phone", w)
	}
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "ar audit at 375 px")
	b.Screenshot(t, "press-audit-ar-375.png", 375, 812)
}
