// Package facebookfake is the Graph API of one Facebook Page for tests and
// the demo (../shared/reference/social-apis.md §3, §9), on a loopback
// listener: /v25.0/{page}/feed, /{page}/photos (published or not, then
// attached_media), DELETE /{post}, /me, /{page}/published_posts; the error
// envelope with codes 190/2/4/17/32/613/368/506/1609005 and fbtrace_id;
// X-App-Usage and X-Business-Use-Case-Usage ramping towards 100, and
// throttling once a counter reaches it.
package facebookfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mofa-vn/chancery/internal/social/socialtest/fakekit"
)

// Version is the Graph API version the fake serves.
const Version = "v25.0"

// PageID is the fake Page.
const PageID = "104857600012345"

// Fault is an answer the next publishing call (feed or photo) gets.
type Fault int

// The faults the fake can inject.
const (
	None         Fault = iota
	TokenExpired       // 190/463
	Transient          // 2, HTTP 500, is_transient
	Throttled          // 613
	PageLimit          // 32, with a business use case regain estimate
	Blocked            // 368
	Duplicate          // 506
	LinkScrape         // 1609005
	Permission         // 200
	Unavailable        // 503 without an envelope
	Garbage            // 200 with an HTML page
	Drop               // the post is created, then the connection drops
)

// Post is a Page post.
type Post struct {
	ID        string
	Message   string
	Link      string
	PhotoIDs  []string
	CreatedAt time.Time
	// Reactions, Shares and Comments are the counts a GET of the post
	// answers (SetCounts).
	Reactions, Shares, Comments int
	// Impressions and Reach are the post insights' lifetime
	// post_impressions and post_impressions_unique (SetViews).
	Impressions, Reach int
}

// Photo is an uploaded photo.
type Photo struct {
	ID        string
	Published bool
	Alt       string
	Caption   string
	Size      int
}

// Server is the fake Graph API.
type Server struct {
	// URL is the Graph API base URL.
	URL string
	srv *httptest.Server

	mu       sync.Mutex
	token    string
	clock    fakekit.Clock
	next     int64
	posts    []*Post
	photos   map[string]*Photo
	faults   fakekit.Faults[Fault]
	requests int
	creates  int
	appUsage int
	bucUsage int
	step     int
	limitGet bool // the next GET is throttled (LimitNextRead)
	// insights is what the Page's token gets from post insights.
	insights Insights
}

