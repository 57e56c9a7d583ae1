// Package blueskyfake is a Bluesky PDS for tests and the demo: it reproduces
// the XRPC methods internal/social/bluesky uses
// (../shared/reference/social-apis.md §5, §9) on a loopback listener:
// app-password sessions with rotating refresh tokens (reusing a spent one
// revokes the session), blobs, records validated like the post lexicon
// (graphemes, byte facets, alt text, a duplicate record key refused), the
// author feed, and injected errors.
package blueskyfake

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/mofa-vn/chancery/internal/social/socialtest/fakekit"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// Fault is an answer the next createRecord gets instead of the normal one.
type Fault int

// The faults the fake can inject into the next createRecord.
const (
	None        Fault = iota
	RateLimited       // 429 with ratelimit-* headers, reset a minute after now
	Unavailable       // 503
	ServerError       // 500 after the record was written
	Invalid           // 400 InvalidRequest
	Takedown          // 400 AccountTakedown
	Garbage           // 200 with an HTML page
	Drop              // the record is written, then the connection drops
)

// Record is a post the fake holds.
type Record struct {
	RKey      string
	URI       string
	CID       string
	Value     json.RawMessage
	Text      string
	CreatedAt time.Time
	// Access is the access token the create was made with.
	Access string
	// Likes, Reposts and Replies are what app.bsky.feed.getPosts counts
	// (SetCounts).
	Likes, Reposts, Replies int
}

// Server is the fake PDS.
type Server struct {
	// URL is the PDS base URL.
	URL string
	// DID and Handle are the account's.
	DID, Handle string
	srv         *httptest.Server

	mu        sync.Mutex
	password  string
	clock     fakekit.Clock
	access    map[string]bool // token → still valid (false: expired)
	refresh   map[string]bool // token → unspent
	blobs     map[string]int
	records   map[string]*Record
	faults    fakekit.Faults[Fault]
	creates   int
	refreshN  int
	createsN  int  // createSession calls
	readLimit bool // the next getPosts gets 429 (LimitNextRead)
}

// New starts a fake PDS for handle with the app password password.
func New(handle, password string) *Server {
	s := &Server{DID: "did:plc:" + hash(handle)[:24], Handle: handle, password: password,
		access: map[string]bool{}, refresh: map[string]bool{}, blobs: map[string]int{}, records: map[string]*Record{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.index)
	mux.HandleFunc("POST /xrpc/com.atproto.server.createSession", s.createSession)
	mux.HandleFunc("POST /xrpc/com.atproto.server.refreshSession", s.refreshSession)
	mux.HandleFunc("GET /xrpc/com.atproto.server.getSession", s.authed(s.getSession))
	mux.HandleFunc("POST /xrpc/com.atproto.repo.uploadBlob", s.authed(s.uploadBlob))
	mux.HandleFunc("POST /xrpc/com.atproto.repo.createRecord", s.authed(s.createRecord))
	mux.HandleFunc("GET /xrpc/com.atproto.repo.getRecord", s.getRecord)
	mux.HandleFunc("POST /xrpc/com.atproto.repo.deleteRecord", s.authed(s.deleteRecord))
	mux.HandleFunc("GET /xrpc/app.bsky.feed.getAuthorFeed", s.authed(s.authorFeed))
	mux.HandleFunc("GET /xrpc/app.bsky.feed.getPosts", s.authed(s.getPosts))
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// SetNow sets the fake's clock.
func (s *Server) SetNow(now func() time.Time) { s.clock.Set(now) }

// Fail makes the next createRecord answer with f.
func (s *Server) Fail(f Fault) { s.faults.Set(f) }

// ExpireAccess makes every access token issued so far expired.
func (s *Server) ExpireAccess() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.access {
		s.access[k] = false
	}
}

// RevokeAll revokes every session and changes the app password, as when
// the person deletes the app password.
func (s *Server) RevokeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.access, s.refresh = map[string]bool{}, map[string]bool{}
	s.password = "revoked-" + hash(s.password)
}

// Records returns the posts held, by record key order.
func (s *Server) Records() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Record
	for _, r := range s.records {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].RKey < out[j].RKey })
	return out
}

