// Package linkedinfake is LinkedIn's REST API for tests and the demo
// (../shared/reference/social-apis.md §7, §9), on a loopback listener:
// /rest/posts (201 with x-restli-id, 400 without Linkedin-Version, 422
// DUPLICATE_POST naming the existing post, 429 without headers), the Images
// API (initializeUpload, PUT, status), organisation roles, deletes, and
// injected errors.
package linkedinfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mofa-vn/chancery/internal/social/socialtest/fakekit"
)

// Fault is an answer the next POST /rest/posts gets instead of the normal
// one.
type Fault int

// The faults the fake can inject.
const (
	None         Fault = iota
	RateLimited        // 429, no headers
	Unauthorized       // 401 EXPIRED_ACCESS_TOKEN
	Forbidden          // 403 ACCESS_DENIED
	Unavailable        // 503
	ServerError        // 500 after the post was created
	Garbage            // 200 with an HTML page
	Drop               // the post is created, then the connection drops
)

// Organization is the fake's page.
const Organization = "urn:li:organization:5515715"

// Post is a post the fake holds.
type Post struct {
	URN        string
	Commentary string
	Content    json.RawMessage
	CreatedAt  time.Time
	// Likes and Comments are its social actions (SetCounts); Reposts
	// (SetCounts), Impressions and Unique (SetViews) are in its share
	// statistics.
	Likes, Comments, Reposts int
	Impressions, Unique      int
}

// Image is an uploaded image.
type Image struct {
	URN      string
	Size     int
	uploaded bool
}

// Server is the fake API.
type Server struct {
	// URL is the API base URL.
	URL string
	srv *httptest.Server

	mu     sync.Mutex
	token  string
	clock  fakekit.Clock
	next   int
	posts  []*Post
	images map[string]*Image
	faults fakekit.Faults[Fault]
	// codes are the authorization codes issued and not yet redeemed, with
	// their redirect URI.
	codes map[string]string
	// refresh, clientID, clientSecret enable the token endpoint.
	refresh, clientID, clientSecret string
	refreshes                       int
	creates                         int
	posted                          int
	limitRead                       bool // the next social-actions read gets 429 (LimitNextRead)
	denyStats                       bool // share statistics answer 403 (DenyStatistics)
	limitStats                      bool // the next share statistics read gets 429 (LimitNextStatistics)
}

// New starts a fake API accepting token for Organization.
func New(token string) *Server {
	s := &Server{token: token, next: 7100000000000000000, images: map[string]*Image{}, codes: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.index)
	mux.HandleFunc("POST /oauth/v2/accessToken", s.accessToken)
	mux.HandleFunc("GET /oauth/v2/authorization", s.authorize)
	mux.HandleFunc("POST /rest/posts", s.create)
	mux.HandleFunc("GET /rest/posts", s.list)
	mux.HandleFunc("DELETE /rest/posts/{urn}", s.delete)
	mux.HandleFunc("GET /rest/socialActions/{urn}", s.socialActions)
	mux.HandleFunc("GET /rest/organizationalEntityShareStatistics", s.shareStatistics)
	mux.HandleFunc("POST /rest/images", s.initImage)
	mux.HandleFunc("GET /rest/images/{urn}", s.getImage)
	mux.HandleFunc("PUT /upload/{urn}", s.putImage)
	mux.HandleFunc("GET /rest/organizationAcls", s.acls)
	mux.HandleFunc("GET /rest/organizations/{id}", s.org)
	s.srv = httptest.NewServer(s.check(mux))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// SetNow sets the fake's clock.
func (s *Server) SetNow(now func() time.Time) { s.clock.Set(now) }

// Fail makes the next post create answer with f.
func (s *Server) Fail(f Fault) { s.faults.Set(f) }

// SetRefresh enables POST /oauth/v2/accessToken for the refresh token and
// the app's client id and secret. Each refresh issues a new access token,
// which replaces the accepted one, and keeps the refresh token (LinkedIn's
// do not rotate).
func (s *Server) SetRefresh(refresh, clientID, clientSecret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refresh, s.clientID, s.clientSecret = refresh, clientID, clientSecret
}

// Refreshes returns how many access tokens the token endpoint issued.
func (s *Server) Refreshes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshes
}

// Token returns the access token accepted now.
func (s *Server) Token() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token
}

