package httpx

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// CorkListener wraps every accepted connection so that a handler can send
// a whole response in one write (Cork), the way nginx's tcp_nopush does.
//
// net/http buffers at most 4 KiB per connection before writing, so a page
// of 7 kB leaves in two writes, two TCP segments and, on the other side,
// often two wake-ups; answering from memory, those writes are most of what
// a request costs.
func CorkListener(ln net.Listener) net.Listener { return corkListener{ln} }

type corkListener struct{ net.Listener }

func (l corkListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &corkConn{Conn: c}, nil
}

// corkConn holds what is written while corked and writes it at once when
// uncorked.
type corkConn struct {
	net.Conn
	mu     sync.Mutex
	corked bool
	buf    []byte
	// head and body, when set, replace what net/http wrote while corked
	// (Preformatted).
	head, body []byte
}

func (c *corkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if c.corked {
		c.buf = append(c.buf, p...)
		c.mu.Unlock()
		return len(p), nil
	}
	c.mu.Unlock()
	return c.Conn.Write(p)
}

// ReadFrom keeps sendfile and splice for the uncorked connection.
func (c *corkConn) ReadFrom(r io.Reader) (int64, error) {
	c.uncork()
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

// CloseWrite half-closes the connection, as net/http does before closing
// one it must not read from any more.
func (c *corkConn) CloseWrite() error {
	c.uncork()
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (c *corkConn) Close() error {
	c.uncork()
	return c.Conn.Close()
}

func (c *corkConn) cork() {
	c.mu.Lock()
	c.corked = true
	c.mu.Unlock()
}

// uncork writes what was held in one write. A failed write closes the
// connection, so net/http sees the error at its next read or write.
func (c *corkConn) uncork() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.corked {
		return
	}
	c.corked = false
	if c.head != nil {
		c.substitute()
	}
	if len(c.buf) == 0 {
		return
	}
	_, err := c.Conn.Write(c.buf)
	if cap(c.buf) > 64<<10 {
		c.buf = nil // do not keep a large page's buffer for an idle connection
	} else {
		c.buf = c.buf[:0]
	}
	if err != nil {
		_ = c.Conn.Close()
	}
}

type corkKey struct{}

// CorkContext is an http.Server's ConnContext: it lets handlers of the
// connection find it (through TLS too).
func CorkContext(ctx context.Context, c net.Conn) context.Context {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if cc, ok := c.(*corkConn); ok {
		return context.WithValue(ctx, corkKey{}, cc)
	}
	return ctx
}

// Cork makes the response to r leave in one write: it holds everything the
// connection writes until the returned function runs, which the handler
// calls once the whole response is written and flushed
// (http.ResponseController.Flush). It returns nil when r's connection
// cannot be corked (not from a CorkListener, or HTTP/2, whose frames other
// goroutines write).
func Cork(r *http.Request) (uncork func()) {
	if r.ProtoMajor != 1 {
		return nil
	}
	c, _ := r.Context().Value(corkKey{}).(*corkConn)
	if c == nil {
		return nil
	}
	c.cork()
	return c.uncork
}

// Preformatted answers r with a response made in advance. It saves most of
// what answering from memory costs: net/http's handling of the header map
// (cloning, sorting, checking and writing each field) is done once, when
// the response is made, rather than on every request.
//
// head is the status line and header fields of an HTTP/1.1 response, each
// line ending in CRLF, without Date, Connection or the blank line; body is
// the whole body, its length given in head's Content-Length. Preformatted
// adds the Date and, when net/http would close the connection after this
// response, Connection: close.
//
// It reports false, having done nothing, when it cannot: a request other
// than an HTTP/1.1 GET (HEAD and HTTP/1.0 have their own rules), TLS
// (what net/http writes is encrypted before the connection sees it), a
// connection not from a CorkListener or corked already, or headers already
// set on w, which head would leave out.
//
// How: net/http answers with an empty response (Content-Length: 0) on the
// corked connection, so that its state (keep-alive, bytes written, the
// next request) is that of a complete response; the connection then sends
// head, Date and body in place of the bytes net/http wrote, in one write.
func Preformatted(w http.ResponseWriter, r *http.Request, head, body []byte) bool {
	if r.ProtoMajor != 1 || r.ProtoMinor != 1 || r.Method != http.MethodGet || r.TLS != nil || head == nil {
		return false
	}
	c, _ := r.Context().Value(corkKey{}).(*corkConn)
	if c == nil {
		return false
	}
	h := w.Header()
	if len(h) != 0 {
		return false
	}
	c.mu.Lock()
	if c.corked {
		c.mu.Unlock()
		return false
	}
	c.corked = true
	c.head, c.body = head, body
	c.mu.Unlock()
	h["Content-Length"] = zeroLength
	h["Date"] = noDate // net/http need not format a date it will not send
	w.WriteHeader(http.StatusOK)
	_ = http.NewResponseController(w).Flush()
	c.uncork()
	return true
}

var (
	zeroLength      = []string{"0"}
	noDate          = []string{""}
	connectionClose = []byte("\r\nConnection: close\r\n")
)

// substitute replaces what net/http wrote while corked, an empty response,
// with the preformatted one. net/http says Connection: close in its
// response when it will close the connection after it (the client asked,
// or the server is shutting down), so the replacement says it too.
func (c *corkConn) substitute() {
	closing := bytes.Contains(c.buf, connectionClose)
	c.buf = append(c.buf[:0], c.head...)
	c.buf = appendDate(c.buf)
	if closing {
		c.buf = append(c.buf, connectionClose[2:]...)
	}
	c.buf = append(c.buf, "\r\n"...)
	c.buf = append(c.buf, c.body...)
	c.head, c.body = nil, nil
}

// date is the Date header line of the current second, made once a second
// rather than once a response, as nginx does.
var date atomic.Pointer[dateLine]

type dateLine struct {
	sec  int64
	line []byte
}

func appendDate(b []byte) []byte {
	now := time.Now()
	d := date.Load()
	if d == nil || d.sec != now.Unix() {
		line := now.UTC().AppendFormat([]byte("Date: "), http.TimeFormat)
		d = &dateLine{sec: now.Unix(), line: append(line, "\r\n"...)}
		date.Store(d)
	}
	return append(b, d.line...)
}
