package xfake

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

type tokenAnswer struct {
	AccessToken      string `json:"access_token"`
	RefreshToken     string `json:"refresh_token"`
	ExpiresIn        int    `json:"expires_in"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

func refresh(t *testing.T, s *Server, rt, secret string) (int, tokenAnswer) {
	t.Helper()
	req, _ := http.NewRequest("POST", s.URL+"/2/oauth2/token", strings.NewReader(url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {"client-id"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if secret != "" {
		req.SetBasicAuth("client-id", secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a tokenAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, a
}

func get(t *testing.T, s *Server, path, bearer string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestTokenRotation: refresh tokens are single-use; a rotated one coming
// back revokes the whole family.
func TestTokenRotation(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	g := s.IssueOAuth2("tweet.read", "offline.access")
	if st, a := refresh(t, s, g.Refresh, ""); st != 401 || a.ErrorDescription != "Missing valid authorization header" {
		t.Errorf("without Basic auth: %d %+v", st, a)
	}
	st, a := refresh(t, s, g.Refresh, "client-secret")
	if st != 200 || a.AccessToken == "" || a.RefreshToken == "" || a.RefreshToken == g.Refresh || a.ExpiresIn != 7200 {
		t.Fatalf("refresh: %d %+v", st, a)
	}
	if r := get(t, s, "/2/users/me", a.AccessToken); r.StatusCode != 200 {
		t.Fatalf("new access token: %d", r.StatusCode)
	}
	if st, a2 := refresh(t, s, g.Refresh, "client-secret"); st != 400 || a2.Error != "invalid_request" {
		t.Errorf("reusing a rotated token: %d %+v", st, a2)
	}
	if r := get(t, s, "/2/users/me", a.AccessToken); r.StatusCode != 401 {
		t.Errorf("the family survived a reuse: %d", r.StatusCode)
	}
	if st, _ := refresh(t, s, a.RefreshToken, "client-secret"); st != 400 {
		t.Errorf("the family's newest refresh token still works: %d", st)
	}
	if s.RefreshCalls() != 3 {
		t.Errorf("RefreshCalls = %d", s.RefreshCalls())
	}
	// Without offline.access there is no refresh token.
	if g := s.IssueOAuth2("tweet.read"); g.Refresh != "" {
		t.Error("a refresh token without offline.access")
	}
}

func TestAccessTokenExpiry(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 14, 8, 0, 0, 0, time.UTC)
	s := New(Options{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	defer s.Close()
	g := s.IssueOAuth2("tweet.read")
	if r := get(t, s, "/2/users/me", g.Access); r.StatusCode != 200 || r.Header.Get("x-rate-limit-remaining") != "99" {
		t.Fatalf("live token: %d %v", r.StatusCode, r.Header)
	}
	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	if r := get(t, s, "/2/users/me", g.Access); r.StatusCode != 401 {
		t.Errorf("expired token: %d", r.StatusCode)
	}
}

func TestRateLimitWindow(t *testing.T) {
	s := New(Options{WindowLimit: 2})
	defer s.Close()
	g := s.IssueOAuth2("tweet.read")
	for i, want := range []int{200, 200, 429} {
		r := get(t, s, "/2/users/me", g.Access)
		if r.StatusCode != want || r.Header.Get("x-rate-limit-limit") != "2" || r.Header.Get("x-rate-limit-reset") == "" {
			t.Errorf("request %d: %d %v", i, r.StatusCode, r.Header)
		}
	}
}

// TestHangReleasedOnClose: a request left hanging after its post was
// created does not keep Close waiting.
func TestHangReleasedOnClose(t *testing.T) {
	s := New(Options{})
	g := s.IssueOAuth2("tweet.write")
	s.Fail(CommitThenHang)
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest("POST", s.URL+"/2/tweets", strings.NewReader(`{"text":"hang"}`))
		req.Header.Set("Authorization", "Bearer "+g.Access)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for len(s.Posts()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if len(s.Posts()) != 1 {
		t.Fatal("the post was not created")
	}
	s.Close()
	if err := <-done; err == nil {
		t.Error("the hanging request got an answer")
	}
}
