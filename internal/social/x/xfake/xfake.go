// Package xfake is a fake X API v2 server for tests and for the demo
// (../shared/reference/social-apis.md §1 and §9). It runs on loopback and
// reproduces the documented requests, answers, errors and rate limits:
// posts, threads, deletes, chunked media upload with processing and alt
// text, users/me, the user's timeline (as X serves it: links shortened to
// t.co in the text, their addresses in entities.urls, the media link
// appended, replies' targets in referenced_tweets, each field only when
// asked for in tweet.fields, and new posts shown only after
// Options.TimelineLag), the OAuth 2.0 token endpoint with
// single-use rotating refresh tokens, OAuth 1.0a signatures checked per RFC
// 5849, and faults injected on demand, including a post created whose
// answer never arrives.
//
// It must not import cmd/ or internal/store: it stands in for X, and uses
// only x/xtext, the social contract and the fakes' shared kit
// (socialtest/fakekit), never the connector it fakes.
package xfake

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mofa-vn/chancery/internal/social/socialtest/fakekit"
	"github.com/mofa-vn/chancery/internal/social/x/xtext"
	"golang.org/x/text/unicode/norm"
)

// Fault is a failure injected into the next POST /2/tweets.
type Fault int

// The faults of social-apis.md §9.
const (
	// Duplicate answers 403 with the duplicate-content Problem.
	Duplicate Fault = iota + 1
	// RateLimit answers 429 with the rate-limit headers, remaining 0.
	RateLimit
	// Unauthorized answers 401 with the Unauthorized Problem.
	Unauthorized
	// Unavailable answers 503 Service Unavailable.
	Unavailable
	// Forbidden453 answers 403 with error code 453 (access tier).
	Forbidden453
	// CommitThenHang creates the post, then never answers until the
	// client gives up (or the server closes).
	CommitThenHang
	// CommitThenDrop creates the post, then closes the connection without
	// answering.
	CommitThenDrop
	// Garbage answers 200 with an HTML page instead of JSON.
	Garbage
	// Huge answers 200 with a body of 9 MB.
	Huge
	// PartialErrors creates the post and answers 201 with an errors array
	// beside data, as X may.
	PartialErrors
	// UsageCapped answers 429 with the usage-capped Problem (monthly quota).
	UsageCapped
)

// Options configures a Server. Zero values take the defaults shown.
type Options struct {
	// Now is the server's clock (token expiry, rate windows, timestamps).
	// Default time.Now.
	Now func() time.Time
	// The account: default "1460000000000000001", "mofa_vn", "MOFA Việt Nam".
	UserID, Username, Name string
	// ConsumerKey and ConsumerSecret are the OAuth 1.0a app. Default
	// "consumer-key", "consumer-secret".
	ConsumerKey, ConsumerSecret string
	// ClientID and ClientSecret are the OAuth 2.0 confidential client.
	// Default "client-id", "client-secret".
	ClientID, ClientSecret string
	// WindowLimit is the requests allowed per endpoint per 15 minutes
	// (default 100); DeleteLimit that of DELETE /2/tweets (default 50);
	// DayLimit the posts per user per 24 hours (default 2400).
	WindowLimit, DeleteLimit, DayLimit int
	// MediaPolls is how many STATUS reads a video stays in_progress
	// (default 2).
	MediaPolls int
	// AccessTTL is the life of an OAuth 2.0 access token (default 2h).
	AccessTTL time.Duration
	// TimelineLag is how long a new post takes to show in GET
	// /2/users/:id/tweets, as X's timeline is eventually consistent
	// (default 0: at once).
	TimelineLag time.Duration
}

// Post is a post the server holds.
type Post struct {
	ID       string
	Text     string
	ReplyTo  string
	MediaIDs []string
	Created  time.Time
	// Likes, Retweets and Replies are its public_metrics (SetCounts).
	Likes, Retweets, Replies int

	shown time.Time // when the timeline starts to show it
}

// Media is an uploaded media item.
type Media struct {
	ID, Type, Category string
	Bytes              []byte
	Total              int
	State              string // "", pending, in_progress, succeeded, failed
	polls              int
	fail               bool
	AltText            string
}

