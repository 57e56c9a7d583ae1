// Package mailtest is a small real SMTP server on loopback for tests: it
// speaks EHLO/HELO, AUTH PLAIN, MAIL, RCPT, DATA (with dot-unstuffing),
// RSET, NOOP and QUIT (RFC 5321), keeps what it receives, and can refuse
// messages to test retries.
//
// It must not import any other Chancery package.
package mailtest

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Received is one message the server accepted.
type Received struct {
	From string
	To   []string
	Auth string // "user:pass" given with AUTH PLAIN, if any
	Data []byte
}

// Parse reads the message with net/mail.
func (r Received) Parse() (*mail.Message, error) { return mail.ReadMessage(bytes.NewReader(r.Data)) }

// Server is a loopback SMTP server.
type Server struct {
	Addr string // host:port
	ln   net.Listener

	mu       sync.Mutex
	received []Received
	failNext int    // messages to refuse at DATA with 451
	reject   string // a recipient refused with 550
	notify   chan struct{}
	wg       sync.WaitGroup
}

// New starts a server on 127.0.0.1; it stops when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: ln.Addr().String(), ln: ln, notify: make(chan struct{}, 1)}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.Close)
	return s
}

// URL returns the -smtp-url of the server with the sender from.
func (s *Server) URL(user, pass, from string) string {
	u := url.URL{Scheme: "smtp", Host: s.Addr, RawQuery: url.Values{"from": {from}}.Encode()}
	if user != "" {
		u.User = url.UserPassword(user, pass)
	}
	return u.String()
}

// Close stops the server and waits for its connections.
func (s *Server) Close() {
	_ = s.ln.Close()
	s.wg.Wait()
}

// FailNext makes the server refuse the next n messages with a temporary
// error (451), as a busy server does.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

// Reject makes the server refuse the recipient for good (550).
func (s *Server) Reject(rcpt string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reject = rcpt
}

// Messages returns what the server accepted so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// Wait returns the messages once there are at least n, or fails the test
// after timeout.
func (s *Server) Wait(t testing.TB, n int, timeout time.Duration) []Received {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if m := s.Messages(); len(m) >= n {
			return m
		}
		select {
		case <-s.notify:
		case <-deadline:
			t.Fatalf("mailtest: %d messages after %s, want %d", len(s.Messages()), timeout, n)
		}
	}
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(time.Minute))
			s.session(c)
		}()
	}
}

func (s *Server) session(c net.Conn) {
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	reply := func(format string, args ...any) {
		fmt.Fprintf(w, format+"\r\n", args...)
		_ = w.Flush()
	}
	reply("220 mailtest ESMTP")
	var cur Received
	greeted := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			greeted = true
			reply("250-mailtest\r\n250-8BITMIME\r\n250-AUTH PLAIN\r\n250 SIZE 20971520")
		case "HELO":
			greeted = true
			reply("250 mailtest")
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			if !strings.EqualFold(mech, "PLAIN") {
				reply("504 only PLAIN")
				continue
			}
			if resp == "" {
				reply("334 ")
				if resp, err = r.ReadString('\n'); err != nil {
					return
				}
				resp = strings.TrimSpace(resp)
			}
			b, err := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(b), "\x00")
			if err != nil || len(parts) != 3 {
				reply("501 bad AUTH PLAIN")
				continue
			}
			cur.Auth = parts[1] + ":" + parts[2]
			reply("235 accepted")
		case "MAIL":
			if !greeted {
				reply("503 say hello first")
				continue
			}
			cur.From = angle(arg)
			cur.To = nil
			reply("250 ok")
		case "RCPT":
			to := angle(arg)
			s.mu.Lock()
			rejected := to == s.reject
			s.mu.Unlock()
			if rejected {
				reply("550 no such user")
				continue
			}
			cur.To = append(cur.To, to)
			reply("250 ok")
		case "DATA":
			if cur.From == "" || len(cur.To) == 0 {
				reply("503 MAIL and RCPT first")
				continue
			}
			reply("354 end with .")
			data, err := readData(r)
			if err != nil {
				return
			}
			s.mu.Lock()
			fail := s.failNext > 0
			if fail {
				s.failNext--
			} else {
				cur.Data = data
				s.received = append(s.received, cur)
			}
			s.mu.Unlock()
			if fail {
				reply("451 try again later")
			} else {
				reply("250 queued")
				select {
				case s.notify <- struct{}{}:
				default:
				}
			}
			cur = Received{Auth: cur.Auth}
		case "RSET":
			cur = Received{Auth: cur.Auth}
			reply("250 ok")
		case "NOOP":
			reply("250 ok")
		case "QUIT":
			reply("221 bye")
			return
		case "VRFY":
			// RFC 5321 §3.5.3: a server need not verify; 252 says it
			// will take the message anyway.
			reply("252 cannot verify, will accept the message")
		default:
			// RFC 5321 §4.2.4: a command the server does not know.
			reply("500 5.5.2 command unrecognized")
		}
	}
}

// angle returns the address of "FROM:<a@b> BODY=8BITMIME".
func angle(arg string) string {
	i, j := strings.IndexByte(arg, '<'), strings.IndexByte(arg, '>')
	if i < 0 || j < i {
		return ""
	}
	return arg[i+1 : j]
}

// readData reads the DATA lines up to the lone dot, undoing the
// dot-stuffing, with CRLF line ends kept.
func readData(r *bufio.Reader) ([]byte, error) {
	var b bytes.Buffer
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if line == ".\r\n" {
			return b.Bytes(), nil
		}
		if strings.HasPrefix(line, "..") {
			line = line[1:]
		}
		b.WriteString(line)
	}
}
