// Package mail sends Chancery's e-mail: it writes MIME messages (RFC 5322,
// RFC 2045–2047) in the recipient's language, sends them over SMTP
// (-smtp-url: smtp:// with STARTTLS when the server offers it, smtps://
// with implicit TLS), and relays the store's mail outbox, so that a
// decision is saved even when the mail server is down and its mail goes
// out once it answers. mail/mailtest is a loopback SMTP server for tests.
//
// It must not import the HTTP areas, internal/httpx or cmd/: it knows
// nothing of requests, only of messages and the outbox (internal/store).
package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// Attachment is a file sent with a message (a session's invitation .ics).
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Message is one e-mail to one recipient. Text is required; HTML, when
// set, is the alternative rich version of the same text.
type Message struct {
	To          string // an address, optionally with a name: "Nguyễn Lan <lan@example.org>"
	Subject     string
	Text        string
	HTML        string
	Attachments []Attachment
}

// ErrInvalid is a message that cannot be sent as it is.
var ErrInvalid = errors.New("mail: invalid message")

// Recipient returns the bare address of m.To.
func (m Message) Recipient() (string, error) {
	a, err := mail.ParseAddress(m.To)
	if err != nil {
		return "", fmt.Errorf("%w: recipient %q: %w", ErrInvalid, m.To, err)
	}
	return a.Address, nil
}

// Bytes writes m as an RFC 5322 message from the address from, dated at:
// CRLF line ends, non-ASCII header text as RFC 2047 encoded words, the text
// parts quoted-printable and attachments base64. A message with an HTML
// version is multipart/alternative; one with attachments
// multipart/mixed around the text.
func (m Message) Bytes(from string, at time.Time) ([]byte, error) {
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return nil, fmt.Errorf("%w: recipient %q: %w", ErrInvalid, m.To, err)
	}
	sender, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("%w: sender %q: %w", ErrInvalid, from, err)
	}
	if strings.ContainsAny(m.Subject, "\r\n") || m.Text == "" {
		return nil, fmt.Errorf("%w: a subject on one line and a text are required", ErrInvalid)
	}
	for _, a := range m.Attachments {
		if _, _, err := mime.ParseMediaType(a.ContentType); err != nil || a.Name == "" || strings.ContainsAny(a.Name, "\r\n\"") {
			return nil, fmt.Errorf("%w: attachment %q", ErrInvalid, a.Name)
		}
	}
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", sender.String())
	header("To", to.String())
	header("Subject", encodeHeader(m.Subject))
	header("Date", at.Format(time.RFC1123Z))
	header("Message-ID", messageID(sender.Address))
	header("MIME-Version", "1.0")
	header("Auto-Submitted", "auto-generated") // RFC 3834: no vacation replies

	if len(m.Attachments) == 0 {
		if err := writeBody(&b, m, true); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	w := multipart.NewWriter(&b)
	header("Content-Type", `multipart/mixed; boundary="`+w.Boundary()+`"`)
	b.WriteString("\r\n")
	var body bytes.Buffer
	if err := writeBody(&body, m, false); err != nil {
		return nil, err
	}
	// The body part's own headers are at the start of body.
	hdr, rest, _ := bytes.Cut(body.Bytes(), []byte("\r\n\r\n"))
	ph := textproto.MIMEHeader{}
	for _, line := range strings.Split(string(hdr), "\r\n") {
		k, v, _ := strings.Cut(line, ": ")
		ph.Set(k, v)
	}
	p, err := w.CreatePart(ph)
	if err != nil {
		return nil, err
	}
	if _, err := p.Write(rest); err != nil {
		return nil, err
	}
	for _, a := range m.Attachments {
		ph := textproto.MIMEHeader{}
		mt, params, _ := mime.ParseMediaType(a.ContentType) // checked above
		params["name"] = a.Name
		ph.Set("Content-Type", mime.FormatMediaType(mt, params))
		ph.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
		ph.Set("Content-Transfer-Encoding", "base64")
		p, err := w.CreatePart(ph)
		if err != nil {
			return nil, err
		}
		if _, err := p.Write(base64Lines(a.Data)); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	b.WriteString("\r\n")
	return b.Bytes(), nil
}

// writeBody writes the Content-Type header and the text (and HTML) of m;
// top says the headers continue the message's own.
func writeBody(b *bytes.Buffer, m Message, top bool) error {
	if m.HTML == "" {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
		return writeQP(b, m.Text)
	}
	w := multipart.NewWriter(b)
	b.WriteString(`Content-Type: multipart/alternative; boundary="` + w.Boundary() + "\"\r\n\r\n")
	for _, part := range []struct{ ct, text string }{{"text/plain; charset=utf-8", m.Text}, {"text/html; charset=utf-8", m.HTML}} {
		ph := textproto.MIMEHeader{}
		ph.Set("Content-Type", part.ct)
		ph.Set("Content-Transfer-Encoding", "quoted-printable")
		p, err := w.CreatePart(ph)
		if err != nil {
			return err
		}
		var qp bytes.Buffer
		if err := writeQP(&qp, part.text); err != nil {
			return err
		}
		if _, err := p.Write(qp.Bytes()); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	if top {
		b.WriteString("\r\n")
	}
	return nil
}

// writeQP writes text quoted-printable, with CRLF line ends.
func writeQP(b *bytes.Buffer, text string) error {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	qp := quotedprintable.NewWriter(b)
	if _, err := qp.Write([]byte(text)); err != nil {
		return err
	}
	if err := qp.Close(); err != nil {
		return err
	}
	b.WriteString("\r\n")
	return nil
}

// base64Lines encodes data in base64 lines of 76 characters (RFC 2045).
func base64Lines(data []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(data)
	var b bytes.Buffer
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}

// encodeHeader encodes non-ASCII text as RFC 2047 encoded words, each line
// of the folded header short enough for RFC 5322.
func encodeHeader(s string) string {
	enc := mime.BEncoding.Encode("utf-8", s)
	if enc == s {
		return s
	}
	// The encoder separates its words with a space: fold there.
	return strings.ReplaceAll(enc, "?= =?", "?=\r\n =?")
}

func messageID(from string) string {
	var r [16]byte
	_, _ = rand.Read(r[:])
	domain := "chancery.invalid"
	if _, d, ok := strings.Cut(from, "@"); ok && d != "" {
		domain = d
	}
	return "<" + hex.EncodeToString(r[:]) + "@" + domain + ">"
}