// Counts returns how many createRecord calls created a record, how many
// refreshSession and how many createSession calls succeeded.
func (s *Server) Counts() (creates, refreshes, sessions int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.creates, s.refreshN, s.createsN
}

// ValidAccess reports whether tok is a current access token.
func (s *Server) ValidAccess(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.access[tok]
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func token(kind string) string {
	b := make([]byte, 16)
	rand.Read(b)
	return kind + "." + hex.EncodeToString(b)
}

func xerr(w http.ResponseWriter, status int, name, msg string) {
	writeJSON(w, status, map[string]string{"error": name, "message": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func bearer(r *http.Request) string {
	const p = "Bearer "
	h := r.Header.Get("Authorization")
	if len(h) > len(p) && h[:len(p)] == p {
		return h[len(p):]
	}
	return ""
}

func (s *Server) issue() map[string]string {
	a, r := token("access"), token("refresh")
	s.access[a], s.refresh[r] = true, true
	return map[string]string{"did": s.DID, "handle": s.Handle, "accessJwt": a, "refreshJwt": r}
}

func (s *Server) createSession(w http.ResponseWriter, r *http.Request) {
	var in struct{ Identifier, Password string }
	if json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in) != nil {
		xerr(w, 400, "InvalidRequest", "Input must be an object")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if (in.Identifier != s.Handle && in.Identifier != s.DID) || in.Password != s.password {
		xerr(w, 401, "AuthenticationRequired", "Invalid identifier or password")
		return
	}
	s.createsN++
	writeJSON(w, 200, s.issue())
}

func (s *Server) refreshSession(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := bearer(r)
	unspent, known := s.refresh[tok]
	if !known {
		xerr(w, 400, "InvalidToken", "Token could not be verified")
		return
	}
	if !unspent {
		// A spent refresh token used again: the session family is revoked.
		s.access, s.refresh = map[string]bool{}, map[string]bool{}
		xerr(w, 400, "ExpiredToken", "Token has been revoked")
		return
	}
	s.refresh[tok] = false
	s.refreshN++
	writeJSON(w, 200, s.issue())
}

func (s *Server) authed(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		valid, known := s.access[bearer(r)]
		s.mu.Unlock()
		switch {
		case !known:
			xerr(w, 401, "AuthenticationRequired", "Authentication Required")
		case !valid:
			xerr(w, 400, "ExpiredToken", "Token has expired")
		default:
			next(w, r)
		}
	}
}

func (s *Server) getSession(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, map[string]any{"did": s.DID, "handle": s.Handle, "active": true})
}

func (s *Server) uploadBlob(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(io.LimitReader(r.Body, 2_000_001))
	if err != nil || len(data) == 0 {
		xerr(w, 400, "InvalidRequest", "empty blob")
		return
	}
	if len(data) > 2_000_000 {
		xerr(w, 413, "BlobTooLarge", "This file is too large")
		return
	}
	cid := "bafkrei" + hash(string(data))[:52]
	s.mu.Lock()
	s.blobs[cid] = len(data)
	s.mu.Unlock()
	writeJSON(w, 200, map[string]any{"blob": map[string]any{"$type": "blob", "ref": map[string]string{"$link": cid},
		"mimeType": r.Header.Get("Content-Type"), "size": len(data)}})
}

var tidRE = regexp.MustCompile(`^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$`)

type postRecord struct {
	Type      string `json:"$type"`
	Text      string `json:"text"`
	CreatedAt string `json:"createdAt"`
	Langs     []string
	Facets    []struct {
		Index struct {
			ByteStart int `json:"byteStart"`
			ByteEnd   int `json:"byteEnd"`
		} `json:"index"`
		Features []struct {
			Type string `json:"$type"`
			URI  string `json:"uri"`
		} `json:"features"`
	} `json:"facets"`
	Embed *struct {
		Type   string `json:"$type"`
		Images []struct {
			Image *struct {
				Ref struct {
					Link string `json:"$link"`
				} `json:"ref"`
			} `json:"image"`
			Alt *string `json:"alt"`
		} `json:"images"`
	} `json:"embed"`
	Reply *struct {
		Root, Parent struct{ URI, CID string }
	} `json:"reply"`
}

// validate checks a post record as the lexicon does.
func (s *Server) validate(rec postRecord) string {
	switch {
	case rec.Type != "app.bsky.feed.post":
		return "Invalid $type"
	case uniseg.GraphemeClusterCount(rec.Text) > 300 || len(rec.Text) > 3000:
		return "Record/text must not be longer than 300 graphemes"
	case len(rec.Langs) > 3:
		return "Record/langs must not have more than 3 elements"
	}
	if t, err := time.Parse(time.RFC3339, rec.CreatedAt); err != nil || t.Location() != time.UTC {
		return "Record/createdAt must be an RFC 3339 datetime in UTC"
	}
	for _, f := range rec.Facets {
		a, b := f.Index.ByteStart, f.Index.ByteEnd
		if a < 0 || b <= a || b > len(rec.Text) || !utf8.ValidString(rec.Text[a:b]) {
			return "Record/facets: invalid byte range"
		}
		for _, ft := range f.Features {
			if ft.Type == "app.bsky.richtext.facet#link" && ft.URI != rec.Text[a:b] {
				return fmt.Sprintf("Record/facets: link %q does not match text %q", ft.URI, rec.Text[a:b])
			}
		}
	}
	if rec.Embed != nil {
		if len(rec.Embed.Images) == 0 || len(rec.Embed.Images) > 4 {
			return "Record/embed/images must have 1 to 4 elements"
		}
		for _, im := range rec.Embed.Images {
			if im.Alt == nil {
				return "Record/embed/images/0 must have the property \"alt\""
			}
			if im.Image == nil || s.blobs[im.Image.Ref.Link] == 0 {
				return "Could not find blob"
			}
		}
	}
	if rec.Reply != nil {
		for _, ref := range []struct{ URI, CID string }{rec.Reply.Root, rec.Reply.Parent} {
			if ref.URI == "" || ref.CID == "" {
				return "Record/reply must have root and parent strong refs"
			}
		}
	}
	return ""
}

func (s *Server) createRecord(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Repo, Collection, RKey string
		Record                 json.RawMessage
	}
	if json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in) != nil {
		xerr(w, 400, "InvalidRequest", "Input must be an object")
		return
	}
	s.mu.Lock()
	fault := s.faults.Take()
	now := s.clock.Now()
	w.Header().Set("ratelimit-limit", "5000")
	w.Header().Set("ratelimit-policy", "5000;w=3600")
	w.Header().Set("ratelimit-reset", strconv.FormatInt(now.Add(time.Minute).Unix(), 10))
	w.Header().Set("ratelimit-remaining", "4997")
	switch fault {
	case RateLimited:
		s.mu.Unlock()
		w.Header().Set("ratelimit-remaining", "0")
		xerr(w, 429, "RateLimitExceeded", "Rate Limit Exceeded")
		return
	case Unavailable:
		s.mu.Unlock()
		w.WriteHeader(503)
		fmt.Fprint(w, "<html>upstream unavailable</html>")
		return
	case Invalid:
		s.mu.Unlock()
		xerr(w, 400, "InvalidRequest", "Invalid record")
		return
	case Takedown:
		s.mu.Unlock()
		xerr(w, 400, "AccountTakedown", "Account has been taken down")
		return
	case Garbage:
		s.mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html>Welcome</html>")
		return
	}
	defer s.mu.Unlock()
	var rec postRecord
	if in.Repo != s.DID || in.Collection != "app.bsky.feed.post" || json.Unmarshal(in.Record, &rec) != nil {
		xerr(w, 400, "InvalidRequest", "Invalid repo or collection")
		return
	}
	if !tidRE.MatchString(in.RKey) {
		xerr(w, 400, "InvalidRequest", "Invalid record key: must be a TID")
		return
	}
	if msg := s.validate(rec); msg != "" {
		xerr(w, 400, "InvalidRequest", msg)
		return
	}
	if _, ok := s.records[in.RKey]; ok {
		xerr(w, 400, "InvalidRequest", "Record already exists at this key")
		return
	}
	created, _ := time.Parse(time.RFC3339, rec.CreatedAt)
	uri := "at://" + s.DID + "/app.bsky.feed.post/" + in.RKey
	cid := "bafyrei" + hash(string(in.Record))[:52]
	s.records[in.RKey] = &Record{RKey: in.RKey, URI: uri, CID: cid, Value: in.Record, Text: rec.Text, CreatedAt: created, Access: bearer(r)}
	s.creates++
	switch fault {
	case Drop:
		fakekit.Drop(w)
		return
	case ServerError:
		xerr(w, 500, "InternalServerError", "Internal Server Error")
		return
	}
	writeJSON(w, 200, map[string]any{"uri": uri, "cid": cid, "validationStatus": "valid"})
}

