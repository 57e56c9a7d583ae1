package events

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
)

// titles in every language, long enough to be folded, with the characters
// TEXT must escape.
var icsTitles = map[string]string{
	"vi": "Phiên toàn thể: Đối thoại Đà Nẵng về an ninh hàng hải, hợp tác; kinh tế số và chuyển đổi xanh \\ năm 2026",
	"en": "Plenary: Da Nang Dialogue on maritime security, cooperation; the digital economy and the green transition \\ 2026",
	"fr": "Séance plénière : Dialogue de Da Nang sur la sécurité maritime, la coopération ; l’économie numérique \\ 2026",
	"es": "Sesión plenaria: Diálogo de Da Nang sobre seguridad marítima, cooperación; economía digital y transición verde \\ 2026",
	"ru": "Пленарное заседание: Дананговский диалог по морской безопасности, сотрудничеству; цифровой экономике \\ 2026",
	"zh": "全体会议：岘港对话，海上安全、合作；数字经济与绿色转型，二〇二六年全体会议议程与安排说明\\第二部分",
	"ar": "الجلسة العامة: حوار دا نانغ بشأن الأمن البحري، والتعاون؛ والاقتصاد الرقمي والتحول الأخضر \\ لعام 2026",
}

func icsFixture() (store.Event, []store.EventSession) {
	start := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	e := store.Event{ID: 7, Slug: "da-nang-dialogue", Zone: "Asia/Ho_Chi_Minh", SourceLang: "vi", StartsAt: start, EndsAt: start.Add(48 * time.Hour),
		Translations: map[string]store.EventTranslation{}}
	for code, t := range icsTitles {
		e.Translations[code] = store.EventTranslation{Title: "Đối thoại Đà Nẵng 2026 — " + code, Status: store.StatusPublished}
		_ = t
	}
	s1 := store.EventSession{ID: 41, Kind: store.SessionPlenary, Titles: icsTitles, StartsAt: start, EndsAt: start.Add(90 * time.Minute),
		Status: store.SessionScheduled, Sequence: 3, UpdatedAt: start.Add(-time.Hour),
		Agenda: []store.AgendaItem{{Titles: map[string]string{"en": "Adoption, of the agenda;\nline two", "vi": "Thông qua chương trình nghị sự"}}}}
	s2 := store.EventSession{ID: 42, Kind: store.SessionSide, Titles: map[string]string{"vi": "Sự kiện bên lề"}, StartsAt: start.Add(3 * time.Hour),
		EndsAt: start.Add(4 * time.Hour), Status: store.SessionCancelled, Sequence: 1}
	return e, []store.EventSession{s1, s2}
}

func TestICSFormat(t *testing.T) {
	e, ss := icsFixture()
	stamp := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, l := range lang.All() {
		out := string(ICS(e, ss, nil, ICSOptions{Lang: l.Code, Origin: "https://mofa.gov.vn", Stamp: stamp}))
		checkLines(t, out)
		lines := Unfold(out)
		for _, want := range []string{"BEGIN:VCALENDAR", "VERSION:2.0", "METHOD:PUBLISH", "UID:event-7-session-41@mofa.gov.vn",
			"UID:event-7-session-42@mofa.gov.vn", "DTSTART:20260310T080000Z", "DTEND:20260310T093000Z", "SEQUENCE:3",
			"DTSTAMP:20260301T120000Z", "STATUS:CANCELLED", "STATUS:CONFIRMED", "SUMMARY:" + EscapeText(icsTitles[l.Code]),
			"URL:https://mofa.gov.vn/" + l.Code + "/events/da-nang-dialogue", "END:VCALENDAR"} {
			found := false
			for _, ln := range lines {
				found = found || ln == want
			}
			if !found {
				t.Errorf("%s: no line %q in\n%s", l.Code, want, out)
			}
		}
	}
	// One person's calendar: only the sessions asked for.
	one := string(ICS(e, ss, []int64{42}, ICSOptions{Lang: "en", Origin: "https://mofa.gov.vn", Stamp: stamp,
		Join: func(s store.EventSession) string {
			return "https://mofa.gov.vn/en/rooms/x?t=" + strconv.FormatInt(s.ID, 10)
		}}))
	if strings.Contains(one, "session-41") || !strings.Contains(one, "session-42") || !strings.Contains(one, "URL:https://mofa.gov.vn/en/rooms/x?t=42") {
		t.Errorf("calendar of session 42 only:\n%s", one)
	}
	if got := EscapeText("a,b;c\\d\r\ne\rf\x00g\x1bh\ti"); got != `a\,b\;c\\d\ne\nfgh`+"\ti" {
		t.Errorf("EscapeText = %q", got)
	}
}

// checkLines checks RFC 5545's line rules: CRLF ends, at most 75 octets,
// valid UTF-8 on every physical line (no character split by folding).
func checkLines(t *testing.T, out string) {
	t.Helper()
	if !strings.HasSuffix(out, "\r\n") || strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\n") || strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\r") {
		t.Fatalf("bare line ends in %q", out)
	}
	for _, ln := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if len(ln) > 75 {
			t.Fatalf("line of %d octets: %q", len(ln), ln)
		}
		if !utf8.ValidString(ln) {
			t.Fatalf("a folded line splits a character: %q", ln)
		}
	}
}

