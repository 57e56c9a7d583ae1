package main

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// apiDelegations does through the API what protocol officers do on
// /admin/events/{id}/delegations, with registrations sent through the
// form and approved through the focal point's page. It returns the path
// values of a delegation and a registration, for the requests every route
// gets.
func apiDelegations(t *testing.T, ts *testServer, admin apiClient, eventID int64) (did, rid string) {
	t.Helper()
	ev := strconv.FormatInt(eventID, 10)
	event := map[string]string{"id": ev}
	other := createEvent(t, ts.db, "empty-event", "An event without delegations")
	empty := map[string]string{"id": strconv.FormatInt(other.ID, 10)}

	list := apiObject(t, admin.call("GET /api/v1/events/{id}/delegations", event, nil, 200))
	if ds := list["delegations"].([]any); len(ds) != 0 || list["mail_enabled"] != false {
		t.Fatalf("empty event: %v", list)
	}
	admin.call("GET /api/v1/events/{id}/delegations", map[string]string{"id": "999999"}, nil, 404)
	vn := apiID(t, admin.call("POST /api/v1/events/{id}/delegations", event, map[string]any{"kind": "state", "country": "vn"}, 201))
	apiWantError(t, admin.call("POST /api/v1/events/{id}/delegations", event, map[string]any{"kind": "state", "country": "VN"}, 409),
		"delegations_error_duplicate", "")
	apiWantError(t, admin.call("POST /api/v1/events/{id}/delegations", event, map[string]any{"kind": "state", "country": "EU"}, 400),
		"delegations_error_country", "country")
	admin.call("POST /api/v1/events/{id}/delegations", event, map[string]any{"kind": "io", "name": ""}, 400)
	admin.call("POST /api/v1/events/{id}/delegations", map[string]string{"id": "999999"}, map[string]any{"kind": "state", "country": "DE"}, 404)
	fr := apiObject(t, admin.call("POST /api/v1/events/{id}/delegations", event, map[string]any{"kind": "state", "country": "FR",
		"quotas": map[string]int{"delegate": 1}, "credentials_at": "2026-01-05T10:00:00Z"}, 201))
	if fr["name"] != "France" || fr["display_name"] != "France" {
		t.Fatalf("France: %v", fr)
	}
	did = apiID(t, fr)
	admin.call("POST /api/v1/events/{id}/delegations", event, map[string]any{"kind": "io", "name": "ASEAN Secretariat",
		"names": map[string]string{"vi": "Ban Thư ký ASEAN"}}, 201)

	// Links: the secret is in the URL, shown once.
	ofFR := map[string]string{"id": ev, "did": did}
	reg := apiObject(t, admin.call("POST /api/v1/events/{id}/delegations/{did}/links", ofFR, map[string]any{"kind": "register", "days": 30, "lang": "fr"}, 201))
	regPath := linkPath(t, reg["url"].(string))
	if !strings.HasPrefix(regPath, "/fr/accreditation/") {
		t.Fatalf("registration link %s", regPath)
	}
	focal := apiObject(t, admin.call("POST /api/v1/events/{id}/delegations/{did}/links", ofFR, map[string]any{"kind": "focal", "days": 30}, 201))
	focalPath := linkPath(t, focal["url"].(string))
	admin.call("POST /api/v1/events/{id}/delegations/{did}/links", ofFR, map[string]any{"kind": "door", "days": 30}, 400)
	admin.call("POST /api/v1/events/{id}/delegations/{did}/links", ofFR, map[string]any{"kind": "register", "days": 0}, 400)
	admin.call("POST /api/v1/events/{id}/delegations/{did}/links", map[string]string{"id": empty["id"], "did": did},
		map[string]any{"kind": "register", "days": 30}, 404) // France is not a delegation of the other event

	// Two people register; the second delegate is over France's quota.
	wantStatus(t, ts.register(regPath, goodForm("Claire Dubois", "delegate")), http.StatusCreated)
	r := ts.register(regPath, goodForm("Paul Martin", "delegate"))
	wantStatus(t, r, http.StatusConflict)
	wantContains(t, r, "plus de place")
	wantStatus(t, ts.register(regPath, goodForm("Éric Lefèvre", "adviser")), http.StatusCreated)
	regs := admin.call("GET /api/v1/events/{id}/registrations", event, nil, 200).([]any)
	if len(regs) != 2 {
		t.Fatalf("registrations: %v", regs)
	}
	claire, eric := apiObject(t, regs[0]), apiObject(t, regs[1])
	rid = apiID(t, claire)
	withQuery := map[string]string{"id": ev, "?": "delegation=" + did}
	if got := admin.call("GET /api/v1/events/{id}/registrations", withQuery, nil, 200).([]any); len(got) != 2 {
		t.Fatalf("France's registrations: %v", got)
	}
	admin.call("GET /api/v1/events/{id}/registrations", map[string]string{"id": ev, "?": "delegation=abc"}, nil, 400)

	// Two levels: the secretariat accredits only after the focal point.
	one := map[string]string{"id": ev, "rid": rid, "action": "accredit"}
	apiWantError(t, admin.call("POST /api/v1/events/{id}/registrations/{rid}/{action}", one, map[string]any{}, 409), "delegations_error_state", "")
	r = ts.postForm(ts.client(), focalPath+"/registrations/"+rid+"/approve", url.Values{}, nil)
	wantStatus(t, r, http.StatusOK)
	got := apiObject(t, admin.call("POST /api/v1/events/{id}/registrations/{rid}/{action}", one, map[string]any{}, 200))
	if got["state"] != "accredited" {
		t.Fatalf("accredited: %v", got)
	}
	admin.call("POST /api/v1/events/{id}/registrations/{rid}/{action}", map[string]string{"id": ev, "rid": rid, "action": "promote"}, map[string]any{}, 404)
	admin.call("POST /api/v1/events/{id}/registrations/{rid}/{action}", map[string]string{"id": empty["id"], "rid": rid, "action": "reject"},
		map[string]any{"reason": "x"}, 404)

	// A change returns an accredited person to pending.
	change := map[string]any{"name": "Claire Dubois", "title": "Ambassadrice", "category": "delegate", "email": "claire@example.org", "lang": "fr"}
	two := map[string]string{"id": ev, "rid": rid}
	if got := apiObject(t, admin.call("PATCH /api/v1/events/{id}/registrations/{rid}", two, change, 200)); got["state"] != "pending" {
		t.Fatalf("changed: %v", got)
	}
	change["email"] = "not an address"
	apiWantError(t, admin.call("PATCH /api/v1/events/{id}/registrations/{rid}", two, change, 400), "delegations_error_field_email", "email")
	change["email"] = "eric@example.org"
	apiWantError(t, admin.call("PATCH /api/v1/events/{id}/registrations/{rid}", map[string]string{"id": ev, "rid": apiID(t, eric)}, change, 409),
		"delegations_error_quota", "")

	// A rejection needs its reason.
	rej := map[string]string{"id": ev, "rid": apiID(t, eric), "action": "reject"}
	apiWantError(t, admin.call("POST /api/v1/events/{id}/registrations/{rid}/{action}", rej, map[string]any{"reason": " "}, 400),
		"delegations_error_field_reason", "reason")
	if got := apiObject(t, admin.call("POST /api/v1/events/{id}/registrations/{rid}/{action}", rej, map[string]any{"reason": "Pas de note verbale"}, 200)); got["reason"] != "Pas de note verbale" {
		t.Fatalf("rejected: %v", got)
	}

	// Precedence: by credentials, manual, then a draw by lot.
	p := apiObject(t, admin.call("PUT /api/v1/events/{id}/precedence", event, map[string]any{"method": "credentials", "lang": "fr"}, 200))
	if p["method"] != "credentials" {
		t.Fatalf("precedence: %v", p)
	}
	list = apiObject(t, admin.call("GET /api/v1/events/{id}/delegations", event, nil, 200))
	if first := apiObject(t, list["delegations"].([]any)[0]); first["country"] != "FR" {
		t.Fatalf("by credentials, France (presented) comes first: %v", list)
	}
	admin.call("PUT /api/v1/events/{id}/precedence", event, map[string]any{"method": "seniority", "lang": "fr"}, 400)
	admin.call("PUT /api/v1/events/{id}/precedence", event, map[string]any{"method": "alphabetical", "lang": "fr", "order": []int{1}}, 400)
	vnID, _ := strconv.Atoi(vn)
	admin.call("PUT /api/v1/events/{id}/precedence", event, map[string]any{"method": "manual", "lang": "en", "order": []int{vnID}}, 200)
	list = apiObject(t, admin.call("GET /api/v1/events/{id}/delegations", event, nil, 200))
	if first := apiObject(t, list["delegations"].([]any)[0]); first["country"] != "VN" {
		t.Fatalf("manual order puts Viet Nam first: %v", list)
	}
	draw := apiObject(t, admin.call("POST /api/v1/events/{id}/precedence/draw", event, nil, 200))
	drawn := apiObject(t, draw["drawn"])
	list = apiObject(t, admin.call("GET /api/v1/events/{id}/delegations", event, nil, 200))
	if first := apiObject(t, list["delegations"].([]any)[0]); first["id"] != drawn["id"] || apiObject(t, list["precedence"])["method"] != "alphabetical" {
		t.Fatalf("after the draw of %v: %v", drawn, list)
	}
	apiWantError(t, admin.call("POST /api/v1/events/{id}/precedence/draw", empty, nil, 400), "delegations_error_no_delegations", "")
	return did, rid
}