func (s *Server) getRecord(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.records[q.Get("rkey")]
	if (q.Get("repo") != s.DID && q.Get("repo") != s.Handle) || q.Get("collection") != "app.bsky.feed.post" || !ok {
		xerr(w, 400, "RecordNotFound", "Could not locate record")
		return
	}
	writeJSON(w, 200, map[string]any{"uri": rec.URI, "cid": rec.CID, "value": rec.Value})
}

func (s *Server) deleteRecord(w http.ResponseWriter, r *http.Request) {
	var in struct{ Repo, Collection, RKey string }
	if json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in) != nil || in.Repo != s.DID {
		xerr(w, 400, "InvalidRequest", "Invalid repo")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.records, in.RKey) // deleting a missing record succeeds
	writeJSON(w, 200, map[string]any{})
}

// index serves GET / without credentials: what the fake holds, as JSON, so
// a newcomer running the demo can see what was published.
func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	type post struct {
		URI, Text string
		CreatedAt time.Time
	}
	var posts []post
	for _, r := range s.Records() {
		posts = append(posts, post{r.URI, r.Text, r.CreatedAt})
	}
	fakekit.Index(w, "bluesky", map[string]any{"did": s.DID, "handle": s.Handle, "posts": posts})
}

func (s *Server) authorFeed(w http.ResponseWriter, r *http.Request) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var recs []*Record
	for _, rec := range s.records {
		recs = append(recs, rec)
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].CreatedAt.After(recs[j].CreatedAt) })
	feed := []map[string]any{}
	for _, rec := range recs {
		if len(feed) == limit {
			break
		}
		feed = append(feed, map[string]any{"post": map[string]any{"uri": rec.URI, "cid": rec.CID, "record": rec.Value,
			"author": map[string]string{"did": s.DID, "handle": s.Handle}}})
	}
	writeJSON(w, 200, map[string]any{"feed": feed})
}

