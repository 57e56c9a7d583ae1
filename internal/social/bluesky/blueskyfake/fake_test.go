package blueskyfake

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func call(t *testing.T, s *Server, bearer, nsid string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", s.URL+"/xrpc/"+nsid, strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s: %v", nsid, err)
	}
	return resp.StatusCode, out
}

func TestFakeValidatesLikeThePDS(t *testing.T) {
	s := New("mofa.bsky.social", "abcd-efgh-ijkl-mnop")
	defer s.Close()
	if code, _ := call(t, s, "", "com.atproto.server.createSession", map[string]string{"identifier": "mofa.bsky.social", "password": "wrong"}); code != 401 {
		t.Errorf("wrong password: %d", code)
	}
	_, sess := call(t, s, "", "com.atproto.server.createSession", map[string]string{"identifier": "mofa.bsky.social", "password": "abcd-efgh-ijkl-mnop"})
	access, refresh := sess["accessJwt"].(string), sess["refreshJwt"].(string)
	text := "Bộ Ngoại giao https://mofa.gov.vn"
	rec := func(rkey string, record map[string]any) (int, map[string]any) {
		base := map[string]any{"$type": "app.bsky.feed.post", "text": text, "createdAt": "2026-03-14T08:00:00.000Z"}
		for k, v := range record {
			base[k] = v
		}
		return call(t, s, access, "com.atproto.repo.createRecord", map[string]any{"repo": s.DID, "collection": "app.bsky.feed.post", "rkey": rkey, "record": base})
	}
	link := func(a, b int) map[string]any {
		return map[string]any{"facets": []any{map[string]any{"index": map[string]int{"byteStart": a, "byteEnd": b},
			"features": []any{map[string]string{"$type": "app.bsky.richtext.facet#link", "uri": "https://mofa.gov.vn"}}}}}
	}
	for _, tt := range []struct {
		name   string
		rkey   string
		record map[string]any
		want   int
	}{
		{"code-point offsets refused", "3kabcdefghij2", link(14, 33), 400},
		{"byte offsets accepted", "3kabcdefghij2", link(18, 37), 200},
		{"same record key refused", "3kabcdefghij2", nil, 400},
		{"not a TID", "pub-1-0", nil, 400},
		{"301 graphemes", "3kabcdefghij3", map[string]any{"text": strings.Repeat("ệ", 301)}, 400},
		{"image without alt", "3kabcdefghij4", map[string]any{"embed": map[string]any{"$type": "app.bsky.embed.images",
			"images": []any{map[string]any{"image": map[string]any{"ref": map[string]string{"$link": "x"}}}}}}, 400},
		{"createdAt without zone", "3kabcdefghij5", map[string]any{"createdAt": "2026-03-14T08:00:00"}, 400},
	} {
		if code, out := rec(tt.rkey, tt.record); code != tt.want {
			t.Errorf("%s: %d %v, want %d", tt.name, code, out, tt.want)
		}
	}
	// Refresh rotates; reusing the spent token revokes the whole session.
	if code, _ := call(t, s, refresh, "com.atproto.server.refreshSession", nil); code != 200 {
		t.Fatalf("refresh: %d", code)
	}
	if code, out := call(t, s, refresh, "com.atproto.server.refreshSession", nil); code != 400 || out["error"] != "ExpiredToken" {
		t.Errorf("reused refresh token: %d %v", code, out)
	}
	if code, _ := rec("3kabcdefghij6", nil); code != 401 {
		t.Errorf("after revocation an old access token still works: %d", code)
	}
}