func (s *Server) accessToken(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm() // a body that does not parse has no client_id: refused below
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.PostForm.Get("client_id") != s.clientID || r.PostForm.Get("client_secret") != s.clientSecret || s.clientID == "" {
		writeJSON(w, 401, map[string]string{"error": "invalid_client", "error_description": "Client authentication failed"})
		return
	}
	if r.PostForm.Get("grant_type") == "authorization_code" {
		s.redeemLocked(w, r)
		return
	}
	if r.PostForm.Get("grant_type") != "refresh_token" || r.PostForm.Get("refresh_token") != s.refresh {
		writeJSON(w, 400, map[string]string{"error": "invalid_request", "error_description": "The provided authorization grant or refresh token is invalid, expired or revoked"})
		return
	}
	s.refreshes++
	s.token = "AQV-renewed-" + strconv.Itoa(s.refreshes) + "-" + strconv.FormatInt(s.clock.Now().UnixNano(), 36)
	writeJSON(w, 200, map[string]any{"access_token": s.token, "expires_in": 5184000,
		"refresh_token": s.refresh, "refresh_token_expires_in": 31536000 - 86400*61})
}

// Posts returns the posts held, oldest first.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Post, len(s.posts))
	for i, p := range s.posts {
		out[i] = *p
	}
	return out
}

// Image returns an uploaded image.
func (s *Server) Image(urn string) (Image, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	im, ok := s.images[urn]
	if !ok {
		return Image{}, false
	}
	return *im, true
}

// Creates returns how many POST /rest/posts arrived and how many created a
// post.
func (s *Server) Creates() (requests, created int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.posted, s.creates
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func apiErr(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"status": status, "code": code, "message": msg, "serviceErrorCode": 100})
}

var versionRE = regexp.MustCompile(`^20[0-9]{2}(0[1-9]|1[0-2])$`)

func (s *Server) check(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		good := r.Header.Get("Authorization") == "Bearer "+s.token
		s.mu.Unlock()
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/", strings.HasPrefix(r.URL.Path, "/oauth/v2/"):
			next.ServeHTTP(w, r)
		case !good:
			apiErr(w, 401, "INVALID_ACCESS_TOKEN", "Invalid access token")
		case strings.HasPrefix(r.URL.Path, "/rest/") && r.Header.Get("Linkedin-Version") == "":
			apiErr(w, 400, "VERSION_MISSING", "A version must be present. Please specify a version by adding the LinkedIn-Version header.")
		case strings.HasPrefix(r.URL.Path, "/rest/") && !versionRE.MatchString(r.Header.Get("Linkedin-Version")):
			apiErr(w, 426, "NONEXISTENT_VERSION", "Requested version "+r.Header.Get("Linkedin-Version")+" is not active")
		case strings.HasPrefix(r.URL.Path, "/rest/") && r.Header.Get("X-Restli-Protocol-Version") != "2.0.0":
			apiErr(w, 400, "ILLEGAL_ARGUMENT", "Rest.li protocol version 2.0.0 is required")
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Author, Commentary, Visibility, LifecycleState string
		Distribution                                   *struct{ FeedDistribution string }
		Content                                        json.RawMessage
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.posted++
	fault := s.faults.Take()
	switch fault {
	case RateLimited:
		w.WriteHeader(429)
		return
	case Unauthorized:
		apiErr(w, 401, "EXPIRED_ACCESS_TOKEN", "The token used in the request has expired")
		return
	case Forbidden:
		apiErr(w, 403, "ACCESS_DENIED", "Not enough permissions to access: partnerApiPostsExternal.CREATE.20251101")
		return
	case Unavailable:
		w.WriteHeader(503)
		fmt.Fprint(w, "<html>Service Unavailable</html>")
		return
	case Garbage:
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html>LinkedIn</html>")
		return
	}
	if json.Unmarshal(body, &in) != nil || in.Distribution == nil || in.Visibility == "" || in.LifecycleState != "PUBLISHED" {
		apiErr(w, 422, "UNPROCESSABLE_ENTITY", "ERROR :: /distribution :: field is required but not found and has no default value")
		return
	}
	if in.Author != Organization {
		apiErr(w, 403, "ACCESS_DENIED", "Member is not authorized to create a post for organization")
		return
	}
	if len([]rune(in.Commentary)) > 3000 {
		apiErr(w, 422, "UNPROCESSABLE_ENTITY", "ERROR :: /commentary :: length of 3001 exceeds the maximum of 3000")
		return
	}
	if msg := s.checkContent(in.Content); msg != "" {
		apiErr(w, 422, "UNPROCESSABLE_ENTITY", msg)
		return
	}
	for _, p := range s.posts {
		if p.Commentary == in.Commentary && in.Commentary != "" {
			writeJSON(w, 422, map[string]any{"status": 422,
				"message": "ERROR :: /commentary :: Content is a duplicate of " + p.URN,
				"errorDetails": map[string]any{"inputErrors": []map[string]any{{"description": "Duplicate post is detected", "code": "DUPLICATE_POST",
					"input": map[string]any{"inputPath": map[string]string{"fieldPath": "/commentary"}}}}}})
			return
		}
	}
	s.next++
	p := &Post{URN: "urn:li:share:" + strconv.Itoa(s.next), Commentary: in.Commentary, Content: in.Content, CreatedAt: s.clock.Now()}
	s.posts = append(s.posts, p)
	s.creates++
	switch fault {
	case Drop:
		fakekit.Drop(w)
		return
	case ServerError:
		apiErr(w, 500, "INTERNAL_SERVER_ERROR", "Internal Server Error")
		return
	}
	w.Header().Set("X-Restli-Id", p.URN)
	w.Header().Set("X-LinkedIn-Id", p.URN)
	w.WriteHeader(http.StatusCreated)
}

