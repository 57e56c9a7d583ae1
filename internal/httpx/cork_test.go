package httpx

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// writeCounter counts the writes that reach the network.
type writeCounter struct {
	net.Listener
	writes atomic.Int64
}

func (l *writeCounter) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countedConn{Conn: c, n: &l.writes}, nil
}

type countedConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countedConn) Write(p []byte) (int, error) {
	c.n.Add(1)
	return c.Conn.Write(p)
}

// serveCorked serves h on loopback behind CorkListener, counting writes.
func serveCorked(t *testing.T, h http.Handler) (*httptest.Server, *writeCounter) {
	t.Helper()
	ts, wc := corkedServer(t, h)
	ts.Start()
	return ts, wc
}

// corkedServer is an unstarted server of h behind CorkListener on loopback,
// counting writes, closed when the test ends.
func corkedServer(t *testing.T, h http.Handler) (*httptest.Server, *writeCounter) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	wc := &writeCounter{Listener: ln}
	ts := &httptest.Server{Listener: CorkListener(wc), Config: &http.Server{Handler: h, ConnContext: CorkContext}}
	t.Cleanup(ts.Close)
	return ts, wc
}

// page writes a 12 kB page in three parts, corked or not.
func page(cork bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cork {
			if uncork := Cork(r); uncork != nil {
				defer uncork()
				defer func() { _ = http.NewResponseController(w).Flush() }()
			}
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", "12000")
		for range 3 {
			_, _ = io.WriteString(w, strings.Repeat("x", 4000))
			_ = http.NewResponseController(w).Flush()
		}
	})
}

// get sends n requests on one keep-alive connection and checks each
// response.
func get(t *testing.T, addr string, n int) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for range n {
		if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || len(b) != 12000 || strings.Trim(string(b), "x") != "" {
			t.Fatalf("body of %d bytes, %v", len(b), err)
		}
	}
}

func TestCorkSendsAResponseInOneWrite(t *testing.T) {
	ts, wc := serveCorked(t, page(true))
	get(t, ts.Listener.Addr().String(), 5)
	if n := wc.writes.Load(); n != 5 {
		t.Errorf("5 corked responses took %d writes, want 5", n)
	}

	// The same page uncorked leaves in several writes: the count above
	// is the cork's doing.
	ts, wc = serveCorked(t, page(false))
	get(t, ts.Listener.Addr().String(), 5)
	if n := wc.writes.Load(); n < 10 {
		t.Errorf("5 uncorked responses took %d writes, want one per flush", n)
	}
}

// serveCorkedTLS serves h over TLS behind CorkListener, counting writes,
// with a client that speaks HTTP/1.1 to it.
func serveCorkedTLS(t *testing.T, h http.Handler) (*httptest.Server, *http.Client, *writeCounter) {
	t.Helper()
	ts, wc := corkedServer(t, h)
	ts.StartTLS()
	client := ts.Client()
	client.Transport.(*http.Transport).ForceAttemptHTTP2 = false
	client.Transport.(*http.Transport).TLSClientConfig.NextProtos = []string{"http/1.1"}
	return ts, client, wc
}

func TestCorkUnderTLS(t *testing.T) {
	ts, client, wc := serveCorkedTLS(t, page(true))
	// The handshake's writes happen before the request.
	res, err := client.Get(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	before := wc.writes.Load()
	for range 3 {
		res, err := client.Get(ts.URL)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if len(b) != 12000 {
			t.Fatalf("body of %d bytes", len(b))
		}
	}
	if n := wc.writes.Load() - before; n != 3 {
		t.Errorf("3 corked TLS responses took %d writes, want 3", n)
	}
}

func TestCorkOnlyForHTTP1OverACorkListener(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if Cork(r) != nil {
		t.Error("a request from no CorkListener was corked")
	}
	r.ProtoMajor = 2
	if Cork(r) != nil {
		t.Error("an HTTP/2 request was corked")
	}
}

// A connection closed while corked still sends what it held.
func TestCloseUncorks(t *testing.T) {
	a, b := net.Pipe()
	c := &corkConn{Conn: a}
	c.cork()
	done := make(chan []byte)
	go func() {
		got, _ := io.ReadAll(b)
		done <- got
	}()
	_, _ = c.Write([]byte("held "))
	_, _ = c.Write([]byte("until close"))
	_ = c.Close()
	if got := string(<-done); got != "held until close" {
		t.Errorf("read %q", got)
	}
}

// preformatted is a handler that answers with a response made in advance,
// or, when Preformatted cannot, through net/http with X-Path: net/http.
func preformatted(before func(http.ResponseWriter, *http.Request)) http.Handler {
	body := strings.Repeat("Bộ Ngoại giao ", 600)
	head := []byte("HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\nContent-Type: text/plain; charset=utf-8\r\nEtag: \"v1\"\r\n")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if before != nil {
			before(w, r)
		}
		if Preformatted(w, r, head, []byte(body)) {
			return
		}
		w.Header().Set("X-Path", "net/http")
		_, _ = io.WriteString(w, "fallback")
	})
}

