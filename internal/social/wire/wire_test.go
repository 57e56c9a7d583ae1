package wire

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/outbound"
	"github.com/mofa-vn/chancery/internal/outbound/outboundtest"
	"github.com/mofa-vn/chancery/internal/social"
)

// allowing is an outbound client that reaches the given test servers.
func allowing(t *testing.T, timeout time.Duration, urls ...string) *http.Client {
	t.Helper()
	hc, err := outbound.New(outbound.Params{Allow: urls, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return hc
}

func TestDoRecordsWithoutSecrets(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "s=1")
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"data":{"id":"1"}}`))
	}))
	defer srv.Close()
	var got []social.Exchange
	ctx := social.WithRecorder(context.Background(), func(ex social.Exchange) { got = append(got, ex) })
	c := &Client{Network: social.X, HTTP: allowing(t, 0, srv.URL), Redact: RedactPathSegment("bot123:SECRET")}
	req, err := NewRequest(ctx, "POST", srv.URL+"/botbot123:SECRET/send", []byte(`{"text":"hi"}`), "application/json")
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer TOKEN")
	resp, err := c.Do(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 201 || string(resp.Body) != `{"data":{"id":"1"}}` {
		t.Errorf("response %d %q", resp.Status, resp.Body)
	}
	if len(got) != 1 {
		t.Fatalf("recorded %d exchanges, want 1", len(got))
	}
	ex := got[0]
	all := ex.URL + string(ex.RequestBody) + ex.RequestHeader.Get("Authorization") + ex.ResponseHeader.Get("Set-Cookie")
	for _, secret := range []string{"TOKEN", "SECRET", "s=1"} {
		if strings.Contains(all, secret) {
			t.Errorf("recorded exchange contains %q: %+v", secret, ex)
		}
	}
	if string(ex.RequestBody) != `{"text":"hi"}` || ex.Status != 201 {
		t.Errorf("recorded %+v", ex)
	}
}

func TestDoClassifiesTransportFailures(t *testing.T) {
	// Nothing listens: the request never leaves.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()

	// The server reads the request, then drops the connection: the post
	// may exist.
	drop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer drop.Close()

	// The server answers too late.
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer slow.Close()
	defer close(release)

	tests := []struct {
		name string
		url  string
		hc   *http.Client
		want social.Class
	}{
		{"connection refused", closed, allowing(t, 0, closed), social.Transient},
		{"dropped after sending", drop.URL, allowing(t, 0, drop.URL), social.Unknown},
		{"timeout after sending", slow.URL, allowing(t, 100*time.Millisecond, slow.URL), social.Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Client{Network: social.Mastodon, HTTP: tt.hc}
			req, err := NewRequest(context.Background(), "POST", tt.url+"/api/v1/statuses", []byte("status=x"), "application/x-www-form-urlencoded")
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Do(context.Background(), req)
			if err == nil {
				t.Fatal("Do succeeded")
			}
			if got := social.ClassOf(err); got != tt.want {
				t.Errorf("class %v, want %v (%v)", got, tt.want, err)
			}
		})
	}
}

func TestTransportErrorHidesSecret(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var rec []social.Exchange
	ctx := social.WithRecorder(context.Background(), func(ex social.Exchange) { rec = append(rec, ex) })
	c := &Client{Network: social.Telegram, HTTP: allowing(t, 0, "http://"+addr), Redact: RedactPathSegment("123:SECRET")}
	req, err := NewRequest(ctx, "POST", "http://"+addr+"/bot123:SECRET/sendMessage", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Do(ctx, req)
	if err == nil {
		t.Fatal("Do succeeded with nothing listening")
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("error shows the secret: %v", err)
	}
	if len(rec) != 1 || strings.Contains(rec[0].Err, "SECRET") || rec[0].Err == "" {
		t.Errorf("recorded %+v", rec)
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Errorf("the transport error is no longer reachable with errors.As: %v", err)
	}
}

func TestJoinURL(t *testing.T) {
	for base, want := range map[string]string{
		"https://api.x.com":      "https://api.x.com/2/tweets",
		"http://127.0.0.1:9000/": "http://127.0.0.1:9000/2/tweets",
	} {
		if got, err := JoinURL(base, "/2/tweets"); err != nil || got != want {
			t.Errorf("JoinURL(%q) = %q, %v; want %q", base, got, err, want)
		}
	}
	for _, bad := range []string{"", "api.x.com", "ftp://x", "https://"} {
		if _, err := JoinURL(bad, "/x"); err == nil {
			t.Errorf("JoinURL(%q) succeeded", bad)
		}
	}
}

// A connector given no client reaches public addresses only: a channel at
// a loopback address gets a Rejected error that says why, and the server
// there never sees a connection. A redirect to it is not followed either.
func TestDoRefusesInternalAddresses(t *testing.T) {
	collector := outboundtest.New(t, "tcp4", "127.0.0.1:0").URL
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, collector+"/steal", http.StatusTemporaryRedirect)
	}))
	defer redirector.Close()

	for _, tt := range []struct {
		name, method, url string
		hc                *http.Client
		is                error
		want              social.Class
	}{
		{"loopback, default client", "GET", collector + "/api/v1/accounts/verify_credentials", nil, outbound.ErrNotAllowed, social.Rejected},
		{"loopback, POST", "POST", collector + "/api/v1/statuses", nil, outbound.ErrNotAllowed, social.Rejected},
		{"redirect after GET", "GET", redirector.URL + "/x", allowing(t, 0, redirector.URL), outbound.ErrRedirect, social.Rejected},
		{"redirect after POST", "POST", redirector.URL + "/x", allowing(t, 0, redirector.URL), outbound.ErrRedirect, social.Unknown},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var rec []social.Exchange
			ctx := social.WithRecorder(context.Background(), func(ex social.Exchange) { rec = append(rec, ex) })
			req, err := NewRequest(ctx, tt.method, tt.url, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer SECRET")
			_, err = (&Client{Network: social.Mastodon, HTTP: tt.hc}).Do(ctx, req)
			se, ok := errors.AsType[*social.Error](err)
			if !ok || se.Class != tt.want || !errors.Is(err, tt.is) {
				t.Fatalf("error %v, want class %v wrapping %v", err, tt.want, tt.is)
			}
			if tt.is == outbound.ErrNotAllowed && !strings.Contains(se.Reason, "address is not allowed") {
				t.Errorf("reason %q", se.Reason)
			}
			if len(rec) != 1 || !strings.Contains(rec[0].Err, tt.is.Error()) {
				t.Errorf("recorded %+v", rec)
			}
		})
	}
}