// checkContent validates media references and alt text.
func (s *Server) checkContent(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var c struct {
		Media      *struct{ ID, AltText string }
		MultiImage *struct {
			Images []struct{ ID, AltText string }
		}
		Article *struct{ Source, Title string }
	}
	if json.Unmarshal(raw, &c) != nil {
		return "ERROR :: /content :: invalid"
	}
	var images []struct{ ID, AltText string }
	switch {
	case c.Media != nil:
		images = append(images, *c.Media)
	case c.MultiImage != nil:
		if len(c.MultiImage.Images) < 2 || len(c.MultiImage.Images) > 20 {
			return "ERROR :: /content/multiImage/images :: must have 2 to 20 images"
		}
		images = c.MultiImage.Images
	case c.Article != nil:
		if u, err := url.Parse(c.Article.Source); err != nil || u.Scheme == "" || c.Article.Title == "" {
			return "ERROR :: /content/article :: source and title are required"
		}
	}
	for _, im := range images {
		img, ok := s.images[im.ID]
		if !ok || !img.uploaded {
			return "ERROR :: /content :: image " + im.ID + " is not available"
		}
		if len([]rune(im.AltText)) > 4086 {
			return "ERROR :: /content :: altText is too long"
		}
	}
	return ""
}

// index serves GET / without credentials: what the fake holds, as JSON, so
// a newcomer running the demo can see what was published.
func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	fakekit.Index(w, "linkedin", map[string]any{"organization": Organization, "posts": s.Posts()})
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("q") != "author" || r.Header.Get("X-RestLi-Method") != "FINDER" {
		apiErr(w, 400, "ILLEGAL_ARGUMENT", "finder required")
		return
	}
	count, _ := strconv.Atoi(q.Get("count"))
	if count <= 0 || count > 100 {
		count = 10
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	posts := append([]*Post(nil), s.posts...)
	sort.SliceStable(posts, func(i, j int) bool { return posts[i].CreatedAt.After(posts[j].CreatedAt) })
	out := []map[string]any{}
	if q.Get("author") == Organization {
		for _, p := range posts {
			if len(out) == count {
				break
			}
			item := map[string]any{"id": p.URN, "author": Organization, "commentary": p.Commentary,
				"createdAt": p.CreatedAt.UnixMilli(), "publishedAt": p.CreatedAt.UnixMilli(), "lifecycleState": "PUBLISHED"}
			if len(p.Content) > 0 {
				item["content"] = p.Content
			}
			out = append(out, item)
		}
	}
	writeJSON(w, 200, map[string]any{"elements": out, "paging": map[string]int{"start": 0, "count": count}})
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request) {
	urn := r.PathValue("urn") // the mux unescapes %3A
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, p := range s.posts {
		if p.URN == urn {
			s.posts = append(s.posts[:i], s.posts[i+1:]...)
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	apiErr(w, 404, "NOT_FOUND", "Not Found")
}

func (s *Server) initImage(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("action") != "initializeUpload" {
		apiErr(w, 400, "ILLEGAL_ARGUMENT", "unknown action")
		return
	}
	var in struct {
		InitializeUploadRequest struct{ Owner string }
	}
	if json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in) != nil || in.InitializeUploadRequest.Owner != Organization {
		apiErr(w, 403, "ACCESS_DENIED", "owner not allowed")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	urn := "urn:li:image:D4E10AQ" + strconv.Itoa(s.next)
	s.images[urn] = &Image{URN: urn}
	writeJSON(w, 200, map[string]any{"value": map[string]any{"uploadUrlExpiresAt": s.clock.Now().Add(time.Hour).UnixMilli(),
		"uploadUrl": s.URL + "/upload/" + url.PathEscape(urn), "image": urn}})
}

func (s *Server) putImage(w http.ResponseWriter, r *http.Request) {
	data, _ := io.ReadAll(io.LimitReader(r.Body, 40<<20))
	s.mu.Lock()
	defer s.mu.Unlock()
	im, ok := s.images[r.PathValue("urn")]
	if !ok || len(data) == 0 {
		w.WriteHeader(400)
		return
	}
	im.Size, im.uploaded = len(data), true
	w.WriteHeader(201)
}

func (s *Server) getImage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	im, ok := s.images[r.PathValue("urn")]
	if !ok {
		apiErr(w, 404, "NOT_FOUND", "Not Found")
		return
	}
	status := "WAITING_UPLOAD"
	if im.uploaded {
		status = "AVAILABLE"
	}
	writeJSON(w, 200, map[string]any{"id": im.URN, "status": status, "owner": Organization})
}

func (s *Server) acls(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, map[string]any{"elements": []map[string]string{
		{"organization": Organization, "role": "ADMINISTRATOR", "state": "APPROVED", "roleAssignee": "urn:li:person:abc"}}})
}

