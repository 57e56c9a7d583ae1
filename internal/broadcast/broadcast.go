package broadcast

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

// Content types of RFC 9725.
const (
	typeSDP     = "application/sdp"
	typeSDPFrag = "application/trickle-ice-sdpfrag"
)

// DefaultMaxViewers bounds the WHEP viewers one server serves at once.
const DefaultMaxViewers = 500

// answerTimeout bounds the answer to one offer (ICE gathering included).
const answerTimeout = 10 * time.Second

// Params are the dependencies of the broadcast handlers.
type Params struct {
	SFU *sfu.Server
	DB  *store.DB
	Kit *httpx.Kit
	// Now is the clock of schedules and token times (nil: time.Now).
	Now func() time.Time
	// MaxViewers bounds the WHEP viewers served at once
	// (0: DefaultMaxViewers).
	MaxViewers int
	// Moderates reports whether a viewer moderates a room, and so may
	// issue and revoke its WHIP tokens: the conference's rule
	// (conference.Moderates), which this package must not import.
	// Required.
	Moderates func(ctx context.Context, v *httpx.Viewer, room store.Room) (bool, error)
}

// Handlers serve WHEP, WHIP, the token management and the live page.
type Handlers struct {
	p Params

	mu  sync.Mutex
	res map[string]*resource // by id
}

// resource is one WHEP or WHIP session, as its Location names it.
type resource struct {
	id      string
	kind    string // "whep" or "whip"
	room    string
	tokenID int64 // WHIP: the token that created it
	session sfu.Session

	mu   sync.Mutex
	etag string
}

func (r *resource) tag() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.etag
}

func (r *resource) retag() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.etag = newETag()
	return r.etag
}

// New returns the handlers.
func New(p Params) *Handlers {
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.MaxViewers <= 0 {
		p.MaxViewers = DefaultMaxViewers
	}
	if p.Moderates == nil {
		panic("broadcast: Params.Moderates is required")
	}
	return &Handlers{p: p, res: map[string]*resource{}}
}

// Managers are the staff roles that may issue WHIP tokens, in the rooms
// they moderate (administrators: every room).
var Managers = []account.Role{account.RoleAdmin, account.RoleProtocolOfficer, account.RoleChair}

// Routes lists every route of the broadcast area.
func (h *Handlers) Routes(mux *httpx.Router) {
	// Public: WHEP needs no sign-in; the room must belong to a public
	// session, which each request checks.
	mux.HandleFunc("OPTIONS /whep/{room}", h.options)
	mux.HandleFunc("POST /whep/{room}", h.whepPost)
	mux.HandleFunc("OPTIONS /whep/{room}/{id}", h.options)
	mux.HandleFunc("PATCH /whep/{room}/{id}", h.patch)
	mux.HandleFunc("DELETE /whep/{room}/{id}", h.delete)
	mux.HandleFunc("GET /{lang}/events/{slug}/live", h.livePage)
	mux.HandleFunc("GET /{lang}/rooms/{slug}/live", h.roomLivePage)
	// Encoders: a bearer token per room, checked on every request.
	mux.HandleFunc("OPTIONS /whip/{room}", h.options)
	mux.HandleFunc("POST /whip/{room}", h.whipPost)
	mux.HandleFunc("OPTIONS /whip/{room}/{id}", h.options)
	mux.HandleFunc("PATCH /whip/{room}/{id}", h.patch)
	mux.HandleFunc("DELETE /whip/{room}/{id}", h.delete)
	// Staff: each handler checks that the viewer moderates the room.
	staff := auth.Require(h.p.Kit, Managers...)
	mux.Handle("POST /admin/rooms/{slug}/whip", staff(http.HandlerFunc(h.issueForm)))
	mux.Handle("POST /admin/rooms/{slug}/whip/{id}/revoke", staff(http.HandlerFunc(h.revokeForm)))
	mux.Handle("GET /admin/rooms/{slug}/broadcast", staff(http.HandlerFunc(h.managePage)))
	mux.Handle("GET /api/v1/rooms/{slug}/whip-tokens", staff(http.HandlerFunc(h.apiList)))
	mux.Handle("POST /api/v1/rooms/{slug}/whip-tokens", staff(http.HandlerFunc(h.apiIssue)))
	mux.Handle("DELETE /api/v1/rooms/{slug}/whip-tokens/{id}", staff(http.HandlerFunc(h.apiRevoke)))
}

// Close ends every WHEP and WHIP session.
func (h *Handlers) Close() {
	h.mu.Lock()
	rs := make([]*resource, 0, len(h.res))
	for _, r := range h.res {
		rs = append(rs, r)
	}
	h.mu.Unlock()
	for _, r := range rs {
		r.session.Close()
	}
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newETag() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return `"` + hex.EncodeToString(b) + `"`
}

