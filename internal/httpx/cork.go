package httpx

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"sync"
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
