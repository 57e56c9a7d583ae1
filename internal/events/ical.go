package events

import (
	"bytes"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mofa-vn/chancery/internal/store"
)

// ICSType is the media type of an iCalendar file (RFC 5545 §8.1).
const ICSType = "text/calendar; charset=utf-8"

// ICSOptions say how a calendar is written.
type ICSOptions struct {
	// Lang is the language code titles are taken in (falling back as
	// Pick does).
	Lang string
	// Origin is the public scheme and host (https://mofa.gov.vn): the
	// event page's URL and the host part of every UID.
	Origin string
	// Stamp is DTSTAMP: when the calendar was made.
	Stamp time.Time
	// Join, if set, returns the join or watch link of a session (a
	// personal link in a participant's calendar), written as URL and in
	// the description.
	Join func(s store.EventSession) string
}

// ICS writes the iCalendar file (RFC 5545) of an event's sessions: all of
// them when only is nil, else the sessions whose ID is listed (a
// participant's own calendar, an invitation's attachment). Lines end in
// CRLF and are folded at 75 octets between UTF-8 characters; times are
// UTC; each session keeps one UID, and its SEQUENCE counts its changes; a
// cancelled session stays, with STATUS:CANCELLED.
func ICS(e store.Event, sessions []store.EventSession, only []int64, o ICSOptions) []byte {
	var b bytes.Buffer
	host := "chancery.invalid"
	if u, err := url.Parse(o.Origin); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	page := o.Origin + EventPath(o.Lang, e.Slug)
	title, _ := Pick(titlesOf(e), o.Lang, e.SourceLang)
	line(&b, "BEGIN:VCALENDAR")
	line(&b, "VERSION:2.0")
	line(&b, "PRODID:-//Ministry of Foreign Affairs of Viet Nam//Chancery//EN")
	line(&b, "CALSCALE:GREGORIAN")
	line(&b, "METHOD:PUBLISH")
	line(&b, "X-WR-CALNAME:"+EscapeText(title))
	line(&b, "X-WR-TIMEZONE:"+e.Zone)
	stamp := icsTime(o.Stamp)
	for _, s := range sessions {
		if only != nil && !slices.Contains(only, s.ID) {
			continue
		}
		st, _ := Pick(s.Titles, o.Lang, e.SourceLang)
		line(&b, "BEGIN:VEVENT")
		line(&b, fmt.Sprintf("UID:event-%d-session-%d@%s", e.ID, s.ID, host))
		line(&b, "DTSTAMP:"+stamp)
		line(&b, "DTSTART:"+icsTime(s.StartsAt))
		line(&b, "DTEND:"+icsTime(s.EndsAt))
		line(&b, "SEQUENCE:"+strconv.Itoa(s.Sequence))
		if !s.UpdatedAt.IsZero() {
			line(&b, "LAST-MODIFIED:"+icsTime(s.UpdatedAt))
		}
		line(&b, "SUMMARY:"+EscapeText(st))
		var desc []string
		if title != "" {
			desc = append(desc, title)
		}
		for i, it := range s.Agenda {
			t, _ := Pick(it.Titles, o.Lang, e.SourceLang)
			desc = append(desc, strconv.Itoa(i+1)+". "+t)
		}
		link := page
		if o.Join != nil {
			if j := o.Join(s); j != "" {
				link = j
				desc = append(desc, j)
			}
		}
		if len(desc) > 0 {
			line(&b, "DESCRIPTION:"+EscapeText(strings.Join(desc, "\n")))
		}
		line(&b, "URL:"+link)
		status := "CONFIRMED"
		if s.Status == store.SessionCancelled {
			status = "CANCELLED"
		}
		line(&b, "STATUS:"+status)
		line(&b, "END:VEVENT")
	}
	line(&b, "END:VCALENDAR")
	return b.Bytes()
}

func icsTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// EscapeText escapes a TEXT value (RFC 5545 §3.3.11): backslash,
// semicolon and comma are escaped, line breaks become \n, and other
// control characters (which TEXT may not hold) and invalid UTF-8 are
// dropped.
func EscapeText(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == ';':
			b.WriteString(`\;`)
		case r == ',':
			b.WriteString(`\,`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			// not allowed in TEXT
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// line writes a content line folded at 75 octets (RFC 5545 §3.1): each
// continuation starts with a space, and no UTF-8 character is split.
func line(b *bytes.Buffer, s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}

// Unfold joins folded lines back (RFC 5545 §3.1), for tests and readers.
func Unfold(ics string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(ics, "\r\n"), "\r\n") {
		if strings.HasPrefix(l, " ") && len(out) > 0 {
			out[len(out)-1] += l[1:]
			continue
		}
		out = append(out, l)
	}
	return out
}

// UnescapeText reverses EscapeText.
func UnescapeText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n', 'N':
				b.WriteByte('\n')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