// rawClient speaks HTTP/1.1 on one connection.
type rawClient struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawClient {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawClient{t: t, c: c, br: bufio.NewReader(c)}
}

func (rc *rawClient) send(s string) {
	rc.t.Helper()
	if _, err := io.WriteString(rc.c, s); err != nil {
		rc.t.Fatal(err)
	}
}

// read reads one response to a request with method, body and all, as
// sent: http.ReadResponse would take its Connection field away.
func (rc *rawClient) read(method string) (*http.Response, string) {
	rc.t.Helper()
	tp := textproto.NewReader(rc.br)
	status, err := tp.ReadLine()
	if err != nil {
		rc.t.Fatal(err)
	}
	hdr, err := tp.ReadMIMEHeader()
	if err != nil {
		rc.t.Fatal(err)
	}
	res := &http.Response{Status: status, Header: http.Header(hdr), ContentLength: -1}
	if _, code, ok := strings.Cut(status, " "); ok {
		res.StatusCode, _ = strconv.Atoi(code[:3])
	}
	if n, err := strconv.Atoi(hdr.Get("Content-Length")); err == nil {
		res.ContentLength = int64(n)
	}
	if method == http.MethodHead || res.ContentLength < 0 {
		return res, ""
	}
	b := make([]byte, res.ContentLength)
	if _, err := io.ReadFull(rc.br, b); err != nil {
		rc.t.Fatal(err)
	}
	return res, string(b)
}

// closed reports whether the server closed the connection.
func (rc *rawClient) closed() bool {
	_ = rc.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := rc.br.ReadByte()
	return err == io.EOF
}

func wantPreformatted(t *testing.T, res *http.Response, body string) {
	t.Helper()
	want := strings.Repeat("Bộ Ngoại giao ", 600)
	if res.StatusCode != http.StatusOK || body != want || res.Header.Get("X-Path") != "" {
		t.Fatalf("status %d, X-Path %q, body of %d bytes, want the preformatted one", res.StatusCode, res.Header.Get("X-Path"), len(body))
	}
	if res.Header.Get("Etag") != `"v1"` || res.Header.Get("Content-Type") != "text/plain; charset=utf-8" || res.ContentLength != int64(len(want)) {
		t.Errorf("headers %v", res.Header)
	}
	if _, err := http.ParseTime(res.Header.Get("Date")); err != nil || len(res.Header["Date"]) != 1 {
		t.Errorf("Date %q: %v", res.Header["Date"], err)
	}
}

func TestPreformattedKeepsTheConnection(t *testing.T) {
	ts, wc := serveCorked(t, preformatted(nil))
	rc := dialRaw(t, ts.Listener.Addr().String())
	for range 3 {
		rc.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		res, body := rc.read(http.MethodGet)
		wantPreformatted(t, res, body)
		if res.Header.Get("Connection") != "" {
			t.Errorf("a keep-alive request got Connection: %s", res.Header.Get("Connection"))
		}
	}
	// Pipelined: two requests in one packet, two answers in order.
	rc.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
	for range 2 {
		res, body := rc.read(http.MethodGet)
		wantPreformatted(t, res, body)
	}
	if n := wc.writes.Load(); n != 5 {
		t.Errorf("5 responses took %d writes, want 5", n)
	}
}

