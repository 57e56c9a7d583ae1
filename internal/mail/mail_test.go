package mail_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/mail"
	"github.com/mofa-vn/chancery/internal/mail/mailtest"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

var at = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		url, addr, from string
		ok              bool
	}{
		{"smtp://u:p@mail.example.org?from=chancery@mofa.gov.vn", "smtp://mail.example.org:587", "<chancery@mofa.gov.vn>", true},
		{"smtps://mail.example.org?from=Chancery%20<chancery@mofa.gov.vn>", "smtps://mail.example.org:465", `"Chancery" <chancery@mofa.gov.vn>`, true},
		{"smtp://mail.example.org:2525?from=a@b.c", "smtp://mail.example.org:2525", "<a@b.c>", true},
		{"smtp://mail.example.org", "", "", false}, // no sender
		{"http://mail.example.org?from=a@b.c", "", "", false},
		{"smtp://?from=a@b.c", "", "", false},
		{"smtp://mail.example.org?from=not-an-address", "", "", false},
	} {
		s, err := mail.ParseURL(tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v", tc.url, err)
			continue
		}
		if tc.ok && (s.Redacted() != tc.addr || s.From != tc.from) {
			t.Errorf("%s: %s from %s", tc.url, s.Redacted(), s.From)
		}
		if err == nil && strings.Contains(s.Redacted(), "p@") {
			t.Errorf("%s: credentials in %s", tc.url, s.Redacted())
		}
	}
}

func decodeSubject(t *testing.T, s string) string {
	t.Helper()
	var d mime.WordDecoder
	out, err := d.DecodeHeader(s)
	if err != nil {
		t.Fatalf("subject %q: %v", s, err)
	}
	return out
}

// noBareLF fails when data has a line feed without its carriage return.
func noBareLF(t *testing.T, data []byte) {
	t.Helper()
	for i, c := range data {
		if c == '\n' && (i == 0 || data[i-1] != '\r') {
			t.Fatalf("bare LF at byte %d: %q", i, data[max(0, i-40):i+1])
		}
	}
}

func TestSendThroughLoopbackServer(t *testing.T) {
	srv := mailtest.New(t)
	sender, err := mail.ParseURL(srv.URL("chancery", "s3cret pass", "Chancery <chancery@mofa.gov.vn>"))
	if err != nil {
		t.Fatal(err)
	}
	subject := "Đăng ký của bà Nguyễn Thị Lan đã được công nhận — Hội nghị ASEAN về chuyển đổi số 2026"
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
	msg := mail.Message{To: "Nguyễn Lan <lan@example.org>", Subject: subject,
		Text: "Kính gửi bà Lan,\n\nĐăng ký đã được công nhận.\n.\nA line with a lone dot above, and é à ü.",
		HTML: "<p>Kính gửi bà Lan,</p>", Attachments: []mail.Attachment{{Name: "session.ics", ContentType: "text/calendar; method=PUBLISH", Data: []byte(ics)}}}
	data, err := msg.Bytes(sender.From, at)
	if err != nil {
		t.Fatal(err)
	}
	noBareLF(t, data)
	for _, line := range strings.Split(string(data), "\r\n") {
		if len(line) > 998 {
			t.Fatalf("line of %d octets", len(line))
		}
	}
	if err := sender.Send(context.Background(), "lan@example.org", data); err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, 1, 5*time.Second)[0]
	if got.From != "chancery@mofa.gov.vn" || len(got.To) != 1 || got.To[0] != "lan@example.org" || got.Auth != "chancery:s3cret pass" {
		t.Fatalf("envelope = %+v", got)
	}
	if !bytes.Equal(got.Data, data) {
		t.Fatal("the server received other bytes than were sent (dot-stuffing)")
	}
	m, err := got.Parse()
	if err != nil {
		t.Fatal(err)
	}
	if s := decodeSubject(t, m.Header.Get("Subject")); s != subject {
		t.Fatalf("subject = %q", s)
	}
	if raw := m.Header.Get("Subject"); !strings.HasPrefix(raw, "=?utf-8?b?") {
		t.Fatalf("subject not an encoded word: %q", raw)
	}
	to, err := m.Header.AddressList("To")
	if err != nil || to[0].Name != "Nguyễn Lan" {
		t.Fatalf("To = %v, %v", to, err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("content type %s: %v", mt, err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	body, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	bt, bparams, _ := mime.ParseMediaType(body.Header.Get("Content-Type"))
	if bt != "multipart/alternative" {
		t.Fatalf("body part %s", bt)
	}
	alt := multipart.NewReader(body, bparams["boundary"])
	text, err := alt.NextPart() // multipart decodes quoted-printable
	if err != nil {
		t.Fatal(err)
	}
	tb, _ := io.ReadAll(text)
	if want := strings.ReplaceAll(msg.Text, "\n", "\r\n") + "\r\n"; string(tb) != want {
		t.Fatalf("text = %q, want %q", tb, want)
	}
	html, _ := alt.NextPart()
	if hb, _ := io.ReadAll(html); !strings.Contains(string(hb), "Kính gửi") || !strings.HasPrefix(html.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("html = %q", hb)
	}
	att, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	if att.FileName() != "session.ics" || !strings.HasPrefix(att.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("attachment %q %q", att.FileName(), att.Header.Get("Content-Type"))
	}
	if ab, _ := io.ReadAll(att); string(ab) != ics { // the reader decodes quoted-printable only
		dec := mustBase64(t, ab)
		if dec != ics {
			t.Fatalf("attachment = %q", dec)
		}
	}
}

func TestMessageRefusesBadInput(t *testing.T) {
	for _, m := range []mail.Message{
		{To: "not an address", Subject: "s", Text: "t"},
		{To: "a@example.org", Subject: "two\r\nBcc: x@example.org", Text: "t"},
		{To: "a@example.org", Subject: "s"},
		{To: "a@example.org", Subject: "s", Text: "t", Attachments: []mail.Attachment{{Name: "a\r\n.ics", ContentType: "text/calendar"}}},
	} {
		if _, err := m.Bytes("chancery@mofa.gov.vn", at); err == nil {
			t.Errorf("%+v: accepted", m)
		}
	}
	// Plain text alone: one part, quoted-printable, an ASCII subject as is.
	data, err := mail.Message{To: "a@example.org", Subject: "Registration received", Text: "Thank you."}.Bytes("chancery@mofa.gov.vn", at)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("Subject: Registration received\r\n")) || !bytes.Contains(data, []byte("Content-Transfer-Encoding: quoted-printable")) {
		t.Fatalf("plain message:\n%s", data)
	}
}

// TestRelayRetriesUntilSent: a decision's mail waits in the outbox while
// the server refuses it, and goes once it answers; a permanent refusal
// is not retried.
func TestRelayRetriesUntilSent(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		srv := mailtest.New(t)
		sender, err := mail.ParseURL(srv.URL("", "", "chancery@mofa.gov.vn"))
		if err != nil {
			t.Fatal(err)
		}
		data, _ := mail.Message{To: "lan@example.org", Subject: "Hello", Text: "Hello"}.Bytes(sender.From, at)
		bad, _ := mail.Message{To: "gone@example.org", Subject: "Hello", Text: "Hello"}.Bytes(sender.From, at)
		if err := db.EnqueueMail(ctx, store.OutboxMail{Recipient: "lan@example.org", Message: data},
			store.OutboxMail{Recipient: "gone@example.org", Message: bad}); err != nil {
			t.Fatal(err)
		}
		srv.FailNext(1)
		srv.Reject("gone@example.org")
		relay := mail.NewRelay(db, sender, slog.New(slog.DiscardHandler), clock.Now)
		if n := relay.Flush(ctx); n != 0 {
			t.Fatalf("sent %d while the server refused", n)
		}
		if n := relay.Flush(ctx); n != 0 {
			t.Fatalf("retried %d before the backoff", n)
		}
		clock.Advance(31 * time.Second)
		if n := relay.Flush(ctx); n != 1 {
			t.Fatalf("sent %d after the backoff, want 1", n)
		}
		clock.Advance(24 * time.Hour)
		if n := relay.Flush(ctx); n != 0 {
			t.Fatalf("a permanently refused message was tried again (%d sent)", n)
		}
		ms, _ := db.ListMail(ctx, 10)
		for _, m := range ms {
			switch m.Recipient {
			case "lan@example.org":
				if m.SentAt.IsZero() || m.Attempts != 2 {
					t.Fatalf("sent mail = %+v", m)
				}
			case "gone@example.org":
				if !m.SentAt.IsZero() || !strings.Contains(m.LastError, "550") || m.Attempts != 1 {
					t.Fatalf("refused mail = %+v", m)
				}
			}
		}
		if got := srv.Messages(); len(got) != 1 || got[0].To[0] != "lan@example.org" {
			t.Fatalf("server received %+v", got)
		}
	})
}