type token struct {
	family  string
	expiry  time.Time
	scopes  []string
	revoked bool
	used    bool // refresh tokens: rotated already
}

type window struct {
	start time.Time
	count int
}

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL to give the client ("http://127.0.0.1:port").
	URL string

	o    Options
	ts   *httptest.Server
	done chan struct{}

	mu            sync.Mutex
	seq           int64
	posts         []*Post
	creates       int
	media         map[string]*Media
	faults        []Fault
	failMedia     bool
	oauth1        map[string]string // token → secret
	nonces        map[string]bool
	access        map[string]*token
	refresh       map[string]*token
	families      map[string]bool // revoked families
	codes         map[string]authCode
	refreshCalls  int
	windows       map[string]*window
	day           window
	requests      map[string]int
	lastAuthKinds []string
}

type authCode struct {
	challenge, redirect string
	scopes              []string
}

// New starts a fake on a loopback port. Close it when done.
func New(o Options) *Server {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&o.UserID, "1460000000000000001")
	def(&o.Username, "mofa_vn")
	def(&o.Name, "MOFA Việt Nam")
	def(&o.ConsumerKey, "consumer-key")
	def(&o.ConsumerSecret, "consumer-secret")
	def(&o.ClientID, "client-id")
	def(&o.ClientSecret, "client-secret")
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.WindowLimit == 0 {
		o.WindowLimit = 100
	}
	if o.DeleteLimit == 0 {
		o.DeleteLimit = 50
	}
	if o.DayLimit == 0 {
		o.DayLimit = 2400
	}
	if o.MediaPolls == 0 {
		o.MediaPolls = 2
	}
	if o.AccessTTL == 0 {
		o.AccessTTL = 2 * time.Hour
	}
	s := &Server{o: o, done: make(chan struct{}), seq: 1860000000000000000,
		media: map[string]*Media{}, oauth1: map[string]string{}, nonces: map[string]bool{},
		access: map[string]*token{}, refresh: map[string]*token{}, families: map[string]bool{},
		codes: map[string]authCode{}, windows: map[string]*window{}, requests: map[string]int{}}
	s.ts = httptest.NewServer(s.routes())
	s.URL = s.ts.URL
	return s
}

// Close stops the server, releasing requests left hanging.
func (s *Server) Close() {
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	s.ts.CloseClientConnections()
	s.ts.Close()
}

// Options returns the server's options with defaults filled in.
func (s *Server) Options() Options { return s.o }

// AddOAuth1Token registers an OAuth 1.0a access token of the account.
func (s *Server) AddOAuth1Token(tok, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauth1[tok] = secret
}

// Grant is an OAuth 2.0 token pair the server issued.
type Grant struct {
	Access, Refresh string
	Expiry          time.Time
	Scopes          []string
}

// IssueOAuth2 issues a token pair of a new family, as a completed
// authorization would.
func (s *Server) IssueOAuth2(scopes ...string) Grant {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueLocked(randomID(), scopes)
}

func (s *Server) issueLocked(family string, scopes []string) Grant {
	g := Grant{Access: "at-" + randomID(), Refresh: "rt-" + randomID(), Expiry: s.o.Now().Add(s.o.AccessTTL), Scopes: scopes}
	s.access[g.Access] = &token{family: family, expiry: g.Expiry, scopes: scopes}
	if slices.Contains(scopes, "offline.access") {
		s.refresh[g.Refresh] = &token{family: family, scopes: scopes}
	} else {
		g.Refresh = ""
	}
	return g
}

// RevokeAccessTokens makes every OAuth 2.0 access token issued so far
// invalid before its expiry, as X does on a password change; refresh
// tokens still work.
func (s *Server) RevokeAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.access {
		t.revoked = true
	}
}

// Fail makes the next POST /2/tweets fail with f; calls queue up.
func (s *Server) Fail(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// FailNextMedia makes the next media finalised end in state "failed".
func (s *Server) FailNextMedia() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failMedia = true
}

// Posts returns the posts the account holds, oldest first.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Post, len(s.posts))
	for i, p := range s.posts {
		out[i] = *p
	}
	return out
}