func TestPreformattedClosesWhenNetHTTPWould(t *testing.T) {
	var srv *http.Server
	ts, _ := serveCorked(t, preformatted(func(_ http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/shutdown" {
			srv.SetKeepAlivesEnabled(false) // as Shutdown does
		}
	}))
	srv = ts.Config
	addr := ts.Listener.Addr().String()

	rc := dialRaw(t, addr)
	rc.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	res, body := rc.read(http.MethodGet)
	wantPreformatted(t, res, body)
	if res.Header.Get("Connection") != "close" || !rc.closed() {
		t.Errorf("Connection: close asked: response says Connection %q", res.Header.Get("Connection"))
	}

	// A server shutting down closes after the response, and says so.
	rc = dialRaw(t, addr)
	rc.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if res, body := rc.read(http.MethodGet); res.Header.Get("Connection") != "" {
		t.Fatal("closed before the shutdown")
	} else {
		wantPreformatted(t, res, body)
	}
	rc.send("GET /shutdown HTTP/1.1\r\nHost: x\r\n\r\n")
	res, body = rc.read(http.MethodGet)
	wantPreformatted(t, res, body)
	if res.Header.Get("Connection") != "close" || !rc.closed() {
		t.Errorf("keep-alives off: response says Connection %q", res.Header.Get("Connection"))
	}
}

// What Preformatted does not answer goes through net/http.
func TestPreformattedLeavesTheRestToNetHTTP(t *testing.T) {
	ts, _ := serveCorked(t, preformatted(nil))
	rc := dialRaw(t, ts.Listener.Addr().String())
	for _, c := range []struct{ method, req string }{
		{"HEAD", "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"GET", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"},
	} {
		rc.send(c.req)
		res, body := rc.read(c.method)
		if res.Header.Get("X-Path") != "net/http" || (c.method == "GET" && body != "fallback") {
			t.Errorf("%q: X-Path %q, body %q", c.req, res.Header.Get("X-Path"), body)
		}
	}

	// Headers a middleware set would be lost: net/http sends them.
	ts, _ = serveCorked(t, preformatted(func(w http.ResponseWriter, _ *http.Request) { w.Header().Set("X-Request-Id", "7") }))
	rc = dialRaw(t, ts.Listener.Addr().String())
	rc.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if res, _ := rc.read(http.MethodGet); res.Header.Get("X-Path") != "net/http" || res.Header.Get("X-Request-Id") != "7" {
		t.Errorf("with a header set: %v", res.Header)
	}

	// Under TLS the connection sees only ciphertext.
	tlsTS, client, _ := serveCorkedTLS(t, preformatted(nil))
	res, err := client.Get(tlsTS.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.Header.Get("X-Path") != "net/http" || string(b) != "fallback" {
		t.Errorf("TLS: X-Path %q, body %q", res.Header.Get("X-Path"), b)
	}
}

// Many clients at once, on keep-alive connections, mixing preformatted
// answers with net/http's (HEAD) and connections closed on request: every
// response is whole and the right one (run with -race).
func TestPreformattedUnderLoad(t *testing.T) {
	ts, _ := serveCorked(t, preformatted(nil))
	want := strings.Repeat("Bộ Ngoại giao ", 600)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8, DisableCompression: true}}
	t.Cleanup(client.CloseIdleConnections)
	var wg sync.WaitGroup
	for c := range 8 {
		wg.Go(func() {
			for i := range 60 {
				method := http.MethodGet
				if (c+i)%5 == 0 {
					method = http.MethodHead
				}
				req, _ := http.NewRequest(method, ts.URL+"/"+strconv.Itoa(i), nil)
				req.Close = (c+i)%7 == 0
				res, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				b, err := io.ReadAll(res.Body)
				res.Body.Close()
				switch {
				case err != nil || res.StatusCode != http.StatusOK:
					t.Errorf("%s: status %d, %v", method, res.StatusCode, err)
				case method == http.MethodGet && (string(b) != want || res.Header.Get("X-Path") != ""):
					t.Errorf("GET: %d bytes, X-Path %q", len(b), res.Header.Get("X-Path"))
				case method == http.MethodHead && res.Header.Get("X-Path") != "net/http":
					t.Errorf("HEAD: X-Path %q", res.Header.Get("X-Path"))
				}
			}
		})
	}
	wg.Wait()
}
