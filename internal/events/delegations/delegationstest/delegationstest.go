// Package delegationstest is the shared kit of the delegations' tests
// (internal/events/delegations and cmd/server's): the registration form
// as a browser sends it, a stored event, and reading what accredited
// people receive (mails, invitations, their .ics through
// python3-icalendar, join and calendar links).
//
// Only tests import it. It must not import cmd/.
package delegationstest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/events/delegations"
	"github.com/mofa-vn/chancery/internal/mail/mailtest"
	"github.com/mofa-vn/chancery/internal/store"
)

// Form is a registration as the form sends it.
type Form struct {
	Name, Title, Category, Email, Lang string
	PDF, Photo                         []byte
	PDFName                            string
}

// MultipartBody encodes f as multipart/form-data.
func (f Form) MultipartBody(t testing.TB) (contentType, body string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range map[string]string{"name": f.Name, "title": f.Title, "category": f.Category, "email": f.Email, "lang": f.Lang} {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	name := f.PDFName
	if name == "" {
		name = "note-verbale.pdf"
	}
	for _, file := range []struct {
		field, name string
		data        []byte
	}{{"credentials", name, f.PDF}, {"photo", "photo.png", f.Photo}} {
		fw, err := w.CreateFormFile(file.field, file.name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(file.data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), b.String()
}

// GoodForm is a registration that passes every check.
func GoodForm(name, category string) Form {
	return Form{Name: name, Title: "Conseiller", Category: category, Email: "person@example.org", Lang: "fr",
		PDF: delegations.DemoPDF("Note verbale"), Photo: delegations.DemoPhoto()}
}

// LinkPath is the path of a link's absolute URL.
func LinkPath(t testing.TB, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Path == "" {
		t.Fatalf("link %q: %v", link, err)
	}
	return u.Path
}

// Invitation is a received invitation: its subject, text and .ics.
type Invitation struct {
	To, Subject, Text string
	ICS               []byte
}

// ReadInvitation parses a multipart invitation.
func ReadInvitation(t testing.TB, m mailtest.Received) Invitation {
	t.Helper()
	msg, err := m.Parse()
	if err != nil {
		t.Fatal(err)
	}
	var d mime.WordDecoder
	inv := Invitation{To: m.To[0]}
	if inv.Subject, err = d.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		t.Fatalf("Invitation is %q (%v), want multipart", mt, err)
	}
	walkParts(t, multipart.NewReader(msg.Body, params["boundary"]), &inv)
	return inv
}

func walkParts(t testing.TB, mr *multipart.Reader, inv *Invitation) {
	t.Helper()
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		mt, params, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		var body io.Reader = p
		switch strings.ToLower(p.Header.Get("Content-Transfer-Encoding")) {
		case "quoted-printable":
			body = quotedprintable.NewReader(p)
		case "base64":
			body = base64Reader(p)
		}
		switch {
		case strings.HasPrefix(mt, "multipart/"):
			walkParts(t, multipart.NewReader(p, params["boundary"]), inv)
		case mt == "text/plain" && inv.Text == "":
			b, _ := io.ReadAll(body)
			inv.Text = string(b)
		case mt == "text/calendar":
			b, _ := io.ReadAll(body)
			inv.ICS = b
		}
	}
}

// ICSEvents parses a calendar with python3-icalendar and returns its
// events' UID, URL, DESCRIPTION, SEQUENCE and STATUS.
func ICSEvents(t testing.TB, ics []byte) []map[string]any {
	t.Helper()
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		if py, err = exec.LookPath("python3"); err != nil {
			t.Fatal("python3 not found: run scripts/test-deps.sh (python3-icalendar)")
		}
	}
	cmd := exec.CommandContext(t.Context(), py, "-c", `
import sys, json, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
print(json.dumps([{"uid": str(e.get("UID")), "url": str(e.get("URL")), "description": str(e.get("DESCRIPTION", "")),
  "sequence": int(e.get("SEQUENCE")), "status": str(e.get("STATUS")), "start": e.decoded("DTSTART").isoformat()} for e in cal.walk("VEVENT")]))
`)
	cmd.Stdin = bytes.NewReader(ics)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3-icalendar: %v: %s\n%s", err, stderr.String(), ics)
	}
	var evs []map[string]any
	if err := json.Unmarshal(out, &evs); err != nil {
		t.Fatal(err)
	}
	return evs
}

// JoinLinkRE finds the personal join links in a mail.
var JoinLinkRE = regexp.MustCompile(`https://[^\s]+/rooms/[a-z0-9-]+\?t=[^\s]+`)

// CalendarRE finds the private calendar link in a mail.
var CalendarRE = regexp.MustCompile(`https://[^\s]+/accreditation/calendar/[^\s]+\.ics`)

// PathQuery is a link's path and query, for the test server.
func PathQuery(t testing.TB, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("link %q: %v", link, err)
	}
	return u.RequestURI()
}

// TokenOf returns the join token of a join link.
func TokenOf(t testing.TB, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("t")
}

// base64Reader decodes a base64 part (its line breaks are skipped).
func base64Reader(r io.Reader) io.Reader { return base64.NewDecoder(base64.StdEncoding, r) }

// ReadMail parses a received message and returns its decoded subject and
// text.
func ReadMail(t testing.TB, m mailtest.Received) (subject, text string) {
	t.Helper()
	msg, err := m.Parse()
	if err != nil {
		t.Fatal(err)
	}
	var d mime.WordDecoder
	if subject, err = d.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("Content-Transfer-Encoding") != "quoted-printable" {
		t.Fatalf("transfer encoding %q", msg.Header.Get("Content-Transfer-Encoding"))
	}
	b, err := io.ReadAll(quotedPrintable(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	return subject, string(b)
}

func quotedPrintable(r io.Reader) io.Reader { return quotedprintable.NewReader(r) }

// CreateEvent stores a published two-language event for the delegations
// tests, which key on its ID.
func CreateEvent(t testing.TB, db *store.DB, slug, title string) store.Event {
	t.Helper()
	start := time.Date(2026, 12, 20, 9, 0, 0, 0, time.UTC)
	e, err := db.CreateEvent(context.Background(), store.Event{Slug: slug, Zone: "Asia/Ho_Chi_Minh", StartsAt: start, EndsAt: start.Add(8 * time.Hour),
		StartLocal: "2026-12-20T16:00", EndLocal: "2026-12-21T00:00", Format: "virtual", Public: true, Languages: []string{"vi", "en"}, SourceLang: "en",
		Translations: map[string]store.EventTranslation{
			"en": {Title: title, Status: store.StatusPublished},
			"vi": {Title: title, Status: store.StatusPublished},
		}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}