// SetCounts sets the likes, reposts and replies of the post uri.
func (s *Server) SetCounts(uri string, likes, reposts, replies int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rec := range s.records {
		if rec.URI == uri {
			rec.Likes, rec.Reposts, rec.Replies = likes, reposts, replies
			return true
		}
	}
	return false
}

// LimitNextRead makes the next getPosts answer 429 with ratelimit-*
// headers, its reset a minute after the fake's now.
func (s *Server) LimitNextRead() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.readLimit = true
}

// getPosts answers app.bsky.feed.getPosts: the posts of uris it holds,
// with their counts; unknown ones are left out, as the AppView does.
func (s *Server) getPosts(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.readLimit {
		s.readLimit = false
		w.Header().Set("ratelimit-limit", "3000")
		w.Header().Set("ratelimit-remaining", "0")
		w.Header().Set("ratelimit-reset", strconv.FormatInt(s.clock.Now().Add(time.Minute).Unix(), 10))
		xerr(w, 429, "RateLimitExceeded", "Rate Limit Exceeded")
		return
	}
	uris := r.URL.Query()["uris"]
	if len(uris) == 0 || len(uris) > 25 {
		xerr(w, 400, "InvalidRequest", "uris must hold 1 to 25 AT URIs")
		return
	}
	posts := []map[string]any{}
	for _, u := range uris {
		for _, rec := range s.records {
			if rec.URI == u {
				posts = append(posts, map[string]any{"uri": rec.URI, "cid": rec.CID, "record": rec.Value,
					"author":    map[string]string{"did": s.DID, "handle": s.Handle},
					"likeCount": rec.Likes, "repostCount": rec.Reposts, "replyCount": rec.Replies, "quoteCount": 0})
			}
		}
	}
	writeJSON(w, 200, map[string]any{"posts": posts})
}