func (s *Server) org(w http.ResponseWriter, r *http.Request) {
	if "urn:li:organization:"+r.PathValue("id") != Organization {
		apiErr(w, 404, "NOT_FOUND", "Not Found")
		return
	}
	writeJSON(w, 200, map[string]any{"id": 5515715, "localizedName": "Ministry of Foreign Affairs of Viet Nam", "vanityName": "mofa-vietnam"})
}

// authorize stands for LinkedIn's consent page: the member approves at once
// and the browser goes back to redirect_uri with a code and the state.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case q.Get("response_type") != "code":
		writeJSON(w, 400, map[string]string{"error": "invalid_request", "error_description": "response_type must be code"})
		return
	case s.clientID == "" || q.Get("client_id") != s.clientID:
		writeJSON(w, 401, map[string]string{"error": "invalid_client", "error_description": "Client authentication failed"})
		return
	case err != nil || redirect.Scheme == "" || redirect.Host == "":
		writeJSON(w, 400, map[string]string{"error": "invalid_redirect_uri", "error_description": "Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code"})
		return
	}
	s.next++
	code := "AQ-code-" + strconv.Itoa(s.next)
	s.codes[code] = q.Get("redirect_uri")
	v := redirect.Query()
	v.Set("code", code)
	v.Set("state", q.Get("state"))
	redirect.RawQuery = v.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// redeemLocked answers grant_type=authorization_code: a code is good once,
// with the redirect URI it was issued for. It issues the access token the
// API accepts from then on, and the refresh token.
func (s *Server) redeemLocked(w http.ResponseWriter, r *http.Request) {
	code := r.PostForm.Get("code")
	redirect, ok := s.codes[code]
	delete(s.codes, code)
	if !ok || redirect != r.PostForm.Get("redirect_uri") {
		writeJSON(w, 400, map[string]string{"error": "invalid_request", "error_description": "Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. Or authorization code expired."})
		return
	}
	s.refreshes++
	s.token = "AQV-granted-" + strconv.Itoa(s.refreshes) + "-" + strconv.FormatInt(s.clock.Now().UnixNano(), 36)
	if s.refresh == "" {
		s.refresh = "AQX-refresh-" + strconv.FormatInt(s.clock.Now().UnixNano(), 36)
	}
	writeJSON(w, 200, map[string]any{"access_token": s.token, "expires_in": 5184000,
		"refresh_token": s.refresh, "refresh_token_expires_in": 31536000})
}