func mustBase64(t *testing.T, b []byte) string {
	t.Helper()
	out, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(b), "\r\n", ""))
	if err != nil {
		t.Fatalf("attachment not base64: %v", err)
	}
	return string(out)
}

// TestEnqueueWithAttachment: a session invitation with its .ics goes
// through the outbox and the relay to the server, attachment intact.
func TestEnqueueWithAttachment(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		srv := mailtest.New(t)
		sender, err := mail.ParseURL(srv.URL("", "", "chancery@mofa.gov.vn"))
		if err != nil {
			t.Fatal(err)
		}
		ics := []byte("BEGIN:VCALENDAR\r\nMETHOD:PUBLISH\r\nEND:VCALENDAR\r\n")
		if err := mail.Enqueue(ctx, db, sender.From, clock.Now(), mail.Message{To: "bad address", Subject: "x", Text: "x"}); err == nil {
			t.Fatal("a bad recipient was queued")
		}
		err = mail.Enqueue(ctx, db, sender.From, clock.Now(), mail.Message{To: "Claire Dubois <claire@example.org>", Subject: "Invitation : séance plénière",
			Text: "Votre invitation.", Attachments: []mail.Attachment{{Name: "plenary.ics", ContentType: "text/calendar; method=PUBLISH", Data: ics}}})
		if err != nil {
			t.Fatal(err)
		}
		if n := mail.NewRelay(db, sender, slog.New(slog.DiscardHandler), clock.Now).Flush(ctx); n != 1 {
			t.Fatalf("sent %d", n)
		}
		got := srv.Wait(t, 1, 5*time.Second)[0]
		m, err := got.Parse()
		if err != nil || got.To[0] != "claire@example.org" {
			t.Fatalf("%v %v", got.To, err)
		}
		if s := decodeSubject(t, m.Header.Get("Subject")); s != "Invitation : séance plénière" {
			t.Fatalf("subject %q", s)
		}
		_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
		mr := multipart.NewReader(m.Body, params["boundary"])
		if _, err := mr.NextPart(); err != nil {
			t.Fatal(err)
		}
		att, err := mr.NextPart()
		if err != nil {
			t.Fatal(err)
		}
		ab, _ := io.ReadAll(att)
		if mustBase64(t, ab) != string(ics) || att.FileName() != "plenary.ics" {
			t.Fatalf("attachment %q = %q", att.FileName(), ab)
		}
	})
}
