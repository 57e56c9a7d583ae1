// Package mastodonfake is a Mastodon instance for tests and the demo: it
// reproduces the parts of the REST API that internal/social/mastodon uses
// (../shared/reference/social-apis.md §4, §9), errors included, on a
// loopback listener. It keeps statuses in memory.
package mastodonfake

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mofa-vn/chancery/internal/social/socialtest/fakekit"
)

// Fault is an answer the next status create gets instead of the normal one.
type Fault int

// The faults the fake can inject into the next POST /api/v1/statuses.
const (
	None          Fault = iota
	RateLimited         // 429 with X-RateLimit-Reset one minute after now
	Unauthorized        // 401 {"error":"The access token is invalid"}
	Unprocessable       // 422 {"error":"Validation failed: Text character limit of 500 exceeded"}
	Unavailable         // 503 from the proxy
	ServerError         // 500 after the status was created
	Garbage             // 200 with an HTML page
	Drop                // the status is created, then the connection drops
	Huge                // the status is created, then a 9 MB answer
)

// Status is a status the fake holds.
type Status struct {
	ID        string
	Text      string
	Language  string
	InReplyTo string
	MediaIDs  []string
	Key       string
	CreatedAt time.Time
	// Favourites, Reblogs and Replies are the counts GET
	// /api/v1/statuses/:id answers (SetCounts).
	Favourites, Reblogs, Replies int
}

// Media is an uploaded attachment.
type Media struct {
	ID          string
	Description string
	Size        int
	polls       int
}

type keyed struct {
	id string
	at time.Time
}

// Server is the fake instance.
type Server struct {
	// URL is the instance's base URL, http://127.0.0.1:port.
	URL string
	srv *httptest.Server

	mu        sync.Mutex
	token     string
	clock     fakekit.Clock
	next      int
	statuses  []*Status
	media     map[string]*Media
	keys      map[string]keyed
	faults    fakekit.Faults[Fault]
	upFault   Fault
	creates   int
	posts     int
	polls     int
	mediaWait int
	readLimit bool // the next GET of a status gets 429 (LimitNextRead)
}

// New starts a fake instance accepting token.
func New(token string) *Server {
	s := &Server{token: token, media: map[string]*Media{}, keys: map[string]keyed{}, next: 100}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/statuses", s.createStatus)
	mux.HandleFunc("DELETE /api/v1/statuses/{id}", s.deleteStatus)
	mux.HandleFunc("GET /api/v1/statuses/{id}", s.getStatus)
	mux.HandleFunc("POST /api/v2/media", s.uploadMedia)
	mux.HandleFunc("GET /api/v1/media/{id}", s.getMedia)
	mux.HandleFunc("GET /api/v1/accounts/verify_credentials", s.verify)
	mux.HandleFunc("GET /api/v1/accounts/{id}/statuses", s.timeline)
	top := http.NewServeMux()
	top.HandleFunc("GET /{$}", s.index)
	top.Handle("/", s.auth(mux))
	s.srv = httptest.NewServer(top)
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// SetNow sets the fake's clock (idempotency keys expire after an hour,
// rate limits reset a minute after now).
func (s *Server) SetNow(now func() time.Time) { s.clock.Set(now) }

// Fail makes the next status create answer with f.
func (s *Server) Fail(f Fault) { s.faults.Set(f) }

// FailUpload makes the next media upload answer with f (Drop or
// Unavailable).
func (s *Server) FailUpload(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.upFault = f
}

// SetToken changes the accepted token (revoking the old one).
func (s *Server) SetToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = tok
}

// SetMediaProcessing makes each new upload answer 202 and then 206 to n
// polls before it is ready.
func (s *Server) SetMediaProcessing(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mediaWait = n
}

// Statuses returns the statuses held, oldest first.
func (s *Server) Statuses() []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Status, len(s.statuses))
	for i, st := range s.statuses {
		out[i] = *st
	}
	return out
}

// Media returns the attachment id, if uploaded.
func (s *Server) Media(id string) (Media, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.media[id]
	if !ok {
		return Media{}, false
	}
	return *m, true
}

