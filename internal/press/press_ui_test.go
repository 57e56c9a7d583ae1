package press_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// The composer's preview is what goes out: the parts it shows for each
// channel and language are, in order and to the character, the posts the
// scheduler makes once the statement is cleared. A part past the limit is
// flagged with a message naming the network and the language, in the
// caller's language; unknown channels and languages are refused, and only
// press staff may ask.
func TestPressPreviewIsWhatIsPublished(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		net := pubtest.New(social.Mastodon, social.Limits{MaxLength: 100, Threads: true, Idempotent: true})
		net.Now = clock.Now
		ts := newPressServer(t, db, clock, net)
		officerUser := ts.addUser("olivia", "officer-password-1", account.RolePressOfficer)
		approverUser := ts.addUser("arthur", "approver-password-1", account.RoleApprover)
		ts.addUser("dana", "delegate-password-1", account.RoleDelegate)
		officer := ts.signIn("olivia", "officer-password-1")
		approver := ts.signIn("arthur", "approver-password-1")
		delegate := ts.signIn("dana", "delegate-password-1")
		ch, err := ts.pub.CreateChannel(t.Context(), publishing.ActorOf(officerUser), publishing.ChannelInput{Network: "mastodon", Name: "Mastodon MOFA",
			BaseURL: "https://mastodon.example", Account: "mofa", Languages: []string{"en", "fr"}, TimeZone: "Europe/Paris"})
		if err != nil {
			t.Fatal(err)
		}
		in := publishing.StatementInput{DueAt: clock.Now().Add(time.Hour), ArticleURL: "https://mofa.gov.vn/en/news/summit", Targets: []int64{ch.ID},
			Variants: []publishing.VariantInput{
				{Lang: "en", Title: "Summit", Body: "  Viet Nam welcomes the summit.\r\n---\r\nDetails follow.\n---\n\n  "},
				{Lang: "fr", Body: "Le Viet Nam salue le sommet."},
				{Lang: "vi", Body: "Việt Nam hoan nghênh."}, // the channel has no Vietnamese
			},
			Overrides: []publishing.OverrideInput{{ChannelID: ch.ID, Lang: "fr", Body: "Le Viet Nam salue le sommet (Mastodon)."}}}
		prev := ts.api(officer, "POST", "/api/v1/publishing/preview", in, http.StatusOK)
		chans := prev["channels"].([]any)
		if len(chans) != 1 {
			t.Fatalf("preview channels %v", chans)
		}
		c := chans[0].(map[string]any)
		if c["name"] != "Mastodon MOFA" || c["network"] != "mastodon" || c["account"] != "mofa" || c["max"] != 100.0 || c["problem"] != "" || c["connected"] != true {
			t.Fatalf("preview channel %v", c)
		}
		var shown []string
		for _, p := range c["parts"].([]any) {
			p := p.(map[string]any)
			// Mastodon shows no link card: the portal article's address
			// ends the first part of each language.
			withLink := strings.HasSuffix(p["text"].(string), "\n\nhttps://mofa.gov.vn/en/news/summit")
			if p["link"] != "" || p["over"] != false || withLink != (p["index"] == 0.0) {
				t.Errorf("part %v", p)
			}
			shown = append(shown, fmt.Sprintf("%s/%v: %s", p["lang"], p["index"], p["text"]))
		}

		st, err := ts.pub.SaveStatement(t.Context(), publishing.ActorOf(officerUser), 0, in)
		if err != nil {
			t.Fatal(err)
		}
		if err := ts.pub.Submit(t.Context(), publishing.ActorOf(officerUser), st.ID); err != nil {
			t.Fatal(err)
		}
		st, _ = db.GetStatement(t.Context(), st.ID)
		if _, err := ts.pub.Approve(t.Context(), publishing.ActorOf(approverUser), st.ID, st.ContentHash); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
		if _, err := ts.pub.Dispatch(t.Context()); err != nil {
			t.Fatal(err)
		}
		var sent []string
		for _, p := range net.Posts() {
			var seg int
			var lng string
			if _, err := fmt.Sscanf(strings.ReplaceAll(p.Key[strings.Index(p.Key, "-")+1:], "-", " "), "%d %s %d", new(int), &lng, &seg); err != nil {
				t.Fatalf("key %q: %v", p.Key, err)
			}
			sent = append(sent, fmt.Sprintf("%s/%d: %s", lng, seg, p.Text))
		}
		if strings.Join(shown, "\n") != strings.Join(sent, "\n") {
			t.Fatalf("the preview showed\n%s\nbut the scheduler sent\n%s", strings.Join(shown, "\n"), strings.Join(sent, "\n"))
		}
		if len(sent) != 3 {
			t.Fatalf("want two English parts and the French version, got %v", sent)
		}

		// Too long: flagged, naming the network and the language, in French.
		long := in
		long.Variants = []publishing.VariantInput{{Lang: "en", Body: strings.Repeat("long ", 25)}}
		long.Overrides, long.ArticleURL = nil, ""
		c = ts.api(officer, "POST", "/api/v1/publishing/preview", long, http.StatusOK)["channels"].([]any)[0].(map[string]any)
		part := c["parts"].([]any)[0].(map[string]any)
		if part["over"] != true || part["count"] != 124.0 || part["text"] != strings.TrimSpace(strings.Repeat("long ", 25)) || !strings.Contains(part["limit"].(string), "Mastodon") ||
			!strings.Contains(part["limit"].(string), "English") || !strings.Contains(part["limit"].(string), "124") || !strings.Contains(c["problem"].(string), "124") {
			t.Fatalf("over-long part %v, problem %q", part, c["problem"])
		}
		// Hostile input.
		r := ts.send(officer, "POST", "/api/v1/publishing/preview", "application/json", `{"targets":[999999],"variants":[{"lang":"en","body":"x"}]}`, map[string]string{"Accept-Language": "fr"})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		r = ts.send(officer, "POST", "/api/v1/publishing/preview", "application/json", `{"targets":[],"variants":[{"lang":"tlh","body":"x"}]}`, nil)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		many := make([]int64, 51)
		b, _ := json.Marshal(map[string]any{"targets": many})
		wantStatus(t, ts.send(officer, "POST", "/api/v1/publishing/preview", "application/json", string(b), nil), http.StatusBadRequest)
		wantStatus(t, ts.send(officer, "POST", "/api/v1/publishing/preview", "application/json", `{"targets":`, nil), http.StatusBadRequest)
		wantStatus(t, ts.send(officer, "POST", "/api/v1/publishing/preview", "text/plain", `{}`, nil), http.StatusUnsupportedMediaType)
		// Roles: a delegate may not; an approver (who reads what they
		// clear) may; nobody signed out may.
		wantStatus(t, ts.send(delegate, "POST", "/api/v1/publishing/preview", "application/json", `{}`, nil), http.StatusForbidden)
		wantStatus(t, ts.send(approver, "POST", "/api/v1/publishing/preview", "application/json", `{}`, nil), http.StatusOK)
		wantStatus(t, ts.send(ts.client(), "POST", "/api/v1/publishing/preview", "application/json", `{}`, nil), http.StatusUnauthorized)
	})
}