// debianPython is Debian's python3, which python3-icalendar installs into
// (a python3 earlier on PATH, such as pyenv's, lacks it).
func debianPython(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	p, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 not found: run scripts/test-deps.sh (python3-icalendar)")
	}
	return p
}

const parseICS = `
import sys, json, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
out = {"method": str(cal.get("METHOD")), "version": str(cal.get("VERSION")), "events": []}
for ev in cal.walk("VEVENT"):
    out["events"].append({
        "uid": str(ev.get("UID")), "summary": str(ev.get("SUMMARY")), "description": str(ev.get("DESCRIPTION", "")),
        "start": ev.decoded("DTSTART").isoformat(), "end": ev.decoded("DTEND").isoformat(),
        "stamp": ev.decoded("DTSTAMP").isoformat(), "sequence": int(ev.get("SEQUENCE")),
        "status": str(ev.get("STATUS")), "url": str(ev.get("URL")),
    })
print(json.dumps(out))
`

type pyCalendar struct {
	Method, Version string
	Events          []struct {
		UID, Summary, Description, Start, End, Stamp, Status, URL string
		Sequence                                                  int
	}
}

func parseWithPython(t *testing.T, ics []byte) pyCalendar {
	t.Helper()
	cmd := exec.Command(debianPython(t), "-c", parseICS)
	cmd.Stdin = bytes.NewReader(ics)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3-icalendar: %v: %s\n%s", err, stderr.String(), ics)
	}
	var cal pyCalendar
	if err := json.Unmarshal(out, &cal); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return cal
}

// TestICSParsedByPythonICalendar has an independent implementation read
// the calendar of every language and compares what it understood.
func TestICSParsedByPythonICalendar(t *testing.T) {
	e, ss := icsFixture()
	stamp := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, l := range lang.All() {
		t.Run(l.Code, func(t *testing.T) {
			cal := parseWithPython(t, ICS(e, ss, nil, ICSOptions{Lang: l.Code, Origin: "https://mofa.gov.vn", Stamp: stamp}))
			if cal.Method != "PUBLISH" || cal.Version != "2.0" || len(cal.Events) != 2 {
				t.Fatalf("calendar %+v", cal)
			}
			a, b := cal.Events[0], cal.Events[1]
			wantDesc := "Đối thoại Đà Nẵng 2026 — " + l.Code + "\n1. " + func() string {
				v, _ := Pick(ss[0].Agenda[0].Titles, l.Code, "vi")
				return v
			}()
			if a.UID != "event-7-session-41@mofa.gov.vn" || a.Summary != icsTitles[l.Code] || a.Description != wantDesc ||
				a.Start != "2026-03-10T08:00:00+00:00" || a.End != "2026-03-10T09:30:00+00:00" || a.Stamp != "2026-03-01T12:00:00+00:00" ||
				a.Sequence != 3 || a.Status != "CONFIRMED" || a.URL != "https://mofa.gov.vn/"+l.Code+"/events/da-nang-dialogue" {
				t.Errorf("session 41 read as %+v", a)
			}
			if b.UID != "event-7-session-42@mofa.gov.vn" || b.Status != "CANCELLED" || b.Sequence != 1 || b.Summary != "Sự kiện bên lề" {
				t.Errorf("session 42 read as %+v", b)
			}
		})
	}
}

// FuzzICSText writes arbitrary titles and descriptions: every line stays
// within 75 octets, valid UTF-8, CRLF-ended, and unfolding and unescaping
// gives the text back (less what TEXT cannot hold).
func FuzzICSText(f *testing.F) {
	for _, s := range icsTitles {
		f.Add(s, s+"\n"+s)
	}
	f.Add("a,b;c\\d", "\r\n\r")
	f.Add(strings.Repeat("é", 100), strings.Repeat("𝄞", 40))
	f.Add("\xff\xfe bad utf-8", "\x00\x01\x7f")
	f.Fuzz(func(t *testing.T, title, item string) {
		e, _ := icsFixture()
		s := store.EventSession{ID: 1, Titles: map[string]string{"en": title}, Status: store.SessionScheduled,
			Agenda: []store.AgendaItem{{Titles: map[string]string{"en": item}}}}
		out := string(ICS(e, []store.EventSession{s}, nil, ICSOptions{Lang: "en", Origin: "https://mofa.gov.vn"}))
		checkLines(t, out)
		var summary string
		for _, ln := range Unfold(out) {
			if v, ok := strings.CutPrefix(ln, "SUMMARY:"); ok {
				summary = v
			}
		}
		if got, want := UnescapeText(summary), clean(title); got != want {
			t.Fatalf("SUMMARY round trip: got %q, want %q", got, want)
		}
	})
}

// clean is what TEXT keeps of s: valid UTF-8, LF line breaks, no other
// control character but tab.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	return strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f {
			return -1
		}
		return r
	}, s)
}