// SetCounts sets the likes, reposts and comments of the post urn.
func (s *Server) SetCounts(urn string, likes, reposts, comments int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.posts {
		if p.URN == urn {
			p.Likes, p.Reposts, p.Comments = likes, reposts, comments
			return true
		}
	}
	return false
}

// SetViews sets the impressions and unique impressions of the post urn.
func (s *Server) SetViews(urn string, impressions, unique int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.posts {
		if p.URN == urn {
			p.Impressions, p.Unique = impressions, unique
			return true
		}
	}
	return false
}

// DenyStatistics makes share statistics answer 403, as LinkedIn does to a
// token without rw_organization_admin or a member who is not the page's
// ADMINISTRATOR.
func (s *Server) DenyStatistics(deny bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denyStats = deny
}

// LimitNextStatistics makes the next share statistics read answer 429.
func (s *Server) LimitNextStatistics() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limitStats = true
}

// shareStatistics answers the lifetime statistics finder for the
// organisation's posts listed in shares=List(…) or ugcPosts=List(…):
// one element per post of the organisation created in the last twelve
// months; other organisations' are refused with 403, as LinkedIn does.
func (s *Server) shareStatistics(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.limitStats {
		s.limitStats = false
		apiErr(w, 429, "TOO_MANY_REQUESTS", "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.")
		return
	}
	if s.denyStats {
		apiErr(w, 403, "ACCESS_DENIED", "Not enough permissions to access: organizationalEntityShareStatistics.GET.20250401")
		return
	}
	if q.Get("q") != "organizationalEntity" || q.Get("organizationalEntity") == "" {
		apiErr(w, 400, "ILLEGAL_ARGUMENT", "Invalid finder or missing organizationalEntity")
		return
	}
	if q.Get("organizationalEntity") != Organization {
		apiErr(w, 403, "ACCESS_DENIED", "Not enough permissions to access organizationalEntity")
		return
	}
	if q.Has("timeIntervals") {
		apiErr(w, 400, "ILLEGAL_ARGUMENT", "the fake serves lifetime statistics only")
		return
	}
	elements := []map[string]any{}
	for _, param := range []string{"shares", "ugcPosts"} {
		v := q.Get(param)
		if v == "" {
			continue
		}
		inner, ok := strings.CutPrefix(v, "List(")
		if !ok || !strings.HasSuffix(inner, ")") {
			apiErr(w, 400, "ILLEGAL_ARGUMENT", "Malformed parameter "+param)
			return
		}
		for _, urn := range strings.Split(strings.TrimSuffix(inner, ")"), ",") {
			for _, p := range s.posts {
				if p.URN != urn || p.CreatedAt.Before(s.clock.Now().AddDate(-1, 0, 0)) {
					continue
				}
				key := "share"
				if param == "ugcPosts" {
					key = "ugcPost"
				}
				engagement := 0.0
				if p.Impressions > 0 {
					engagement = float64(p.Likes+p.Comments+p.Reposts) / float64(p.Impressions)
				}
				elements = append(elements, map[string]any{key: p.URN, "organizationalEntity": Organization,
					"totalShareStatistics": map[string]any{"shareCount": p.Reposts, "impressionCount": p.Impressions,
						"uniqueImpressionsCount": p.Unique, "likeCount": p.Likes, "commentCount": p.Comments,
						"clickCount": 0, "engagement": engagement}})
			}
		}
	}
	writeJSON(w, 200, map[string]any{"paging": map[string]any{"count": 10, "start": 0, "links": []any{}}, "elements": elements})
}

// LimitNextRead makes the next social-actions read answer 429, without
// a header, as LinkedIn does.
func (s *Server) LimitNextRead() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limitRead = true
}

func (s *Server) socialActions(w http.ResponseWriter, r *http.Request) {
	urn := r.PathValue("urn")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.limitRead {
		s.limitRead = false
		apiErr(w, 429, "TOO_MANY_REQUESTS", "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.")
		return
	}
	for _, p := range s.posts {
		if p.URN == urn {
			writeJSON(w, 200, map[string]any{"target": p.URN,
				"likesSummary":    map[string]any{"totalLikes": p.Likes, "aggregatedTotalLikes": p.Likes, "likedByCurrentUser": false},
				"commentsSummary": map[string]any{"totalFirstLevelComments": p.Comments, "aggregatedTotalComments": p.Comments}})
			return
		}
	}
	apiErr(w, 404, "NOT_FOUND", "Not Found")
}