// Autosave keeps a draft as typed, creating it on the first call, and
// answers when it was saved; it never saves a statement that is not a
// draft (that would void approvals behind the officer's back), nor new
// images, and refuses other roles, signed-out callers and other origins.
func TestPressAutosave(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		clock.Set(time.Date(2026, 12, 7, 2, 30, 0, 0, time.UTC))
		net := pubtest.New(social.X, social.Limits{MaxLength: 280})
		ts := newPressServer(t, db, clock, net)
		officerUser := ts.addUser("olivia", "officer-password-1", account.RolePressOfficer)
		approverUser := ts.addUser("arthur", "approver-password-1", account.RoleApprover)
		ts.addUser("dana", "delegate-password-1", account.RoleDelegate)
		if _, err := db.UpdateUser(t.Context(), withZone(t, db, "olivia", "Asia/Ho_Chi_Minh")); err != nil {
			t.Fatal(err)
		}
		officer := ts.signIn("olivia", "officer-password-1")
		approver := ts.signIn("arthur", "approver-password-1")
		delegate := ts.signIn("dana", "delegate-password-1")
		ch, err := ts.pub.CreateChannel(t.Context(), publishing.ActorOf(officerUser), publishing.ChannelInput{Network: "x", Name: "X MOFA",
			Languages: []string{"en"}, TimeZone: "Asia/Ho_Chi_Minh"})
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{"body_en": {"First words"}, "title_en": {"Draft"}, "targets": {fmt.Sprint(ch.ID)}}
		hdr := map[string]string{"Accept": "application/json", "Accept-Language": "en"}
		count := func() int {
			sts, err := db.ListStatements(t.Context(), 10)
			if err != nil {
				t.Fatal(err)
			}
			return len(sts)
		}

		// Other roles, signed out, other origins: nothing is saved.
		wantStatus(t, ts.postForm(approver, "/press/statements/autosave", form, hdr), http.StatusForbidden)
		wantStatus(t, ts.postForm(delegate, "/press/statements/autosave", form, hdr), http.StatusForbidden)
		if r := ts.postForm(ts.client(), "/press/statements/autosave", form, hdr); r.StatusCode < 300 || r.StatusCode == http.StatusOK {
			t.Fatalf("signed out: %d", r.StatusCode)
		}
		wantStatus(t, ts.postForm(officer, "/press/statements/autosave", form, map[string]string{"Accept": "application/json",
			"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}), http.StatusForbidden)
		if n := count(); n != 0 {
			t.Fatalf("%d statements saved by refused calls", n)
		}

		// The first autosave creates the draft; the time is the officer's
		// (Ha Noi, UTC+7).
		r := ts.postForm(officer, "/press/statements/autosave", form, hdr)
		wantStatus(t, r, http.StatusOK)
		var out struct {
			ID      int64  `json:"id"`
			URL     string `json:"url"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal([]byte(r.Body), &out); err != nil {
			t.Fatal(err)
		}
		if out.ID == 0 || out.URL != fmt.Sprintf("/press/statements/%d", out.ID) || out.Message != "Draft saved at 09:30" {
			t.Fatalf("autosave answer %+v", out)
		}
		form.Set("body_en", "Second words")
		wantStatus(t, ts.postForm(officer, out.URL+"/autosave", form, hdr), http.StatusOK)
		st, err := db.GetStatement(t.Context(), out.ID)
		if err != nil || count() != 1 || st.Variants[0].Body != "Second words" || st.State != store.StateDraft {
			t.Fatalf("after two autosaves: %d statements, %+v, %v", count(), st, err)
		}
		// A mistake is said in the officer's language, and nothing changes.
		bad := url.Values{"body_en": {"x"}, "targets": {"not-a-number"}}
		r = ts.postForm(officer, out.URL+"/autosave", bad, map[string]string{"Accept": "application/json", "Accept-Language": "fr"})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r, `"field":"targets"`)
		// A new image waits for the button.
		withImage := url.Values{"body_en": {"x"}, "pending_name": {"a.png"}, "pending_data": {"iVBORw0KGgo="}}
		wantStatus(t, ts.postForm(officer, out.URL+"/autosave", withImage, hdr), http.StatusUnprocessableEntity)
		if st2, _ := db.GetStatement(t.Context(), out.ID); st2.Variants[0].Body != "Second words" || len(st2.Media) != 0 {
			t.Fatalf("a refused autosave changed the draft: %+v", st2)
		}

		// Submitted and approved: autosave refuses, the approval stands.
		clock.Set(time.Date(2026, 12, 7, 2, 30, 0, 0, time.UTC))
		due := clock.Now().Add(2 * time.Hour)
		if _, err := ts.pub.SaveStatement(t.Context(), publishing.ActorOf(officerUser), out.ID, publishing.StatementInput{DueAt: due,
			Variants: []publishing.VariantInput{{Lang: "en", Body: "Second words"}}, Targets: []int64{ch.ID}}); err != nil {
			t.Fatal(err)
		}
		if err := ts.pub.Submit(t.Context(), publishing.ActorOf(officerUser), out.ID); err != nil {
			t.Fatal(err)
		}
		st, _ = db.GetStatement(t.Context(), out.ID)
		if _, err := ts.pub.Approve(t.Context(), publishing.ActorOf(approverUser), st.ID, st.ContentHash); err != nil {
			t.Fatal(err)
		}
		r = ts.postForm(officer, out.URL+"/autosave", form, hdr)
		wantStatus(t, r, http.StatusConflict)
		wantContains(t, r, "Only a draft saves on its own")
		if aps, _ := db.ListApprovals(t.Context(), out.ID); len(aps) != 1 {
			t.Fatalf("approvals after a refused autosave: %v", aps)
		}
		wantStatus(t, ts.postForm(officer, "/press/statements/999999/autosave", form, hdr), http.StatusNotFound)
	})
}

// withZone is the user with their time zone set.
func withZone(t *testing.T, db *store.DB, username, zone string) account.User {
	t.Helper()
	u, err := db.GetUserByUsername(t.Context(), username)
	if err != nil {
		t.Fatal(err)
	}
	u.TimeZone = zone
	return u
}

// The emergency pause asks first, naming what it will hold: every
// publication not yet out, or one channel's; the pause itself is the same
// form as before.
func TestPressPauseConfirmation(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		net := pubtest.New(social.X, social.Limits{MaxLength: 280})
		ts := newPressServer(t, db, clock, net)
		officerUser := ts.addUser("olivia", "officer-password-1", account.RolePressOfficer)
		ts.addUser("dana", "delegate-password-1", account.RoleDelegate)
		officer := ts.signIn("olivia", "officer-password-1")
		delegate := ts.signIn("dana", "delegate-password-1")
		var chans []publishing.Channel
		for _, name := range []string{"X MOFA", "X Embassy"} {
			ch, err := ts.pub.CreateChannel(t.Context(), publishing.ActorOf(officerUser), publishing.ChannelInput{Network: "x", Name: name,
				Languages: []string{"en"}, TimeZone: "UTC"})
			if err != nil {
				t.Fatal(err)
			}
			chans = append(chans, ch)
		}
		for i, title := range []string{"Statement on the summit", "Statement on the floods"} {
			st, err := ts.pub.SaveStatement(t.Context(), publishing.ActorOf(officerUser), 0, publishing.StatementInput{DueAt: clock.Now().Add(time.Duration(i+1) * time.Hour),
				Variants: []publishing.VariantInput{{Lang: "en", Title: title, Body: title + "."}}, Targets: []int64{chans[i].ID}})
			if err != nil {
				t.Fatal(err)
			}
			if err := ts.pub.Submit(t.Context(), publishing.ActorOf(officerUser), st.ID); err != nil {
				t.Fatal(err)
			}
		}
		en := map[string]string{"Accept-Language": "en"}
		page := ts.get(officer, "/press/pause", en)
		wantStatus(t, page, http.StatusOK)
		wantContains(t, page, "Pause all publishing?", "Publications it will hold: 2.", "Statement on the summit", "Statement on the floods",
			`action="/press/pause"`, "Pause all publishing (2 held)")
		one := ts.get(officer, fmt.Sprintf("/press/channels/%d/pause", chans[1].ID), en)
		wantStatus(t, one, http.StatusOK)
		wantContains(t, one, "Pause X Embassy?", "Publications it will hold: 1.", "Statement on the floods", fmt.Sprintf(`action="/press/channels/%d/pause"`, chans[1].ID))
		if strings.Contains(one.Body, "Statement on the summit") {
			t.Fatal("a channel's pause names another channel's publication")
		}
		wantStatus(t, ts.get(officer, "/press/channels/999999/pause", en), http.StatusNotFound)
		wantStatus(t, ts.get(delegate, "/press/pause", en), http.StatusForbidden)
		// The board and the channels page link to the confirmation rather
		// than pausing from a button.
		wantContains(t, ts.get(officer, "/press", en), `href="/press/pause"`)
		chPage := ts.get(officer, "/press/channels", en)
		wantContains(t, chPage, fmt.Sprintf(`href="/press/channels/%d/pause"`, chans[0].ID))
		if strings.Contains(chPage.Body, fmt.Sprintf(`action="/press/channels/%d/pause"`, chans[0].ID)) {
			t.Fatal("the channels page still pauses from a button")
		}
		// Confirming pauses; the page then says so.
		wantStatus(t, ts.postForm(officer, "/press/pause", url.Values{"reason": {"Hijack suspected"}, "return": {"/press"}}, en), http.StatusSeeOther)
		wantContains(t, ts.get(officer, "/press/pause", en), "This pause is already on.")
	})
}

// The status board puts what needs a person first: a failed publication
// with the network's reason and what settles it, and the counts per state.
func TestPressBoardSaysWhyAndWhatSettlesIt(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		net := pubtest.New(social.X, social.Limits{MaxLength: 280})
		net.Now = clock.Now
		ts := newPressServer(t, db, clock, net)
		officerUser := ts.addUser("olivia", "officer-password-1", account.RolePressOfficer)
		ts.addUser("arthur", "approver-password-1", account.RoleApprover)
		officer := ts.signIn("olivia", "officer-password-1")
		ch, err := ts.pub.CreateChannel(t.Context(), publishing.ActorOf(officerUser), publishing.ChannelInput{Network: "x", Name: "X MOFA",
			Languages: []string{"en"}, TimeZone: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		// Saving and submitting with the buttons: each confirmation says
		// what happened to which statement.
		en := map[string]string{"Accept-Language": "en"}
		r := ts.postForm(officer, "/press/statements", url.Values{"title_en": {"On the floods"}, "body_en": {"Condolences."},
			"due_at": {clock.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04")}, "targets": {fmt.Sprint(ch.ID)}}, en)
		wantStatus(t, r, http.StatusSeeOther)
		wantContains(t, ts.get(officer, r.Header.Get("Location"), en), "Draft “On the floods” saved. Submit it for approval when it is ready.")
		sts, err := db.ListStatements(t.Context(), 1)
		if err != nil || len(sts) != 1 {
			t.Fatal(sts, err)
		}
		st := sts[0]
		r = ts.postForm(officer, fmt.Sprintf("/press/statements/%d/submit", st.ID), nil, en)
		wantStatus(t, r, http.StatusSeeOther)
		wantContains(t, ts.get(officer, r.Header.Get("Location"), en), "Statement “On the floods” sent for approval: 1 approval(s) needed before it is scheduled on 1 channel(s).")
		board := ts.get(officer, "/press", en)
		wantContains(t, board, "Waiting for an approver: it goes out only once approved.")
		if strings.Contains(board.Body, `class="attention"`) {
			t.Fatal("a publication awaiting approval is not a person's problem yet")
		}
		st, _ = db.GetStatement(t.Context(), st.ID)
		// The approval's confirmation says what will happen, and when. An
		// approval needs its approver to have opened the review first.
		wantStatus(t, ts.get(ts.signIn("arthur", "approver-password-1"), fmt.Sprintf("/press/statements/%d/review", st.ID), en), http.StatusOK)
		r = ts.postForm(ts.signIn("arthur", "approver-password-1"), fmt.Sprintf("/press/statements/%d/approve", st.ID),
			url.Values{"hash": {st.ContentHash}, "return": {"/press/queue"}}, en)
		wantStatus(t, r, http.StatusSeeOther)
		queue := ts.get(ts.signIn("arthur", "approver-password-1"), r.Header.Get("Location"), en)
		wantContains(t, queue, "Statement “On the floods” approved; it will publish to 1 channels from")
		net.Script(pubtest.Step{Fail: true, Class: social.AuthExpired, Reason: "the token was revoked"})
		clock.Advance(time.Hour)
		if _, err := ts.pub.Dispatch(t.Context()); err != nil {
			t.Fatal(err)
		}
		board = ts.get(officer, "/press", en)
		wantContains(t, board, `class="attention"`, "Needs a person (1)", "On the floods", "the token was revoked",
			"It was not published. Fix the cause above", `href="/press/channels"`)
		// A forged notice repeats no words from the address.
		forged := ts.get(officer, "/press?notice=approved&statement=999999&title=Hacked", en)
		wantContains(t, forged, `<div class="notice" role="status">Approved.</div>`)
	})
}