// AddPost creates a post as if made outside Chancery (in X's app, or by
// someone who took the account), for reconciliation and out-of-band
// detection tests.
func (s *Server) AddPost(text string) Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.createLocked(text, "", nil)
}

// MediaItem returns an uploaded media item.
func (s *Server) MediaItem(id string) (Media, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.media[id]
	if !ok {
		return Media{}, false
	}
	return *m, true
}

// Requests counts the requests received for a route pattern, such as
// "POST /2/tweets".
func (s *Server) Requests(pattern string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[pattern]
}

// RefreshCalls counts refresh_token grants from the authenticated client,
// valid or not.
func (s *Server) RefreshCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshCalls
}

// AuthKinds lists the Authorization scheme ("OAuth", "Bearer") of each
// authenticated request, in order.
func (s *Server) AuthKinds() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.lastAuthKinds)
}

func randomID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *Server) nextIDLocked() string {
	s.seq += 1 + int64(len(s.posts))
	return strconv.FormatInt(s.seq, 10)
}

func (s *Server) createLocked(text, replyTo string, media []string) *Post {
	now := s.o.Now().UTC()
	p := &Post{ID: s.nextIDLocked(), Text: text, ReplyTo: replyTo, MediaIDs: media, Created: now.Truncate(time.Second), shown: now.Add(s.o.TimelineLag)}
	s.posts = append(s.posts, p)
	s.creates++
	return p
}

// Creates counts the posts created so far, deleted ones included.
func (s *Server) Creates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.creates
}

// routes lists every endpoint.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, authed bool, h func(w http.ResponseWriter, r *http.Request, body []byte)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			s.mu.Lock()
			s.requests[pattern]++
			s.mu.Unlock()
			body, err := readBody(r)
			if err != nil {
				problem(w, 413, "Payload Too Large", "about:blank", err.Error())
				return
			}
			if authed && !s.authenticate(w, r, body) {
				return
			}
			h(w, r, body)
		})
	}
	handle("POST /2/tweets", true, s.createTweet)
	handle("DELETE /2/tweets/{id}", true, s.deleteTweet)
	handle("GET /2/tweets/{id}", true, s.getTweet)
	handle("GET /2/users/me", true, s.usersMe)
	handle("GET /2/users/{id}/tweets", true, s.userTweets)
	handle("POST /2/media/upload/initialize", true, s.mediaInit)
	handle("POST /2/media/upload/{id}/append", true, s.mediaAppend)
	handle("POST /2/media/upload/{id}/finalize", true, s.mediaFinalize)
	handle("GET /2/media/upload", true, s.mediaStatus)
	handle("POST /2/media/metadata", true, s.mediaMetadata)
	handle("POST /2/oauth2/token", false, s.oauth2Token)
	handle("GET /i/oauth2/authorize", false, s.oauth2Authorize)
	mux.HandleFunc("GET /{$}", s.index)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		problem(w, 404, "Not Found Error", "https://api.twitter.com/2/problems/resource-not-found", "The requested resource was not found.")
	})
	return mux
}

const maxBody = 8 << 20

func readBody(r *http.Request) ([]byte, error) {
	b := make([]byte, 0, 512)
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Body.Read(buf)
		b = append(b, buf[:n]...)
		if len(b) > maxBody {
			return nil, fmt.Errorf("the body is larger than %d bytes", maxBody)
		}
		if err != nil {
			return b, nil
		}
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// problem writes an RFC 7807 Problem, X API v2's error shape.
func problem(w http.ResponseWriter, status int, title, typ, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"title": title, "type": typ, "status": status, "detail": detail})
}

func unauthorized(w http.ResponseWriter) {
	problem(w, 401, "Unauthorized", "about:blank", "Unauthorized")
}

func invalidRequest(w http.ResponseWriter, msg string) {
	writeJSON(w, 400, map[string]any{
		"errors": []map[string]any{{"message": msg}},
		"title":  "Invalid Request", "detail": "One or more parameters to your request was invalid.",
		"type": "https://api.twitter.com/2/problems/invalid-request",
	})
}