// add registers a new session's resource and forgets it when the session
// ends.
func (h *Handlers) add(kind, room string, tokenID int64, s sfu.Session) *resource {
	r := &resource{id: newID(), kind: kind, room: room, tokenID: tokenID, session: s, etag: newETag()}
	h.mu.Lock()
	h.res[r.id] = r
	h.mu.Unlock()
	go func() {
		<-s.Done()
		h.mu.Lock()
		delete(h.res, r.id)
		h.mu.Unlock()
	}()
	return r
}

// lookup returns the resource of the request's kind, {room} and {id}.
func (h *Handlers) lookup(r *http.Request) *resource {
	kind := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")[0]
	h.mu.Lock()
	defer h.mu.Unlock()
	res := h.res[r.PathValue("id")]
	if res == nil || res.kind != kind || res.room != r.PathValue("room") {
		return nil
	}
	return res
}

// Counts returns how many WHEP and WHIP sessions are open.
func (h *Handlers) Counts() (whep, whip int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range h.res {
		if r.kind == "whep" {
			whep++
		} else {
			whip++
		}
	}
	return whep, whip
}

// mediaType returns the request's content type without parameters.
// offerOf reads and checks the SDP offer of a WHIP or WHEP POST: 415 for
// another media type, 413 for one too large, 400 for one that is not an
// offer (RFC 9725 §4.2).
func offerOf(r *http.Request) (string, error) {
	if mediaType(r) != typeSDP {
		return "", statusErr(http.StatusUnsupportedMediaType, "broadcast_error_sdp_type")
	}
	offer, err := readBody(r, maxSDP)
	if err != nil {
		return "", bodyErr(err)
	}
	if err := checkOffer(offer); err != nil {
		return "", statusErr(http.StatusBadRequest, "broadcast_error_bad_sdp")
	}
	return offer, nil
}

// answerWith runs the SFU's side of a WHIP or WHEP POST, open, within
// answerTimeout, and turns what every session refuses into its status: an
// offer the SFU cannot answer 400, a closing server 503. Other errors
// come back as they are, for the caller's own statuses.
func answerWith[S any](r *http.Request, open func(ctx context.Context) (S, string, error)) (S, string, error) {
	ctx, cancel := context.WithTimeout(r.Context(), answerTimeout)
	defer cancel()
	s, answer, err := open(ctx)
	switch {
	case errors.Is(err, sfu.ErrBadOffer):
		err = statusErr(http.StatusBadRequest, "broadcast_error_bad_sdp")
	case errors.Is(err, sfu.ErrClosed):
		err = errFull(30)
	}
	return s, answer, err
}

// errFull is a refusal for want of room: 503, to try again in seconds.
func errFull(seconds int) error {
	return &httpError{status: http.StatusServiceUnavailable, key: "broadcast_error_full", retryAfter: seconds}
}

func mediaType(r *http.Request) string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return mt
}

// readBody reads at most limit bytes of the body; more is errTooLarge.
func readBody(r *http.Request, limit int64) (string, error) {
	if r.ContentLength > limit {
		return "", errTooLarge
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return "", errTooLarge
	}
	if err != nil {
		return "", fmt.Errorf("broadcast: read body: %w", err)
	}
	if int64(len(b)) > limit {
		return "", errTooLarge
	}
	return string(b), nil
}

var errTooLarge = errors.New("broadcast: body too large")

// iceLinks are the Link header values that announce the ICE servers
// (RFC 9725 §4.6), with their credentials.
func iceLinks(servers []webrtc.ICEServer) []string {
	var out []string
	for _, s := range servers {
		for _, u := range s.URLs {
			v := "<" + u + `>; rel="ice-server"`
			if s.Username != "" {
				v += `; username="` + quote(s.Username) + `"; credential="` + quote(fmt.Sprint(s.Credential)) + `"; credential-type="password"`
			}
			out = append(out, v)
		}
	}
	return out
}

func quote(s string) string { return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) }

// cors lets browser players on other origins read the answer and its
// headers (the WHEP draft §4.1; RFC 9725 §4.1 for WHIP).
func cors(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", "*")
	hd.Set("Access-Control-Allow-Methods", "OPTIONS, POST, PATCH, DELETE")
	hd.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, If-Match")
	hd.Set("Access-Control-Expose-Headers", "Location, ETag, Link, Accept-Patch, Accept-Post, Retry-After, Broadcast-State, Interpretation-Ducking")
}

