package main

import (
	"context"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/social/mastodon/mastodonfake"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// TestOpenAPIDescribesEveryAPIRoute holds the OpenAPI document to what the
// server does. Every /api/v1 route the server registers must be in the
// document and every operation of the document must be served. Then a
// program does through the API what the pages do (users, articles, room
// tokens and staff, channels and their credentials, statements from draft
// to recall, the pause), sends every route a path or query that is not
// text, and every answer, happy or not, must have a status
// the document lists for that operation and a body its schema accepts
// (a real JSON Schema validator). Every status the document lists must
// come back at least once: the document promises nothing a route cannot
// give.
func TestOpenAPIDescribesEveryAPIRoute(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		const token = "mastodon-SECRET-token-Qp42"
		fake := mastodonfake.New(token)
		t.Cleanup(fake.Close)
		fake.SetNow(clock.Now)
		var logs httpxtest.SyncBuffer
		// The fake Mastodon listens on loopback: allowed as an operator
		// allows a test server, at exactly its host and port.
		ts := newLoggedServer(t, db, clock, &logs, allowAPIs(fake.URL))
		a := ts.app
		ts.addUser("ada", "admin-password-1", account.RoleAdmin)
		ts.addUser("olivia", "officer-password-1", account.RolePressOfficer)
		ts.addUser("arthur", "approver-password-1", account.RoleApprover)
		ts.addUser("dana", "delegate-password-1", account.RoleDelegate)
		room, err := db.CreateRoom(ctx, store.Room{Slug: "asean-digital-2026", Title: "ASEAN Digital 2026"})
		if err != nil {
			t.Fatal(err)
		}

		officerClient := ts.signIn("olivia", "officer-password-1")
		r := ts.get(officerClient, "/api/v1/openapi.json", nil)
		wantStatus(t, r, http.StatusOK)
		doc := parseAPIDoc(t, r.Body)
		doc.check(t, "GET /api/v1/openapi.json", r)
		checkAPIRouteTable(t, a, doc)
		if t.Failed() {
			t.FailNow()
		}

		var seen bodies
		as := func(c *http.Client) apiClient { return apiClient{ts: ts, doc: doc, c: c, seen: &seen} }
		admin := as(ts.signIn("ada", "admin-password-1"))
		officer := as(officerClient)
		approver := as(ts.signIn("arthur", "approver-password-1"))
		delegate := as(ts.signIn("dana", "delegate-password-1"))
		anonymous := as(ts.client())
		none := map[string]string{}
		id := func(v string) map[string]string { return map[string]string{"id": v} }

		// On an empty store, every list is [] or {}, never null.
		for _, key := range apiRoutes(a) {
			if strings.HasPrefix(key, "GET ") && !apiPathParam.MatchString(key) {
				admin.call(key, none, nil, 200)
			}
		}

		// Who am I, and the users API (administrators).
		me := apiObject(t, officer.call("GET /api/v1/me", none, nil, 200))
		if me["effective_roles"].([]any)[0] != "press_officer" {
			t.Fatalf("me: %v", me)
		}
		delegate.call("GET /api/v1/me", none, nil, 200)
		admin.call("GET /api/v1/users", none, nil, 200)
		newUser := map[string]any{"username": "tran.binh", "display_name": "Trần Thị Bình", "email": "binh@mofa.gov.vn",
			"roles": []string{"press_officer", "approver"}, "lang": "vi", "time_zone": "Asia/Ho_Chi_Minh"}
		created := apiObject(t, admin.call("POST /api/v1/users", none, newUser, 201))
		if created["generated_password"] == "" {
			t.Fatalf("no generated password: %v", created)
		}
		userID := apiID(t, created["user"])
		admin.call("POST /api/v1/users", none, newUser, 409)
		admin.call("POST /api/v1/users", none, map[string]any{"username": "X"}, 400)
		admin.call("GET /api/v1/users/{id}", id(userID), nil, 200)
		admin.call("PATCH /api/v1/users/{id}", id(userID), map[string]any{"display_name": "Bình", "disabled": true}, 200)
		admin.call("PATCH /api/v1/users/{id}", id(userID), map[string]any{"email": "not an address"}, 400)
		admin.call("GET /api/v1/users/{id}", id("999999"), nil, 404)

		// Portal articles and topics.
		issued := clock.Now().UTC().Format(time.RFC3339)
		article := map[string]any{"slug": "east-sea-statement", "kind": "statement", "source_lang": "en", "unit": "spokesperson",
			"topics": []string{"sea"}, "countries": []string{"JP", "035"}, "featured": true, "issued_at": issued}
		art := apiID(t, officer.call("POST /api/v1/articles", none, article, 201))
		officer.call("POST /api/v1/articles", none, article, 409)
		officer.call("POST /api/v1/articles", none, map[string]any{"slug": "Not A Slug", "kind": "statement", "source_lang": "en"}, 400)
		bare := apiID(t, officer.call("POST /api/v1/articles", none, map[string]any{"slug": "bare", "kind": "news", "source_lang": "vi"}, 201))
		if got := apiObject(t, officer.call("GET /api/v1/articles/{id}", id(bare), nil, 200)); got["issued_at"] != nil {
			t.Fatalf("an article never issued: issued_at %v", got["issued_at"])
		}
		officer.call("GET /api/v1/articles", none, nil, 200)
		officer.call("GET /api/v1/articles/{id}", id(art), nil, 200)
		officer.call("GET /api/v1/articles/{id}", id("999999"), nil, 404)
		officer.call("PATCH /api/v1/articles/{id}", id(art), map[string]any{"featured": false, "topics": []string{"sea", "asean"}}, 200)
		officer.call("PATCH /api/v1/articles/{id}", id(art), map[string]any{"slug": "another"}, 400)
		en := map[string]string{"id": art, "tl": "en"}
		officer.call("PUT /api/v1/articles/{id}/translations/{tl}", en, map[string]any{"title": "Statement on the East Sea", "summary": "Viet Nam's position.",
			"body": "First paragraph.\n\nSecond paragraph.", "images": []map[string]string{{"src": "https://mofa.gov.vn/a.jpg", "alt": "The minister"}}}, 200)
		officer.call("PUT /api/v1/articles/{id}/translations/{tl}", en, map[string]any{"title": ""}, 400)
		officer.call("PUT /api/v1/articles/{id}/translations/{tl}", map[string]string{"id": art, "tl": "xx"}, map[string]any{"title": "T"}, 404)
		officer.call("POST /api/v1/articles/{id}/translations/{tl}/publish", en, map[string]any{}, 200)
		officer.call("POST /api/v1/articles/{id}/translations/{tl}/publish", en, map[string]any{"note": "Corrected a date."}, 200)
		officer.call("POST /api/v1/articles/{id}/translations/{tl}/publish", en, map[string]any{"note": strings.Repeat("n", 501)}, 400)
		officer.call("POST /api/v1/articles/{id}/translations/{tl}/publish", map[string]string{"id": art, "tl": "fr"}, nil, 404)
		officer.call("GET /api/v1/articles/{id}/translations/{tl}/versions", en, nil, 200)
		officer.call("POST /api/v1/articles/{id}/translations/{tl}/unpublish", en, nil, 200)
		officer.call("PUT /api/v1/topics/{topic}", map[string]string{"topic": "sea"}, map[string]any{"names": map[string]string{"en": "The sea", "vi": "Biển"}}, 200)
		officer.call("PUT /api/v1/topics/{topic}", map[string]string{"topic": "asean"}, map[string]any{}, 200)
		officer.call("PUT /api/v1/topics/{topic}", map[string]string{"topic": "Not_A_Topic"}, map[string]any{"names": map[string]string{"en": "X"}}, 400)
		officer.call("PUT /api/v1/topics/{topic}", map[string]string{"topic": "sea"}, map[string]any{"names": map[string]string{"tlh": "X"}}, 400)

		// Conference join tokens and room staff.
		roomToken := apiRoomAccess(t, ts, func(u, p string) apiClient { return as(ts.signIn(u, p)) }, admin, room)
		apiBroadcast(t, admin, room)
		apiRoomManagement(t, ts, admin, room)
		apiRoomRecordings(t, admin, room)
		eventVals := apiEvents(t, ts, admin, func(u, p string) apiClient { return as(ts.signIn(u, p)) })
		// Delegations and accreditation of an event.
		eventID, err := strconv.ParseInt(eventVals["id"], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		delegationID, registrationID := apiDelegations(t, ts, admin, eventID)

		// Channels, and their connection as the connect page makes it.
		pause := apiObject(t, officer.call("GET /api/v1/publishing/pause", none, nil, 200))
		if chs, ok := pause["paused_channels"].([]any); !ok || len(chs) != 0 {
			t.Fatalf("paused_channels with nothing paused: %#v, want []", pause["paused_channels"])
		}
		ch := apiID(t, officer.call("POST /api/v1/publishing/channels", none, map[string]any{"network": "mastodon", "name": "Mastodon MOFA",
			"base_url": fake.URL, "languages": []string{"en", "fr"}, "time_zone": "Asia/Ho_Chi_Minh"}, 201))
		apiWantError(t, officer.call("POST /api/v1/publishing/channels", none, map[string]any{"network": "x", "name": "X", "languages": []string{"en"}, "time_zone": "Mars/Olympus"}, 422),
			"press_error_time_zone", "time_zone")
		// An address inside the server's network is refused when the
		// channel is made: cloud metadata, and the allowed fake's own
		// host on another port.
		fakeURL, err := url.Parse(fake.URL)
		if err != nil {
			t.Fatal(err)
		}
		for _, internal := range []string{"http://169.254.169.254", "http://" + net.JoinHostPort(fakeURL.Hostname(), "1")} {
			apiWantError(t, officer.call("POST /api/v1/publishing/channels", none, map[string]any{"network": "mastodon", "name": "Inside",
				"base_url": internal, "languages": []string{"en"}, "time_zone": "UTC"}, 422), "press_error_base_url_internal", "base_url")
		}
		unconnected := apiID(t, officer.call("POST /api/v1/publishing/channels", none, map[string]any{"network": "mastodon", "name": "Mastodon spare",
			"base_url": fake.URL, "languages": []string{"en"}, "time_zone": "UTC"}, 201))
		portalCh := apiID(t, officer.call("POST /api/v1/publishing/channels", none, map[string]any{"network": "portal", "name": "Portal",
			"languages": []string{"en"}, "time_zone": "UTC"}, 201))
		officer.call("GET /api/v1/publishing/channels", none, nil, 200)

		conn := apiObject(t, approver.call("GET /api/v1/channels/{id}/connection", id(ch), nil, 200))
		if conn["has_credentials"] != false || conn["verified"] != false {
			t.Fatalf("connection before credentials: %v", conn)
		}
		officer.call("GET /api/v1/channels/{id}/connection", id(portalCh), nil, 404)
		officer.call("PUT /api/v1/channels/{id}/credentials", id(portalCh), map[string]string{"access_token": token}, 404)
		officer.call("PUT /api/v1/channels/{id}/credentials", id(ch), map[string]string{"access_token": "pasted with a space"}, 422)
		officer.call("PUT /api/v1/channels/{id}/credentials", id(ch), map[string]string{"access_token": "mastodon-wrong-token"}, 422)
		officer.call("PUT /api/v1/channels/{id}/credentials", id(ch), map[string]string{"page_token": token}, 400)
		officer.call("PUT /api/v1/channels/{id}/credentials", id(ch), map[string]any{"access_token": 42}, 400)
		officer.call("PUT /api/v1/channels/{id}/credentials", id(ch), "null", 422)
		approver.call("PUT /api/v1/channels/{id}/credentials", id(ch), map[string]string{"access_token": token}, 403)
		// Two roles on one person: a token scoped to approving reads the
		// connection but cannot change it, though its owner could.
		both := ts.addUser("binh", "officer-password-2", account.RolePressOfficer, account.RoleApprover)
		secret, _, err := a.auth.CreateToken(ctx, both, "clearance script", []account.Role{account.RoleApprover}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		scoped := as(ts.client())
		scoped.hdr = map[string]string{"Authorization": "Bearer " + secret}
		scoped.call("GET /api/v1/channels/{id}/connection", id(ch), nil, 200)
		scoped.call("PUT /api/v1/channels/{id}/credentials", id(ch), map[string]string{"access_token": token}, 403)
		conn = apiObject(t, officer.call("PUT /api/v1/channels/{id}/credentials", id(ch), map[string]string{"access_token": token}, 200))
		if conn["verified"] != true || conn["account"] == "" {
			t.Fatalf("connection after credentials: %v", conn)
		}
		officer.call("GET /api/v1/channels/{id}/connection", id(ch), nil, 200)
		// Stored sealed, through the form's path, with the form's audit entry.
		sealed, err := db.ChannelCredential(ctx, apiInt(t, ch))
		if err != nil || strings.Contains(string(sealed), token) {
			t.Fatalf("stored credential: %v (in plain text: %v)", err, strings.Contains(string(sealed), token))
		}
		entries, err := db.ListAudit(ctx, store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		connected := 0
		for _, e := range entries {
			if e.Action == "channel.connect" && e.Actor == "olivia" {
				connected++
			}
		}
		if connected != 1 {
			t.Fatalf("%d channel.connect audit entries by olivia, want 1 (refused credentials leave none)", connected)
		}

		officer.call("POST /api/v1/publishing/count", none, map[string]any{"channel_id": apiInt(t, ch), "text": "Xin chào thế giới"}, 200)
		officer.call("POST /api/v1/publishing/count", none, map[string]any{"channel_id": 999999, "text": "x"}, 404)
		// A channel made before the rule on API servers names one Chancery
		// sends no credentials to: it has no connector.
		stray, err := db.CreateChannel(ctx, store.Channel{Network: "x", Name: "X (old)", BaseURL: "https://api.example", Languages: []string{"en"}, TimeZone: "UTC"},
			store.AuditEntry{Actor: "test", Action: "channel.create"})
		if err != nil {
			t.Fatal(err)
		}
		officer.call("POST /api/v1/publishing/count", none, map[string]any{"channel_id": stray.ID, "text": "x"}, 422)
		officer.call("POST /api/v1/publishing/count", none, map[string]any{"channel_id": apiInt(t, unconnected), "text": "x"}, 200)
		officer.call("POST /api/v1/publishing/preview", none, map[string]any{"targets": []int64{apiInt(t, ch)},
			"variants": []map[string]string{{"lang": "en", "title": "", "body": "Viet Nam welcomes the summit.\n---\nMore soon."}}}, 200)
		officer.call("POST /api/v1/publishing/preview", none, map[string]any{"targets": []int64{999999}}, 422)
		if c := apiObject(t, officer.call("GET /api/v1/channels/{id}/connection", id(fmt.Sprint(stray.ID)), nil, 200)); c["verified"] != false {
			t.Fatalf("a channel without a connector: %v", c)
		}

		// Statements: compose, submit, clear, publish.
		t0 := clock.Now()
		statement := func(title string, due time.Time) map[string]any {
			return map[string]any{"due_at": due.UTC().Format(time.RFC3339), "targets": []int64{apiInt(t, ch)}, "category": "asean",
				"variants":  []map[string]string{{"lang": "en", "title": title, "body": "Viet Nam welcomes the summit."}, {"lang": "fr", "title": "", "body": "Le Viet Nam salue le sommet."}},
				"overrides": []map[string]any{{"channel_id": apiInt(t, ch), "lang": "fr", "body": "Le Viet Nam salue le sommet (Mastodon)."}}}
		}
		cleared := func(body map[string]any) string {
			t.Helper()
			sid := apiID(t, officer.call("POST /api/v1/publishing/statements", none, body, 201))
			officer.call("POST /api/v1/publishing/statements/{id}/submit", id(sid), nil, 200)
			hash := apiObject(t, approver.call("GET /api/v1/publishing/statements/{id}/review", id(sid), nil, 200))["content_hash"]
			if res := apiObject(t, approver.call("POST /api/v1/publishing/statements/{id}/approve", id(sid), map[string]any{"hash": hash}, 200)); res["complete"] != true {
				t.Fatalf("approval: %v", res)
			}
			return sid
		}
		stA := apiID(t, officer.call("POST /api/v1/publishing/statements", none, statement("On the summit", t0.Add(2*time.Hour)), 201))
		officer.call("POST /api/v1/publishing/statements", none, map[string]any{"variants": []any{}}, 422)
		officer.call("GET /api/v1/publishing/statements", none, nil, 200)
		officer.call("PUT /api/v1/publishing/statements/{id}", id(stA), statement("On the ASEAN summit", t0.Add(2*time.Hour)), 200)
		officer.call("PUT /api/v1/publishing/statements/{id}", id(stA), map[string]any{"variants": []map[string]string{{"lang": "tlh", "body": "x"}}}, 422)
		officer.call("POST /api/v1/publishing/statements/{id}/approve", id(stA), map[string]any{"hash": "x"}, 403)
		approver.call("POST /api/v1/publishing/statements/{id}/approve", id(stA), map[string]any{"hash": "x"}, 422) // not submitted
		officer.call("POST /api/v1/publishing/statements/{id}/submit", id(stA), nil, 200)
		officer.call("POST /api/v1/publishing/statements/{id}/submit", id(stA), nil, 422)
		apiWantError(t, approver.call("POST /api/v1/publishing/statements/{id}/approve", id(stA), map[string]any{"hash": "stale"}, 422),
			"press_error_stale_approval", "hash")
		hash := apiObject(t, officer.call("GET /api/v1/publishing/statements/{id}", id(stA), nil, 200))["content_hash"]
		// Approval needs the version opened first.
		apiWantError(t, approver.call("POST /api/v1/publishing/statements/{id}/approve", id(stA), map[string]any{"hash": hash}, 422),
			"review_error_not_opened", "hash")
		approver.call("POST /api/v1/publishing/statements/{id}/changes", id(stA), map[string]any{"hash": hash, "comment": ""}, 422)
		approver.call("GET /api/v1/publishing/statements/{id}/review", id(stA), nil, 200)
		officer.call("POST /api/v1/publishing/statements/{id}/comments", id(stA), map[string]any{"comment": " "}, 422)
		officer.call("POST /api/v1/publishing/statements/{id}/comments", id(stA), map[string]any{"comment": "Ready when you are."}, 201)
		officer.call("GET /api/v1/publishing/statements/{id}/comments", id(stA), nil, 200)
		approver.call("POST /api/v1/publishing/statements/{id}/publish-now", id(stA), nil, 422) // not cleared
		// Approval checks the targets again: a token revoked on the
		// network since submission refuses it, naming the targets.
		fake.SetToken("mastodon-rotated-token")
		apiWantError(t, approver.call("POST /api/v1/publishing/statements/{id}/approve", id(stA), map[string]any{"hash": hash}, 422),
			"press_error_credentials", "targets")
		fake.SetToken(token)
		approver.call("POST /api/v1/publishing/statements/{id}/approve", id(stA), map[string]any{"hash": hash}, 200)
		// A target that would refuse the statement refuses it at
		// submission, naming the field: the portal needs a title.
		untitled := apiID(t, officer.call("POST /api/v1/publishing/statements", none, map[string]any{"due_at": t0.Add(3 * time.Hour).UTC().Format(time.RFC3339),
			"targets": []int64{apiInt(t, portalCh)}, "variants": []map[string]string{{"lang": "en", "title": "", "body": "Viet Nam welcomes the agreement."}}}, 201))
		apiWantError(t, officer.call("POST /api/v1/publishing/statements/{id}/submit", id(untitled), nil, 422), "press_error_target_title_missing", "variants")
		stB := cleared(statement("Late", t0.Add(time.Hour)))
		stD := cleared(statement("Far", t0.Add(10*time.Hour)))
		// Changes asked on a version opened, and publish now of a cleared
		// statement, on statements of their own.
		stE := apiID(t, officer.call("POST /api/v1/publishing/statements", none, statement("Changes", t0.Add(20*time.Hour)), 201))
		officer.call("POST /api/v1/publishing/statements/{id}/submit", id(stE), nil, 200)
		hashE := apiObject(t, approver.call("GET /api/v1/publishing/statements/{id}/review", id(stE), nil, 200))["content_hash"]
		approver.call("POST /api/v1/publishing/statements/{id}/changes", id(stE), map[string]any{"hash": hashE, "comment": "Name the summit."}, 200)
		stF := cleared(statement("Now", t0.Add(20*time.Hour)))
		approver.call("POST /api/v1/publishing/statements/{id}/publish-now", id(stF), nil, 200)

		// A is due within the grace and goes out; B is an hour late and
		// waits for a person.
		clock.Advance(2*time.Hour + time.Minute)
		if _, err := a.publishing.Dispatch(ctx); err != nil {
			t.Fatal(err)
		}
		pubOf := func(sid string) string {
			t.Helper()
			pubs := apiObject(t, officer.call("GET /api/v1/publishing/statements/{id}", id(sid), nil, 200))["publications"].([]any)
			return apiID(t, pubs[0])
		}
		pubA, pubB, pubD := pubOf(stA), pubOf(stB), pubOf(stD)
		officer.call("GET /api/v1/publishing/publications", none, nil, 200)
		officer.call("GET /api/v1/publishing/status", none, nil, 200)
		officer.call("POST /api/v1/publishing/publications/{id}/decide", id(pubA), map[string]any{"action": "now"}, 422)
		officer.call("POST /api/v1/publishing/publications/{id}/decide", id(pubB), map[string]any{"action": "now"}, 200)
		if _, err := a.publishing.Dispatch(ctx); err != nil {
			t.Fatal(err)
		}
		// Approval covers the time: moving a cleared publication voids it.
		if moved := apiObject(t, officer.call("POST /api/v1/publishing/publications/{id}/reschedule", id(pubD),
			map[string]any{"due_at": t0.Add(11 * time.Hour).UTC().Format(time.RFC3339)}, 200)); moved["approval_void"] != true {
			t.Fatalf("moving a cleared publication: %v", moved)
		}
		if moved := apiObject(t, officer.call("POST /api/v1/publishing/publications/{id}/reschedule", id(pubD),
			map[string]any{"due_at": t0.Add(12 * time.Hour).UTC().Format(time.RFC3339)}, 200)); moved["approval_void"] != false {
			t.Fatalf("moving a publication awaiting approval again: %v", moved)
		}
		officer.call("POST /api/v1/publishing/publications/{id}/reschedule", id(pubD), map[string]any{"due_at": t0.UTC().Format(time.RFC3339)}, 422)

		// C's outcome is unknown: a person looks at the network and settles.
		stC := cleared(statement("Unknown", clock.Now().Add(30*time.Minute)))
		clock.Advance(30 * time.Minute)
		claimed, err := db.ClaimPublications(ctx, "test", 30*time.Second, 10)
		if err != nil || len(claimed) != 1 || fmt.Sprint(claimed[0].StatementID) != stC {
			t.Fatalf("claimed %+v, %v", claimed, err)
		}
		if err := db.FinishPublication(ctx, claimed[0].ID, "test", store.RunOutcome{State: store.StateNeedsCheck, Reason: "the network did not answer"},
			store.AuditEntry{Actor: "scheduler", Action: "publish.unknown"}); err != nil {
			t.Fatal(err)
		}
		officer.call("POST /api/v1/publishing/publications/{id}/settle", id(pubA), map[string]any{"published": true}, 422)
		officer.call("POST /api/v1/publishing/publications/{id}/settle", id(pubOf(stC)), map[string]any{"published": true, "url": fake.URL + "/@mofa/1"}, 200)

		// The audit log, with its filter.
		officer.call("GET /api/v1/publishing/audit", none, nil, 200)
		officer.call("GET /api/v1/publishing/audit", map[string]string{"?": "statement=" + stA}, nil, 200)
		officer.call("GET /api/v1/publishing/audit", map[string]string{"?": "statement=first"}, nil, 400)
		officer.call("GET /api/v1/publishing/publications", map[string]string{"?": "from=" + t0.UTC().Format(time.RFC3339)}, nil, 200)
		officer.call("GET /api/v1/publishing/publications", map[string]string{"?": "from=yesterday"}, nil, 400)

		// Recall: asked by one person, approved by another.
		officer.call("GET /api/v1/publishing/statements/{id}/recall", id(stA), nil, 200)
		officer.call("GET /api/v1/publishing/statements/{id}/recall", id("999999"), nil, 404)
		officer.call("POST /api/v1/publishing/statements/{id}/recall", id(stA), map[string]any{"reason": " "}, 422)
		officer.call("POST /api/v1/publishing/statements/{id}/recall", id(stA), map[string]any{"reason": "A wrong date"}, 200)
		officer.call("POST /api/v1/publishing/statements/{id}/recall", id(stA), map[string]any{"reason": "Again"}, 422)
		approver.call("POST /api/v1/publishing/statements/{id}/recall/approve", id(stD), nil, 422) // nothing asked
		approver.call("POST /api/v1/publishing/statements/{id}/recall/approve", id(stA), nil, 200)
		// Withdrawn: when, by whom and why, and no link to a deleted post.
		withdrawn := apiObject(t, officer.call("GET /api/v1/publishing/statements/{id}", id(stA), nil, 200))
		w, _ := withdrawn["withdrawal"].(map[string]any)
		if withdrawn["state"] != "withdrawn" || w["reason"] != "A wrong date" || w["requested_by_name"] != "OLIVIA" || w["approved_by_name"] != "ARTHUR" ||
			w["portal_page"] != "notice" || withdrawn["recall_page"] != "notice" {
			t.Fatalf("withdrawn statement: %v", withdrawn)
		}
		withdrawnPubs, _ := withdrawn["publications"].([]any)
		if len(withdrawnPubs) == 0 {
			t.Fatalf("withdrawn statement without its publications: %v", withdrawn)
		}
		for _, p := range withdrawnPubs {
			if p := apiObject(t, p); p["deleted_at"] == nil || p["remote_url"] != nil {
				t.Fatalf("publication of a withdrawn statement: %v", p)
			}
		}
		officer.call("GET /api/v1/publishing/statements", none, nil, 200)
		corr := apiObject(t, officer.call("POST /api/v1/publishing/statements/{id}/recall", id(stB), map[string]any{"reason": "A wrong name", "correct": true}, 200))
		if corr["correction_id"] == nil {
			t.Fatalf("recall with correction: %v", corr)
		}

		// Pauses: one channel, then everything.
		officer.call("POST /api/v1/publishing/channels/{id}/pause", id(ch), map[string]any{"reason": "Account hijack suspected"}, 200)
		officer.call("POST /api/v1/publishing/channels/{id}/pause", id(ch), map[string]any{"reason": "Again"}, 422)
		officer.call("GET /api/v1/publishing/channels", none, nil, 200) // with paused_reason
		pause = apiObject(t, officer.call("GET /api/v1/publishing/pause", none, nil, 200))
		if len(pause["paused_channels"].([]any)) != 1 {
			t.Fatalf("pause state: %v", pause)
		}
		officer.call("POST /api/v1/publishing/channels/{id}/resume", id(ch), map[string]any{"action": "sometime"}, 422)
		officer.call("POST /api/v1/publishing/channels/{id}/resume", id(ch), map[string]any{"action": "hold"}, 200)
		officer.call("POST /api/v1/publishing/channels/{id}/resume", id(ch), map[string]any{"action": "hold"}, 422)
		officer.call("POST /api/v1/publishing/pause", none, map[string]any{"reason": ""}, 422)
		approver.call("POST /api/v1/publishing/pause", none, map[string]any{"reason": "Minister's instruction"}, 200)
		officer.call("POST /api/v1/publishing/resume", none, map[string]any{"action": "reschedule", "at": t0.UTC().Format(time.RFC3339)}, 422)
		officer.call("POST /api/v1/publishing/resume", none, map[string]any{"action": "now"}, 200)

		// Every route: anonymous, the wrong role, another origin, a body
		// that is not JSON, broken, or too large, a path naming nothing,
		// and a path or query that is not text (refused before the
		// session is looked at).
		valid := func(key string) map[string]string {
			_, path, _ := strings.Cut(key, " ")
			v := map[string]string{"tl": "en", "slug": room.Slug, "topic": "sea", "username": "paul"}
			switch {
			case strings.HasPrefix(path, "/api/v1/rooms/"):
				v["id"] = roomToken
			case strings.HasPrefix(path, "/api/v1/publishing/channels/"), strings.HasPrefix(path, "/api/v1/channels/"):
				v["id"] = ch
			case strings.HasPrefix(path, "/api/v1/publishing/statements/"):
				v["id"] = stA
			case strings.HasPrefix(path, "/api/v1/publishing/publications/"):
				v["id"] = pubA
			case strings.HasPrefix(path, "/api/v1/events/"):
				v["id"], v["sid"], v["did"], v["rid"], v["action"] = eventVals["id"], eventVals["sid"], delegationID, registrationID, "withdraw"
			case strings.HasPrefix(path, "/api/v1/articles/"):
				v["id"] = art
			case strings.HasPrefix(path, "/api/v1/users/"):
				v["id"] = userID
			}
			return v
		}
		crossOrigin := officer
		crossOrigin.hdr = map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
		for _, key := range apiRoutes(a) {
			op := doc.ops[key]
			method, path, _ := strings.Cut(key, " ")
			vals := valid(key)
			anonymous.call(key, vals, nil, 401)
			for _, q := range []string{"q=%00", "q=%FF"} {
				withQuery := maps.Clone(vals)
				withQuery["?"] = q
				apiWantError(t, anonymous.call(key, withQuery, nil, 400), "text_invalid", "")
			}
			if apiPathParam.MatchString(path) {
				nul := map[string]string{}
				for k, v := range vals {
					nul[k] = v + "\x00"
				}
				apiWantError(t, admin.call(key, nul, nil, 400), "text_invalid", "")
			}
			if key != "GET /api/v1/me" && key != "GET /api/v1/openapi.json" {
				delegate.call(key, vals, nil, 403)
			}
			if method != http.MethodGet {
				crossOrigin.call(key, vals, "{}", 403)
			}
			if op.request != nil {
				plain := admin
				plain.hdr = map[string]string{"Content-Type": "text/plain"}
				plain.call(key, vals, "{}", 415)
				admin.call(key, vals, `{"reason":`, 400)
				admin.call(key, vals, `{"reason":"`+strings.Repeat("a", int(testConfig().HTTP.MaxBodyBytes))+`"}`, 413)
			}
			if apiPathParam.MatchString(path) && !strings.Contains(path, "{topic}") {
				missing := map[string]string{"id": "0", "sid": "0", "tl": "en", "slug": "no-such-room", "username": "nobody", "did": "0", "rid": "0", "action": "accredit"}
				body := any(nil)
				if op.request != nil {
					body = "{}"
				}
				admin.call(key, missing, body, 404)
			}
		}

		for _, m := range doc.unexercised() {
			t.Error(m)
		}
		wantNoSecret(t, "the log", logs.String(), token)
		for _, b := range seen.all {
			wantNoSecret(t, "an API answer", b, token)
		}
	})
}

// apiInt reads a path value back as an ID.
func apiInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}