// authenticate accepts an OAuth 1.0a signature of a registered token or a
// live OAuth 2.0 access token.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, body []byte) bool {
	h := r.Header.Get("Authorization")
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case strings.HasPrefix(h, "OAuth "):
		req, err := VerifyOAuth1(r, body,
			func(k string) (string, bool) { return s.o.ConsumerSecret, k == s.o.ConsumerKey },
			func(t string) (string, bool) { sec, ok := s.oauth1[t]; return sec, ok })
		if err != nil || s.nonces[req.Timestamp+req.Nonce] {
			unauthorized(w)
			return false
		}
		s.nonces[req.Timestamp+req.Nonce] = true
		s.lastAuthKinds = append(s.lastAuthKinds, "OAuth")
		return true
	case strings.HasPrefix(h, "Bearer "):
		t := s.access[strings.TrimPrefix(h, "Bearer ")]
		if t == nil || t.revoked || s.families[t.family] || !s.o.Now().Before(t.expiry) {
			unauthorized(w)
			return false
		}
		if r.URL.Path != "/2/users/me" && strings.HasPrefix(r.URL.Path, "/2/media/") && !slices.Contains(t.scopes, "media.write") {
			problem(w, 403, "Forbidden", "about:blank", "You are not permitted to perform this action. Missing scope: media.write")
			return false
		}
		s.lastAuthKinds = append(s.lastAuthKinds, "Bearer")
		return true
	}
	unauthorized(w)
	return false
}

// rateLimit counts the request against its 15-minute window and writes the
// x-rate-limit-* headers; it answers 429 when the window is spent.
func (s *Server) rateLimit(w http.ResponseWriter, key string, create bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.o.Now()
	win := s.windows[key]
	if win == nil || !now.Before(win.start.Add(15*time.Minute)) {
		win = &window{start: now}
		s.windows[key] = win
	}
	if s.day.start.IsZero() || !now.Before(s.day.start.Add(24*time.Hour)) {
		s.day = window{start: now}
	}
	limit := s.o.WindowLimit
	if key == "DELETE /2/tweets" {
		limit = s.o.DeleteLimit
	}
	over := win.count >= limit || create && s.day.count >= s.o.DayLimit
	if !over {
		win.count++
		if create {
			s.day.count++
		}
	}
	s.writeLimitsLocked(w, win, limit, create)
	if over {
		writeJSON(w, 429, map[string]any{"errors": []map[string]any{{"code": 88, "message": "Rate limit exceeded"}}})
	}
	return !over
}

func (s *Server) writeLimitsLocked(w http.ResponseWriter, win *window, limit int, create bool) {
	h := w.Header()
	h.Set("x-rate-limit-limit", strconv.Itoa(limit))
	h.Set("x-rate-limit-remaining", strconv.Itoa(max(0, limit-win.count)))
	h.Set("x-rate-limit-reset", strconv.FormatInt(win.start.Add(15*time.Minute).Unix(), 10))
	if create {
		reset := strconv.FormatInt(s.day.start.Add(24*time.Hour).Unix(), 10)
		for _, who := range []string{"user", "app"} {
			h.Set("x-"+who+"-limit-24hour-limit", strconv.Itoa(s.o.DayLimit))
			h.Set("x-"+who+"-limit-24hour-remaining", strconv.Itoa(max(0, s.o.DayLimit-s.day.count)))
			h.Set("x-"+who+"-limit-24hour-reset", reset)
		}
	}
	h.Set("x-transaction-id", randomID()[:16])
}

type createRequest struct {
	Text  string `json:"text"`
	Media *struct {
		MediaIDs []string `json:"media_ids"`
	} `json:"media"`
	Reply *struct {
		InReplyToTweetID string `json:"in_reply_to_tweet_id"`
	} `json:"reply"`
}