// options answers a preflight or a capability query: what POST and PATCH
// take. It never creates a session (RFC 9725 §4.2).
func (h *Handlers) options(w http.ResponseWriter, r *http.Request) {
	cors(w)
	if r.PathValue("id") == "" {
		w.Header().Set("Accept-Post", typeSDP)
		w.Header().Set("Allow", "OPTIONS, POST")
	} else {
		w.Header().Set("Accept-Patch", typeSDPFrag)
		w.Header().Set("Allow", "OPTIONS, PATCH, DELETE")
	}
	w.Header().Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
}

// created answers a POST that opened res with the SDP answer.
func (h *Handlers) created(w http.ResponseWriter, res *resource, answer string) {
	cors(w)
	hd := w.Header()
	hd.Set("Location", "/"+res.kind+"/"+url.PathEscape(res.room)+"/"+res.id)
	hd.Set("ETag", res.tag())
	hd.Set("Accept-Patch", typeSDPFrag)
	hd.Set("Content-Type", typeSDP)
	hd.Set("Cache-Control", "no-store")
	for _, l := range iceLinks(h.p.SFU.ICEServers()) {
		hd.Add("Link", l)
	}
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, answer)
}

// patch trickles candidates (204) or restarts ICE (200 with the server's
// new fragment), as RFC 9725 §4.3 describes.
func (h *Handlers) patch(w http.ResponseWriter, r *http.Request) {
	cors(w)
	res := h.lookup(r)
	if res == nil {
		h.fail(w, r, statusErr(http.StatusNotFound, "broadcast_error_no_session"))
		return
	}
	if res.kind == "whip" && !h.authorised(w, r, res) {
		return
	}
	if mediaType(r) != typeSDPFrag {
		h.fail(w, r, statusErr(http.StatusUnsupportedMediaType, "broadcast_error_frag_type"))
		return
	}
	body, err := readBody(r, maxFrag)
	if err != nil {
		h.fail(w, r, bodyErr(err))
		return
	}
	frag, err := parseFrag(body)
	if err != nil {
		h.fail(w, r, statusErr(http.StatusBadRequest, "broadcast_error_bad_frag"))
		return
	}
	match := r.Header.Get("If-Match")
	if frag.ufrag != "" {
		// An ICE restart: RFC 9725 §4.3.2 asks for If-Match: "*".
		if match != "*" && match != res.tag() {
			h.fail(w, r, statusErr(http.StatusPreconditionRequired, "broadcast_error_if_match"))
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), answerTimeout)
		defer cancel()
		local, err := res.session.Restart(ctx, frag.ufrag, frag.pwd)
		if err != nil {
			h.fail(w, r, statusErr(http.StatusBadRequest, "broadcast_error_bad_frag"))
			return
		}
		for _, c := range frag.candidates {
			_ = res.session.AddCandidate(c)
		}
		w.Header().Set("ETag", res.retag())
		w.Header().Set("Content-Type", typeSDPFrag)
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, localFrag(local))
		return
	}
	if match != "" && match != "*" && match != res.tag() {
		h.fail(w, r, statusErr(http.StatusPreconditionFailed, "broadcast_error_etag"))
		return
	}
	for _, c := range frag.candidates {
		if err := res.session.AddCandidate(c); err != nil {
			h.fail(w, r, statusErr(http.StatusBadRequest, "broadcast_error_bad_frag"))
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// localFrag is the server's side of an ICE restart: its new credentials
// and candidates, from its new local description.
func localFrag(local string) string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, line := range strings.Split(local, "\n") {
		line = strings.TrimRight(line, "\r")
		switch {
		case strings.HasPrefix(line, "a=ice-ufrag:"), strings.HasPrefix(line, "a=ice-pwd:"), strings.HasPrefix(line, "a=ice-options:"):
			if !seen[line] {
				seen[line] = true
				b.WriteString(line + "\r\n")
			}
		}
	}
	mid := ""
	for _, line := range strings.Split(local, "\n") {
		line = strings.TrimRight(line, "\r")
		switch {
		case strings.HasPrefix(line, "m="):
			mid = ""
			b.WriteString(line + "\r\n")
		case strings.HasPrefix(line, "a=mid:") && mid == "":
			mid = line
			b.WriteString(line + "\r\n")
		case strings.HasPrefix(line, "a=candidate:"), line == "a=end-of-candidates":
			b.WriteString(line + "\r\n")
		}
	}
	return b.String()
}

// delete ends the session (RFC 9725 §4.2: 200 OK).
func (h *Handlers) delete(w http.ResponseWriter, r *http.Request) {
	cors(w)
	res := h.lookup(r)
	if res == nil {
		h.fail(w, r, statusErr(http.StatusNotFound, "broadcast_error_no_session"))
		return
	}
	if res.kind == "whip" && !h.authorised(w, r, res) {
		return
	}
	res.session.Close()
	h.mu.Lock()
	delete(h.res, res.id)
	h.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}
