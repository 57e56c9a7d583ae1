package httpx

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/mofa-vn/chancery/internal/fault"
)

// Chain wraps h in middleware, the first being the outermost.
func Chain(h http.Handler, mw ...func(http.Handler) http.Handler) http.Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// Recover turns a panic in a handler into a logged 500 page, so one bad
// request never takes the server down. http.ErrAbortHandler is let through:
// it is how a handler aborts a response on purpose.
func (h *Kit) Recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw, ok := w.(*statusWriter)
		if !ok {
			rw = &statusWriter{ResponseWriter: w}
			w = rw
		}
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(p)
			}
			h.Log.ErrorContext(r.Context(), "panic in handler", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if rw.status != 0 {
				return // headers are gone; nothing sensible to add
			}
			h.Fail(w, r, &fault.Problem{Kind: fault.ErrInternal, Key: "error_internal"})
		}()
		next.ServeHTTP(w, r)
	})
}

// cspRest is the part of the Content-Security-Policy after script-src and
// style-src, the same for every page.
const cspRest = "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; font-src 'self'; " +
	"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// StaticCSP is the Content-Security-Policy of pages served from a cache:
// they carry no inline script or style, so it allows same-origin scripts
// and styles by address instead of by a per-response nonce, which a cached
// page could not have (JSON-LD is a data block, not run, so CSP does not
// apply to it). It is otherwise the same as the nonce policy.
const StaticCSP = "default-src 'self'; script-src 'self'; style-src 'self'; " + cspRest

// SecurityHeaders sets a strict CSP with a fresh nonce per request and the
// other protective headers. media reports the paths (conference rooms) that
// may use the camera, microphone and screen capture.
func (h *Kit) SecurityHeaders(media func(path string) bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hdr := w.Header()
			nonce := ""
			if isStaticPage(r.Context()) {
				hdr.Set("Content-Security-Policy", StaticCSP)
			} else {
				var b [18]byte
				_, _ = rand.Read(b[:])
				nonce = base64.RawURLEncoding.EncodeToString(b[:]) // no "+" for html/template to escape
				hdr.Set("Content-Security-Policy", "default-src 'self'; "+
					"script-src 'nonce-"+nonce+"' 'strict-dynamic'; "+
					"style-src 'self' 'nonce-"+nonce+"'; "+cspRest)
			}
			hdr.Set("X-Content-Type-Options", "nosniff")
			hdr.Set("X-Frame-Options", "DENY")
			hdr.Set("Referrer-Policy", "strict-origin-when-cross-origin")
			hdr.Set("Cross-Origin-Opener-Policy", "same-origin")
			if media != nil && media(r.URL.Path) {
				hdr.Set("Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), usb=()")
			} else {
				hdr.Set("Permissions-Policy", "camera=(), microphone=(), display-capture=(), geolocation=(), payment=(), usb=()")
			}
			if r.TLS != nil {
				hdr.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
			}
			if nonce == "" {
				next.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), nonceKey, nonce)))
		})
	}
}

// LimitBody caps request bodies; reading past the cap fails with
// *http.MaxBytesError, which Fail answers with 413.
func LimitBody(limit int64) func(http.Handler) http.Handler {
	return LimitBodyFunc(func(*http.Request) int64 { return limit })
}

// LimitBodyFunc caps each request's body at what limit says for it.
func LimitBodyFunc(limitOf func(*http.Request) int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			limit := limitOf(r)
			if r.ContentLength > limit {
				// Refuse before reading anything.
				r.Body = http.MaxBytesReader(w, r.Body, 0)
			} else {
				r.Body = http.MaxBytesReader(w, r.Body, limit)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// CrossOrigin refuses state-changing requests that a browser sent from
// another origin (CSRF), answering in the user's language.
func (h *Kit) CrossOrigin() func(http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.Fail(w, r, &fault.Problem{Kind: fault.ErrForbidden, Key: "error_cross_origin"})
	}))
	return cop.Handler
}

// ClientIP returns the address of the client: the connection's peer, or the
// nearest untrusted hop of X-Forwarded-For behind a trusted proxy.
func (h *Kit) ClientIP(r *http.Request) string {
	if h.TrustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if ip := net.ParseIP(strings.TrimSpace(parts[len(parts)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// statusWriter records the status code for metrics and recovery. It keeps
// the optional interfaces (Flush, Hijack) reachable for WebSockets and
// streaming, directly and through Unwrap.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	route  string // the matched route pattern, for metrics (SetRoute)
}

// SetRoute records the route pattern the request matched.
func (w *statusWriter) SetRoute(pattern string) { w.route = pattern }

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Flush() {
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil && w.status == 0 {
		w.status = http.StatusSwitchingProtocols
	}
	return c, rw, err
}