func (s *Server) createTweet(w http.ResponseWriter, r *http.Request, body []byte) {
	s.mu.Lock()
	var fault Fault
	if len(s.faults) > 0 {
		fault, s.faults = s.faults[0], s.faults[1:]
	}
	s.mu.Unlock()
	switch fault {
	case RateLimit:
		s.mu.Lock()
		win := s.windows["POST /2/tweets"]
		if win == nil {
			win = &window{start: s.o.Now()}
			s.windows["POST /2/tweets"] = win
		}
		win.count = s.o.WindowLimit
		s.mu.Unlock()
	case Duplicate:
		problem(w, 403, "Forbidden", "about:blank", "You are not allowed to create a Tweet with duplicate content.")
		return
	case Unauthorized:
		unauthorized(w)
		return
	case Unavailable:
		problem(w, 503, "Service Unavailable", "about:blank", "Service Unavailable")
		return
	case Forbidden453:
		writeJSON(w, 403, map[string]any{"errors": []map[string]any{{"code": 453,
			"message": "You currently have access to a subset of X API V2 endpoints and limited v1.1 endpoints (e.g. media post, oauth) only. If you need access to this endpoint, you may need a different access level."}}})
		return
	case Garbage:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(200)
		w.Write([]byte("<html><body><h1>Something went wrong</h1></body></html>"))
		return
	case Huge:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		w.Write([]byte(`{"data":{"id":"1","text":"`))
		w.Write([]byte(strings.Repeat("a", 9<<20)))
		w.Write([]byte(`"}}`))
		return
	case UsageCapped:
		problem(w, 429, "UsageCapExceeded", "https://api.twitter.com/2/problems/usage-capped", "Usage cap exceeded: Monthly product cap")
		return
	}
	if !s.rateLimit(w, "POST /2/tweets", true) {
		return
	}
	var req createRequest
	dec := json.NewDecoder(strings.NewReader(string(body)))
	if err := dec.Decode(&req); err != nil {
		invalidRequest(w, "The request body is not valid JSON: "+err.Error())
		return
	}
	var mediaIDs []string
	if req.Media != nil {
		mediaIDs = req.Media.MediaIDs
	}
	if req.Text == "" && len(mediaIDs) == 0 {
		invalidRequest(w, "The `text` or `media` field is required.")
		return
	}
	if !xtext.Parse(req.Text, xtext.MaxWeightedLength).Valid && req.Text != "" {
		problem(w, 403, "Forbidden", "about:blank", "You are not permitted to perform this action. Your Tweet text is too long.")
		return
	}
	if len(mediaIDs) > 4 {
		invalidRequest(w, "Your media IDs are invalid. A maximum of 4 items are allowed.")
		return
	}
	s.mu.Lock()
	for _, id := range mediaIDs {
		m := s.media[id]
		if m == nil || m.State != "" && m.State != "succeeded" {
			s.mu.Unlock()
			invalidRequest(w, "Your media IDs are invalid.")
			return
		}
	}
	replyTo := ""
	if req.Reply != nil {
		replyTo = req.Reply.InReplyToTweetID
		if s.findLocked(replyTo) == nil {
			s.mu.Unlock()
			invalidRequest(w, "The Tweet you are replying to does not exist or is not visible to you.")
			return
		}
	}
	if req.Text != "" {
		for _, p := range s.posts {
			if p.Text == req.Text {
				s.mu.Unlock()
				problem(w, 403, "Forbidden", "about:blank", "You are not allowed to create a Tweet with duplicate content.")
				return
			}
		}
	}
	p := s.createLocked(req.Text, replyTo, mediaIDs)
	s.mu.Unlock()

	switch fault {
	case CommitThenHang:
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		panic(http.ErrAbortHandler) // drop the connection: no answer ever

	case CommitThenDrop:
		fakekit.Drop(w)
		return
	}
	s.mu.Lock()
	text, _ := s.render(p)
	s.mu.Unlock()
	out := map[string]any{"data": map[string]any{"id": p.ID, "text": text, "edit_history_tweet_ids": []string{p.ID}}}
	if fault == PartialErrors {
		out["errors"] = []map[string]any{{"title": "Not Found Error", "detail": "Could not find tagged user.", "type": "https://api.twitter.com/2/problems/resource-not-found"}}
	}
	writeJSON(w, 201, out)
}

func (s *Server) findLocked(id string) *Post {
	for _, p := range s.posts {
		if p.ID == id {
			return p
		}
	}
	return nil
}

func (s *Server) deleteTweet(w http.ResponseWriter, r *http.Request, _ []byte) {
	if !s.rateLimit(w, "DELETE /2/tweets", false) {
		return
	}
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, p := range s.posts {
		if p.ID == id {
			s.posts = slices.Delete(s.posts, i, i+1)
			writeJSON(w, 200, map[string]any{"data": map[string]any{"deleted": true}})
			return
		}
	}
	problem(w, 404, "Not Found Error", "https://api.twitter.com/2/problems/resource-not-found", "Could not find tweet with id: ["+id+"].")
}