// Posts returns how many POST /api/v1/statuses requests arrived, and
// Creates how many of them created a status.
func (s *Server) Posts() (posts, creates int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.posts, s.creates
}

// MediaPolls returns how many GET /api/v1/media/:id requests arrived.
func (s *Server) MediaPolls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polls
}

func (s *Server) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		ok := r.Header.Get("Authorization") == "Bearer "+s.token
		s.mu.Unlock()
		if !ok {
			writeErr(w, http.StatusUnauthorized, "The access token is invalid")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeErr(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) id() string {
	s.next++
	return strconv.Itoa(s.next)
}

func (s *Server) rateHeaders(w http.ResponseWriter, remaining int) {
	w.Header().Set("X-RateLimit-Limit", "300")
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	w.Header().Set("X-RateLimit-Reset", s.clock.Now().Add(time.Minute).UTC().Format("2006-01-02T15:04:05.000Z"))
}

func (s *Server) statusJSON(st *Status) map[string]any {
	var media []map[string]string
	for _, id := range st.MediaIDs {
		media = append(media, map[string]string{"id": id, "description": s.media[id].Description})
	}
	return map[string]any{
		"id": st.ID, "uri": s.URL + "/users/ministry/statuses/" + st.ID, "url": s.URL + "/@ministry/" + st.ID,
		"created_at": st.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"), "language": st.Language,
		"in_reply_to_id": nullable(st.InReplyTo), "media_attachments": media,
		"content":          "<p>" + strings.ReplaceAll(html.EscapeString(st.Text), "\n", "<br />") + "</p>",
		"favourites_count": st.Favourites, "reblogs_count": st.Reblogs, "replies_count": st.Replies,
	}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Server) createStatus(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeErr(w, http.StatusUnprocessableEntity, "Validation failed: bad form")
		return
	}
	s.mu.Lock()
	s.posts++
	fault := s.faults.Take()
	now := s.clock.Now()
	s.rateHeaders(w, 299)
	switch fault {
	case RateLimited:
		s.mu.Unlock()
		w.Header().Set("X-RateLimit-Remaining", "0")
		writeErr(w, http.StatusTooManyRequests, "Too many requests")
		return
	case Unauthorized:
		s.mu.Unlock()
		writeErr(w, http.StatusUnauthorized, "The access token is invalid")
		return
	case Unprocessable:
		s.mu.Unlock()
		writeErr(w, http.StatusUnprocessableEntity, "Validation failed: Text character limit of 500 exceeded")
		return
	case Unavailable:
		s.mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, "<html><body>503 Service Temporarily Unavailable</body></html>")
		return
	case Garbage:
		s.mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><body>Welcome to nginx!</body></html>")
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if k, ok := s.keys[key]; key != "" && ok && now.Sub(k.at) < time.Hour {
		for _, st := range s.statuses {
			if st.ID == k.id {
				body := s.statusJSON(st)
				s.mu.Unlock()
				writeJSON(w, http.StatusOK, body)
				return
			}
		}
	}
	text := r.PostForm.Get("status")
	mediaIDs := r.PostForm["media_ids[]"]
	if strings.TrimSpace(text) == "" && len(mediaIDs) == 0 {
		s.mu.Unlock()
		writeErr(w, http.StatusUnprocessableEntity, "Validation failed: Text can't be blank")
		return
	}
	if len([]rune(text)) > 500 {
		s.mu.Unlock()
		writeErr(w, http.StatusUnprocessableEntity, "Validation failed: Text character limit of 500 exceeded")
		return
	}
	for _, id := range mediaIDs {
		if _, ok := s.media[id]; !ok {
			s.mu.Unlock()
			writeErr(w, http.StatusUnprocessableEntity, "Validation failed: media not found")
			return
		}
	}
	st := &Status{ID: s.id(), Text: text, Language: r.PostForm.Get("language"), InReplyTo: r.PostForm.Get("in_reply_to_id"),
		MediaIDs: mediaIDs, Key: key, CreatedAt: now}
	s.statuses = append(s.statuses, st)
	s.creates++
	if key != "" {
		s.keys[key] = keyed{id: st.ID, at: now}
	}
	body := s.statusJSON(st)
	s.mu.Unlock()
	if fault == Drop {
		fakekit.Drop(w)
		return
	}
	if fault == ServerError {
		writeErr(w, http.StatusInternalServerError, "We're sorry, but something went wrong")
		return
	}
	if fault == Huge {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":"` + st.ID + `","content":"`))
		w.Write(make([]byte, 9<<20))
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) deleteStatus(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, st := range s.statuses {
		if st.ID == r.PathValue("id") {
			body := s.statusJSON(st)
			s.statuses = append(s.statuses[:i], s.statuses[i+1:]...)
			writeJSON(w, http.StatusOK, body)
			return
		}
	}
	writeErr(w, http.StatusNotFound, "Record not found")
}

func (s *Server) uploadMedia(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(16 << 20); err != nil {
		writeErr(w, http.StatusUnprocessableEntity, "Validation failed: File can't be blank")
		return
	}
	f, fh, err := r.FormFile("file")
	if err != nil {
		writeErr(w, http.StatusUnprocessableEntity, "Validation failed: File can't be blank")
		return
	}
	f.Close()
	desc := r.FormValue("description")
	if len([]rune(desc)) > 1500 {
		writeErr(w, http.StatusUnprocessableEntity, "Validation failed: Description is too long (maximum is 1500 characters)")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch f := s.upFault; {
	case f == Drop:
		s.upFault = None
		fakekit.Drop(w)
		return
	case f != None:
		s.upFault = None
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	m := &Media{ID: s.id(), Description: desc, Size: int(fh.Size), polls: s.mediaWait}
	s.media[m.ID] = m
	status, u := http.StatusOK, any(s.URL+"/media/"+m.ID+".png")
	if m.polls > 0 {
		status, u = http.StatusAccepted, nil
	}
	writeJSON(w, status, map[string]any{"id": m.ID, "type": "image", "url": u, "description": desc})
}

func (s *Server) getMedia(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.polls++
	m, ok := s.media[r.PathValue("id")]
	if !ok {
		writeErr(w, http.StatusNotFound, "Record not found")
		return
	}
	if m.polls > 0 {
		m.polls--
		writeJSON(w, http.StatusPartialContent, map[string]any{"id": m.ID, "type": "image", "url": nil, "description": m.Description})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": m.ID, "type": "image", "url": s.URL + "/media/" + m.ID + ".png", "description": m.Description})
}

func (s *Server) verify(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"id": "1", "username": "ministry", "acct": "ministry",
		"display_name": "Ministry of Foreign Affairs", "url": s.URL + "/@ministry"})
}

// index serves GET / without credentials: what the fake holds, as JSON, so
// a newcomer running the demo can see what was published.
func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	fakekit.Index(w, "mastodon", map[string]any{"statuses": s.Statuses()})
}

func (s *Server) timeline(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("id") != "1" {
		writeErr(w, http.StatusNotFound, "Record not found")
		return
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 || limit > 40 {
		limit = 20
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	for i := len(s.statuses) - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, s.statusJSON(s.statuses[i]))
	}
	writeJSON(w, http.StatusOK, out)
}

// SetCounts sets the favourites, boosts and replies of status id.
func (s *Server) SetCounts(id string, favourites, reblogs, replies int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.statuses {
		if st.ID == id {
			st.Favourites, st.Reblogs, st.Replies = favourites, reblogs, replies
			return true
		}
	}
	return false
}

// LimitNextRead makes the next GET of a status answer 429 with an
// ISO 8601 X-RateLimit-Reset a minute after the fake's now, as the
// instance does when the account's 300 requests per 5 minutes are spent.
func (s *Server) LimitNextRead() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.readLimit = true
}

func (s *Server) getStatus(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.readLimit {
		s.readLimit = false
		w.Header().Set("X-RateLimit-Limit", "300")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", s.clock.Now().Add(time.Minute).UTC().Format("2006-01-02T15:04:05.000Z"))
		writeErr(w, http.StatusTooManyRequests, "Too many requests")
		return
	}
	for _, st := range s.statuses {
		if st.ID == r.PathValue("id") {
			writeJSON(w, http.StatusOK, s.statusJSON(st))
			return
		}
	}
	writeErr(w, http.StatusNotFound, "Record not found")
}