// New starts a fake Graph API for PageID with the page token.
func New(token string) *Server {
	s := &Server{token: token, next: 900000000000, photos: map[string]*Photo{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// SetNow sets the fake's clock.
func (s *Server) SetNow(now func() time.Time) { s.clock.Set(now) }

// Fail makes the next publishing call answer with f.
func (s *Server) Fail(f Fault) { s.faults.Set(f) }

// SetUsage sets the usage percentages the headers report, and how much
// each call adds to both.
func (s *Server) SetUsage(app, business, step int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.appUsage, s.bucUsage, s.step = app, business, step
}

// Posts returns the Page's posts, oldest first.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Post, len(s.posts))
	for i, p := range s.posts {
		out[i] = *p
	}
	return out
}

// Photo returns an uploaded photo.
func (s *Server) Photo(id string) (Photo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.photos[id]
	if !ok {
		return Photo{}, false
	}
	return *p, true
}

// Counts returns how many requests arrived, and how many posts were made.
func (s *Server) Counts() (requests, creates int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests, s.creates
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func graphErr(w http.ResponseWriter, status, code, sub int, typ, msg string, transient bool) {
	e := map[string]any{"message": msg, "type": typ, "code": code, "fbtrace_id": "AbCdEfGhIjK", "is_transient": transient}
	if sub != 0 {
		e["error_subcode"] = sub
	}
	writeJSON(w, status, map[string]any{"error": e})
}

func (s *Server) usageHeaders(w http.ResponseWriter) {
	app, _ := json.Marshal(map[string]int{"call_count": s.appUsage, "total_cputime": s.appUsage / 2, "total_time": s.appUsage / 2})
	regain := 0
	if s.bucUsage >= 100 {
		regain = 15
	}
	buc, _ := json.Marshal(map[string][]map[string]any{PageID: {{"type": "pages", "call_count": s.bucUsage,
		"total_cputime": s.bucUsage / 3, "total_time": s.bucUsage / 3, "estimated_time_to_regain_access": regain}}})
	w.Header().Set("X-App-Usage", string(app))
	w.Header().Set("X-Business-Use-Case-Usage", string(buc))
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == "/" {
		fakekit.Index(w, "facebook", map[string]any{"page": PageID, "posts": s.Posts()})
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 2 || parts[0] != Version {
		graphErr(w, 400, 2635, 0, "OAuthException", "(#2635) You are calling a deprecated or unknown version of the Graph API", false)
		return
	}
	var files map[string][]byte
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(20 << 20); err != nil {
			graphErr(w, 400, 100, 0, "OAuthException", "(#100) Invalid multipart body", false)
			return
		}
		files = map[string][]byte{}
		for k, fhs := range r.MultipartForm.File {
			f, _ := fhs[0].Open()
			b, _ := io.ReadAll(f)
			f.Close()
			files[k] = b
		}
	} else if err := r.ParseForm(); err != nil {
		graphErr(w, 400, 100, 0, "OAuthException", "(#100) Invalid form", false)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	s.appUsage += s.step
	s.bucUsage += s.step
	if s.limitGet && r.Method == http.MethodGet {
		// The Page's usage reaches 100 for this call, then falls back.
		s.limitGet = false
		was := s.bucUsage
		s.bucUsage = 100
		defer func() { s.bucUsage = was }()
	}
	s.usageHeaders(w)
	if r.FormValue("access_token") != s.token {
		graphErr(w, 400, 190, 0, "OAuthException", "Invalid OAuth access token - Cannot parse access token", false)
		return
	}
	if s.appUsage >= 100 {
		graphErr(w, 400, 4, 0, "OAuthException", "(#4) Application request limit reached", true)
		return
	}
	if s.bucUsage >= 100 {
		graphErr(w, 400, 32, 0, "OAuthException", "(#32) Page request limit reached", true)
		return
	}
	path := parts[1:]
	switch {
	case r.Method == "POST" && len(path) == 2 && path[0] == PageID && path[1] == "feed":
		s.publish(w, r, nil)
	case r.Method == "POST" && len(path) == 2 && path[0] == PageID && path[1] == "photos":
		s.publish(w, r, files)
	case r.Method == "DELETE" && len(path) == 1:
		s.delete(w, path[0])
	case r.Method == "GET" && len(path) == 1 && path[0] == "me":
		writeJSON(w, 200, map[string]string{"id": PageID, "name": "Bộ Ngoại giao Việt Nam", "username": "BoNgoaiGiaoVN",
			"link": "https://www.facebook.com/BoNgoaiGiaoVN"})
	case r.Method == "GET" && len(path) == 2 && path[0] == PageID && path[1] == "published_posts":
		s.list(w, r)
	case r.Method == "GET" && len(path) == 1 && s.getPost(w, r, path[0]):
	case r.Method == "GET" && len(path) == 2 && path[1] == "insights" && s.getInsights(w, r, path[0]):
	default:
		graphErr(w, 400, 100, 33, "GraphMethodException", "Unsupported request - method type or object does not exist", false)
	}
}

func (s *Server) fail(w http.ResponseWriter, f Fault) bool {
	switch f {
	case TokenExpired:
		graphErr(w, 400, 190, 463, "OAuthException", "Error validating access token: Session has expired", false)
	case Transient:
		graphErr(w, 500, 2, 0, "OAuthException", "An unexpected error has occurred. Please retry your request later.", true)
	case Throttled:
		graphErr(w, 400, 613, 0, "OAuthException", "Calls to this api have exceeded the rate limit.", true)
	case PageLimit:
		s.bucUsage = 100
		s.usageHeaders(w)
		graphErr(w, 400, 32, 0, "OAuthException", "(#32) Page request limit reached", true)
	case Blocked:
		graphErr(w, 400, 368, 1390008, "OAuthException", "It looks like you were misusing this feature by going too fast.", false)
	case Duplicate:
		graphErr(w, 400, 506, 0, "OAuthException", "(#506) Duplicate status message", false)
	case LinkScrape:
		graphErr(w, 400, 1609005, 0, "OAuthException", "Error Posting Link: the link could not be fetched", false)
	case Permission:
		graphErr(w, 403, 200, 0, "OAuthException", "(#200) The user hasn't authorized the application to perform this action", false)
	case Unavailable:
		w.WriteHeader(503)
		fmt.Fprint(w, "<html>Sorry, something went wrong.</html>")
	case Garbage:
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html>Facebook</html>")
	default:
		return false
	}
	return true
}

func (s *Server) id() string {
	s.next++
	return strconv.FormatInt(s.next, 10)
}

func (s *Server) publish(w http.ResponseWriter, r *http.Request, files map[string][]byte) {
	fault := s.faults.Take()
	if s.fail(w, fault) {
		return
	}
	published := r.FormValue("published") != "false"
	if files != nil { // a photo
		data := files["source"]
		if len(data) == 0 && r.FormValue("url") == "" {
			graphErr(w, 400, 324, 0, "OAuthException", "(#324) Requires upload file", false)
			return
		}
		ph := &Photo{ID: s.id(), Published: published, Alt: r.FormValue("alt_text_custom"), Caption: r.FormValue("caption"), Size: len(data)}
		s.photos[ph.ID] = ph
		if !published {
			writeJSON(w, 200, map[string]string{"id": ph.ID})
			return
		}
		p := s.add(ph.Caption, "", []string{ph.ID})
		s.answer(w, fault, map[string]string{"id": ph.ID, "post_id": p.ID})
		return
	}
	msg := r.FormValue("message")
	var photos []string
	for i := 0; ; i++ {
		v := r.FormValue("attached_media[" + strconv.Itoa(i) + "]")
		if v == "" {
			break
		}
		var m struct {
			MediaFBID string `json:"media_fbid"`
		}
		_ = json.Unmarshal([]byte(v), &m) // no media_fbid: refused below
		ph, ok := s.photos[m.MediaFBID]
		if !ok || ph.Published {
			graphErr(w, 400, 100, 0, "OAuthException", "(#100) param attached_media["+strconv.Itoa(i)+"] must be an unpublished photo of the Page", false)
			return
		}
		photos = append(photos, m.MediaFBID)
	}
	if msg == "" && r.FormValue("link") == "" && len(photos) == 0 {
		graphErr(w, 400, 100, 0, "OAuthException", "(#100) Missing message or attachment", false)
		return
	}
	if n := len(s.posts); n > 0 && msg != "" && s.posts[n-1].Message == msg {
		graphErr(w, 400, 506, 0, "OAuthException", "(#506) Duplicate status message", false)
		return
	}
	for _, id := range photos {
		s.photos[id].Published = true
	}
	p := s.add(msg, r.FormValue("link"), photos)
	s.answer(w, fault, map[string]string{"id": p.ID})
}

func (s *Server) add(msg, link string, photos []string) *Post {
	p := &Post{ID: PageID + "_" + s.id(), Message: msg, Link: link, PhotoIDs: photos, CreatedAt: s.clock.Now()}
	s.posts = append(s.posts, p)
	s.creates++
	return p
}

func (s *Server) answer(w http.ResponseWriter, fault Fault, body any) {
	if fault == Drop {
		fakekit.Drop(w)
		return
	}
	writeJSON(w, 200, body)
}

func (s *Server) delete(w http.ResponseWriter, id string) {
	for i, p := range s.posts {
		if p.ID == id {
			s.posts = append(s.posts[:i], s.posts[i+1:]...)
			writeJSON(w, 200, map[string]bool{"success": true})
			return
		}
	}
	graphErr(w, 400, 100, 33, "GraphMethodException", "Unsupported delete request. Object with ID '"+id+"' does not exist", false)
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	limit, _ := strconv.Atoi(r.FormValue("limit"))
	if limit <= 0 || limit > 100 {
		limit = 25
	}
	since, _ := strconv.ParseInt(r.FormValue("since"), 10, 64)
	posts := append([]*Post(nil), s.posts...)
	sort.SliceStable(posts, func(i, j int) bool { return posts[i].CreatedAt.After(posts[j].CreatedAt) })
	data := []map[string]any{}
	for _, p := range posts {
		if len(data) == limit {
			break
		}
		if p.CreatedAt.Unix() < since {
			continue
		}
		_, postID, _ := strings.Cut(p.ID, "_")
		item := map[string]any{"id": p.ID, "message": p.Message,
			"created_time":  p.CreatedAt.UTC().Format("2006-01-02T15:04:05-0700"),
			"permalink_url": "https://www.facebook.com/" + PageID + "/posts/" + postID}
		if p.Link != "" && strings.Contains(r.FormValue("fields"), "attachments") {
			// A shared link shows as an attachment whose url goes through
			// Facebook's redirector; unshimmed_url is the address itself.
			item["attachments"] = map[string]any{"data": []map[string]string{{"type": "share", "unshimmed_url": p.Link,
				"url": "https://l.facebook.com/l.php?u=" + url.QueryEscape(p.Link) + "&h=AT0"}}}
		}
		data = append(data, item)
	}
	writeJSON(w, 200, map[string]any{"data": data})
}

// SetCounts sets the reactions, shares and comments of post id.
func (s *Server) SetCounts(id string, reactions, shares, comments int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.posts {
		if p.ID == id {
			p.Reactions, p.Shares, p.Comments = reactions, shares, comments
			return true
		}
	}
	return false
}

// Insights is what a post insights read gets.
type Insights int

// The answers of post insights.
const (
	InsightsOK        Insights = iota // the metrics asked for
	NoReadInsights                    // #10: the token lacks read_insights
	InsightsSmallPage                 // empty data: the Page has under 100 likes
	MetricRetired                     // #100: the metric is no longer valid
)

// SetInsights sets what post insights reads get.
func (s *Server) SetInsights(i Insights) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.insights = i
}

// SetViews sets the lifetime impressions and unique impressions (reach)
// of post id.
func (s *Server) SetViews(id string, impressions, reach int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.posts {
		if p.ID == id {
			p.Impressions, p.Reach = impressions, reach
			return true
		}
	}
	return false
}

// getInsights answers GET /{post-id}/insights?metric=… like Graph: one
// entry per metric known, in the order asked, each with its lifetime value;
// an unknown metric is #100; false for a post it does not hold.
func (s *Server) getInsights(w http.ResponseWriter, r *http.Request, id string) bool {
	for _, p := range s.posts {
		if p.ID != id {
			continue
		}
		switch s.insights {
		case NoReadInsights:
			graphErr(w, 403, 10, 0, "OAuthException", "(#10) Application does not have permission for this action", false)
			return true
		case MetricRetired:
			graphErr(w, 400, 100, 0, "OAuthException", "(#100) The value must be a valid insights metric", false)
			return true
		case InsightsSmallPage:
			writeJSON(w, 200, map[string]any{"data": []any{}})
			return true
		}
		if period := r.FormValue("period"); period != "" && period != "lifetime" {
			graphErr(w, 400, 100, 0, "OAuthException", "(#100) Invalid period for post metrics: "+period, false)
			return true
		}
		data := []map[string]any{}
		for _, m := range strings.Split(r.FormValue("metric"), ",") {
			var v int
			switch m {
			case "post_impressions":
				v = p.Impressions
			case "post_impressions_unique":
				v = p.Reach
			default:
				graphErr(w, 400, 100, 0, "OAuthException", "(#100) The value must be a valid insights metric", false)
				return true
			}
			data = append(data, map[string]any{"name": m, "period": "lifetime", "values": []map[string]int{{"value": v}},
				"id": p.ID + "/insights/" + m + "/lifetime"})
		}
		writeJSON(w, 200, map[string]any{"data": data, "paging": map[string]string{}})
		return true
	}
	return false
}

// LimitNextRead makes the Page's usage reach 100 for the next GET, which
// gets error #32 with estimated_time_to_regain_access in its
// X-Business-Use-Case-Usage header.
func (s *Server) LimitNextRead() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limitGet = true
}

// getPost answers GET /{post-id} with the summaries asked for in fields;
// it reports false for an object it does not hold (the caller answers
// Graph's #100/33).
func (s *Server) getPost(w http.ResponseWriter, r *http.Request, id string) bool {
	for _, p := range s.posts {
		if p.ID != id {
			continue
		}
		fields := r.FormValue("fields")
		out := map[string]any{"id": p.ID}
		if strings.Contains(fields, "reactions.summary(total_count)") {
			out["reactions"] = map[string]any{"data": []any{}, "summary": map[string]any{"total_count": p.Reactions, "viewer_reaction": "NONE"}}
		}
		if strings.Contains(fields, "comments.summary(total_count)") {
			out["comments"] = map[string]any{"data": []any{}, "summary": map[string]any{"order": "ranked", "total_count": p.Comments, "can_comment": true}}
		}
		if strings.Contains(fields, "shares") && p.Shares > 0 {
			out["shares"] = map[string]int{"count": p.Shares}
		}
		writeJSON(w, 200, out)
		return true
	}
	return false
}