func (s *Server) usersMe(w http.ResponseWriter, r *http.Request, _ []byte) {
	if !s.rateLimit(w, "GET /2/users/me", false) {
		return
	}
	writeJSON(w, 200, map[string]any{"data": map[string]any{"id": s.o.UserID, "name": s.o.Name, "username": s.o.Username}})
}

// tco returns the t.co address X gives to what.
func tco(what string) string {
	sum := sha256.Sum256([]byte(what))
	// Letters and digits only: X's extractor ends a t.co link at any other
	// character.
	return "https://t.co/" + hex.EncodeToString(sum[:])[:10]
}

// render is a post as X returns it: its text with every link the
// twitter-text extractor finds shortened to a t.co address (and one more
// t.co address appended for its media), &, < and > escaped as HTML
// entities, and entities.urls, with code-point offsets into the unescaped
// text, giving each link's t.co address, expanded address (http:// added
// to a link typed without a scheme) and display form.
func (s *Server) render(p *Post) (string, []map[string]any) {
	text := norm.NFC.String(p.Text)
	var b strings.Builder
	var ents []map[string]any
	add := func(short, expanded, display string, extra map[string]any) {
		start := utf8.RuneCountInString(b.String())
		b.WriteString(short)
		e := map[string]any{"start": start, "end": start + utf8.RuneCountInString(short), "url": short,
			"expanded_url": expanded, "display_url": display}
		maps.Copy(e, extra)
		ents = append(ents, e)
	}
	segs, links := splitLinks(text)
	for i, seg := range segs {
		b.WriteString(seg)
		if i < len(links) {
			u := links[i]
			expanded := u
			if !strings.Contains(strings.ToLower(u), "://") {
				expanded = "http://" + u
			}
			display := u[strings.Index(u, "://")+len("://"):]
			if !strings.Contains(u, "://") {
				display = u
			}
			if utf8.RuneCountInString(display) > 26 {
				display = string([]rune(display)[:25]) + "…"
			}
			add(tco(u), expanded, display, nil)
		}
	}
	if len(p.MediaIDs) > 0 {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		short := tco("media:" + p.ID)
		add(short, "https://x.com/"+s.o.Username+"/status/"+p.ID+"/photo/1", "pic.x.com/"+strings.TrimPrefix(short, "https://t.co/"),
			map[string]any{"media_key": "3_" + p.MediaIDs[0]})
	}
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(b.String()), ents
}

// splitLinks cuts text (NFC) into the links twitter-text finds (those xtext
// counts as 23) and the text around them: len(segs) == len(links)+1.
func splitLinks(text string) (segs, links []string) {
	segs = strings.Split(xtext.ReplaceURLs(text, "\x00"), "\x00")
	if strings.Contains(text, "\x00") {
		return []string{text}, nil
	}
	pos := len(segs[0])
	for i := 1; i < len(segs); i++ {
		next, rest := segs[i], text[pos:]
		k := len(rest) - len(next)
		if i < len(segs)-1 {
			// A link runs to the first white space at most; it is the
			// longest run of that which the next segment follows.
			run := len(rest)
			if j := strings.IndexFunc(rest, unicode.IsSpace); j >= 0 {
				run = j
			}
			k = -1
			for c := run; c > 0; c-- {
				if strings.HasPrefix(rest[c:], next) {
					k = c
					break
				}
			}
			if k < 0 {
				return []string{text}, nil
			}
		}
		links = append(links, rest[:k])
		pos += k + len(next)
	}
	return segs, links
}

