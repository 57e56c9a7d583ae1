package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"time"
)

// Sender sends messages to one SMTP server. It is safe for concurrent use:
// each Send opens its own connection.
type Sender struct {
	// From is the sender's address (?from= of the URL).
	From string
	addr string // host:port
	host string
	user string
	pass string
	// implicitTLS is smtps://: TLS from the first byte (RFC 8314).
	implicitTLS bool
	// TLS, when set, replaces the default TLS configuration (tests give
	// their own roots).
	TLS *tls.Config
	// Timeout bounds one Send; zero means 30 seconds.
	Timeout time.Duration
}

// ParseURL reads the -smtp-url setting:
// smtp://user:pass@host:port?from=chancery@mofa.gov.vn (STARTTLS when the
// server offers it; port 587 by default) or smtps://… (implicit TLS; port
// 465). The from parameter is required.
func ParseURL(s string) (*Sender, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("mail: SMTP URL: %w", err)
	}
	se := &Sender{host: u.Hostname()}
	port := u.Port()
	switch u.Scheme {
	case "smtp":
		if port == "" {
			port = "587"
		}
	case "smtps":
		se.implicitTLS = true
		if port == "" {
			port = "465"
		}
	default:
		return nil, fmt.Errorf("mail: SMTP URL: scheme %q: want smtp:// or smtps://", u.Scheme)
	}
	if se.host == "" {
		return nil, errors.New("mail: SMTP URL: no host")
	}
	se.addr = net.JoinHostPort(se.host, port)
	if u.User != nil {
		se.user = u.User.Username()
		se.pass, _ = u.User.Password()
	}
	from := u.Query().Get("from")
	a, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail: SMTP URL: from=%q must be the sender's address: %w", from, err)
	}
	se.From = a.String()
	return se, nil
}

// Redacted returns the server's address without credentials, for logs.
func (s *Sender) Redacted() string {
	scheme := "smtp"
	if s.implicitTLS {
		scheme = "smtps"
	}
	return scheme + "://" + s.addr
}

// Send delivers msg, an RFC 5322 message, to the address to. An error
// whose text starts with a 4xx reply is worth retrying; so is every network
// error.
func (s *Sender) Send(ctx context.Context, to string, msg []byte) error {
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tlsConf := &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
	if s.TLS != nil {
		tlsConf = s.TLS.Clone()
		if tlsConf.ServerName == "" {
			tlsConf.ServerName = s.host
		}
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("mail: connect to %s: %w", s.Redacted(), err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if s.implicitTLS {
		tc := tls.Client(conn, tlsConf)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fmt.Errorf("mail: TLS with %s: %w", s.Redacted(), err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("mail: greeting of %s: %w", s.Redacted(), err)
	}
	defer func() { _ = c.Close() }() // after Quit, closing again only reports the closed connection
	if err := s.deliver(c, tlsConf, to, msg); err != nil {
		return fmt.Errorf("mail: send to %s through %s: %w", to, s.Redacted(), err)
	}
	return nil
}

func (s *Sender) deliver(c *smtp.Client, tlsConf *tls.Config, to string, msg []byte) error {
	if err := c.Hello("localhost"); err != nil {
		return err
	}
	if !s.implicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsConf); err != nil {
				return err
			}
		}
	}
	if s.user != "" {
		// PlainAuth sends the password only over TLS or to this machine.
		if err := c.Auth(smtp.PlainAuth("", s.user, s.pass, s.host)); err != nil {
			return err
		}
	}
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return err
	}
	if err := c.Mail(from.Address); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// Permanent reports whether err is a 5xx answer of the server: sending the
// same message again will not help.
func Permanent(err error) bool {
	var te *textproto.Error
	return errors.As(err, &te) && te.Code >= 500
}