func (s *Server) userTweets(w http.ResponseWriter, r *http.Request, _ []byte) {
	if !s.rateLimit(w, "GET /2/users/:id/tweets", false) {
		return
	}
	if r.PathValue("id") != s.o.UserID {
		problem(w, 404, "Not Found Error", "https://api.twitter.com/2/problems/resource-not-found", "Could not find user with id: ["+r.PathValue("id")+"].")
		return
	}
	q := r.URL.Query()
	limit := 10
	if v := q.Get("max_results"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 5 || n > 100 {
			invalidRequest(w, "The `max_results` query parameter value ["+v+"] is not between 5 and 100")
			return
		}
		limit = n
	}
	var since time.Time
	if v := q.Get("start_time"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			invalidRequest(w, "Invalid start_time")
			return
		}
		since = t
	}
	fields := strings.Split(q.Get("tweet.fields"), ",")
	s.mu.Lock()
	now := s.o.Now()
	var data []map[string]any
	for i := len(s.posts) - 1; i >= 0 && len(data) < limit; i-- {
		p := s.posts[i]
		if p.Created.Before(since) {
			continue
		}
		if now.Before(p.shown) {
			continue // not in the timeline yet
		}
		text, ents := s.render(p)
		item := map[string]any{"id": p.ID, "text": text, "edit_history_tweet_ids": []string{p.ID}}
		for _, f := range fields {
			switch f {
			case "created_at":
				item["created_at"] = p.Created.Format("2006-01-02T15:04:05.000Z")
			case "entities":
				if len(ents) > 0 {
					item["entities"] = map[string]any{"urls": ents}
				}
			case "referenced_tweets":
				if p.ReplyTo != "" {
					item["referenced_tweets"] = []map[string]string{{"type": "replied_to", "id": p.ReplyTo}}
				}
			}
		}
		data = append(data, item)
	}
	s.mu.Unlock()
	out := map[string]any{"meta": map[string]any{"result_count": len(data)}}
	if len(data) > 0 {
		out["data"] = data
		out["meta"].(map[string]any)["newest_id"] = data[0]["id"]
		out["meta"].(map[string]any)["oldest_id"] = data[len(data)-1]["id"]
	}
	writeJSON(w, 200, out)
}

// index serves GET / without credentials: what the fake holds, as JSON, so
// that a newcomer running the demo can see what was published.
func (s *Server) index(w http.ResponseWriter, _ *http.Request) {
	fakekit.Index(w, "x", map[string]any{"user": s.o.Username, "posts": s.Posts()})
}

// SetCounts sets the likes, retweets and replies of post id.
func (s *Server) SetCounts(id string, likes, retweets, replies int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.posts {
		if p.ID == id {
			p.Likes, p.Retweets, p.Replies = likes, retweets, replies
			return true
		}
	}
	return false
}

// LimitNextRead spends the 15-minute window of GET /2/tweets/:id, so that
// the next read gets X's 429 with its x-rate-limit-* headers.
func (s *Server) LimitNextRead() {
	s.mu.Lock()
	defer s.mu.Unlock()
	win := s.windows["GET /2/tweets/{id}"]
	if win == nil {
		win = &window{start: s.o.Now()}
		s.windows["GET /2/tweets/{id}"] = win
	}
	win.count = s.o.WindowLimit
}

// getTweet answers GET /2/tweets/:id with public_metrics when asked; a
// post it does not hold is 200 with X's resource-not-found error.
func (s *Server) getTweet(w http.ResponseWriter, r *http.Request, _ []byte) {
	if !s.rateLimit(w, "GET /2/tweets/{id}", false) {
		return
	}
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.posts {
		if p.ID == id {
			data := map[string]any{"id": p.ID, "text": p.Text, "edit_history_tweet_ids": []string{p.ID}}
			if strings.Contains(r.URL.Query().Get("tweet.fields"), "public_metrics") {
				data["public_metrics"] = map[string]int{"retweet_count": p.Retweets, "reply_count": p.Replies, "like_count": p.Likes,
					"quote_count": 0, "bookmark_count": 0, "impression_count": 10 * (p.Likes + p.Retweets + p.Replies)}
			}
			writeJSON(w, 200, map[string]any{"data": data})
			return
		}
	}
	writeJSON(w, 200, map[string]any{"errors": []map[string]any{{"value": id, "detail": "Could not find tweet with id: [" + id + "].",
		"title": "Not Found Error", "resource_type": "tweet", "parameter": "id", "resource_id": id,
		"type": "https://api.twitter.com/2/problems/resource-not-found"}}})
}
