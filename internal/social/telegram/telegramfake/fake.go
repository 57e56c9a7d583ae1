// Package telegramfake is a Telegram Bot API server for tests and the demo:
// one bot administering one channel (../shared/reference/social-apis.md
// §6, §9), on a loopback listener. It parses HTML entities as Telegram
// does (refusing malformed markup), enforces 4096/1024 characters and 20
// messages a minute per channel, refuses deleteMessage 48 hours after
// sending on its own clock, and injects the documented errors.
package telegramfake

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mofa-vn/chancery/internal/social/socialtest/fakekit"
	"unicode/utf16"
)

// Fault is an answer the next send* method gets instead of the normal one.
type Fault int

// The faults the fake can inject into the next sendMessage, sendPhoto or
// sendMediaGroup.
const (
	None         Fault = iota
	RateLimited        // 429 retry_after 35
	NotAdmin           // 403 bot is not a member of the channel chat
	Unauthorized       // 401
	ChatNotFound       // 400 chat not found
	BadGateway         // 502
	ServerError        // 500 after the message was sent
	Garbage            // 200 with an HTML page
	Drop               // the message is sent, then the connection drops
)

// Channel is the fake's channel.
const (
	ChannelID       = -1001234567890
	ChannelUsername = "mofa_vn"
	BotID           = 7000000001
)

// Message is a message in the channel.
type Message struct {
	ID      int64
	Text    string // after entity parsing
	HTML    string // as sent
	Photos  int
	ReplyTo int64
	Group   string
	Date    time.Time
}

// Server is the fake Bot API.
type Server struct {
	// URL is the Bot API base URL.
	URL string
	srv *httptest.Server

	mu      sync.Mutex
	token   string
	admin   bool
	clock   fakekit.Clock
	next    int64
	msgs    map[int64]*Message
	order   []int64
	faults  fakekit.Faults[Fault]
	sends   int
	created int
	recent  []time.Time // send times within the last minute
}

// New starts a fake Bot API for the bot token.
func New(token string) *Server {
	s := &Server{token: token, admin: true, next: 100, msgs: map[int64]*Message{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// SetNow sets the fake's clock.
func (s *Server) SetNow(now func() time.Time) { s.clock.Set(now) }

// Fail makes the next send answer with f.
func (s *Server) Fail(f Fault) { s.faults.Set(f) }

// SetAdmin makes the bot an administrator that may post, or removes it.
func (s *Server) SetAdmin(admin bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.admin = admin
}

// Messages returns the channel's messages, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, id := range s.order {
		if m, ok := s.msgs[id]; ok {
			out = append(out, *m)
		}
	}
	return out
}

// Sends returns how many send requests arrived and how many posted.
func (s *Server) Sends() (requests, posted int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sends, s.created
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, code int, desc string, params map[string]any) {
	body := map[string]any{"ok": false, "error_code": code, "description": desc}
	if params != nil {
		body["parameters"] = params
	}
	reply(w, code, body)
}

func ok(w http.ResponseWriter, result any) {
	reply(w, http.StatusOK, map[string]any{"ok": true, "result": result})
}

// params reads a method's parameters from JSON, a form or multipart.
func params(r *http.Request) (map[string]string, map[string][]byte, error) {
	out, files := map[string]string{}, map[string][]byte{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		var m map[string]any
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&m); err != nil {
			return nil, nil, err
		}
		for k, v := range m {
			if s, ok := v.(string); ok {
				out[k] = s
			} else {
				b, _ := json.Marshal(v)
				out[k] = string(b)
			}
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(50 << 20); err != nil {
			return nil, nil, err
		}
		for k, v := range r.MultipartForm.Value {
			out[k] = v[0]
		}
		for k, fhs := range r.MultipartForm.File {
			f, err := fhs[0].Open()
			if err != nil {
				return nil, nil, err
			}
			b, _ := io.ReadAll(f)
			f.Close()
			files[k] = b
		}
	default:
		if err := r.ParseForm(); err != nil {
			return nil, nil, err
		}
		for k, v := range r.Form {
			out[k] = v[0]
		}
	}
	return out, files, nil
}

var tagRE = regexp.MustCompile(`^</?(b|strong|i|em|u|ins|s|strike|del|a|code|pre|span|tg-spoiler|blockquote|tg-emoji)(\s[^<>]*)?>`)
var entityRE = regexp.MustCompile(`^&(lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});`)

// ParseHTML returns the text of an HTML-mode message, or Telegram's error
// when the markup is malformed (a bare < or &, an unknown tag).
func ParseHTML(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			m := tagRE.FindString(s[i:])
			if m == "" {
				return "", fmt.Errorf("can't parse entities: Unsupported start tag at byte offset %d", i)
			}
			i += len(m)
		case '&':
			m := entityRE.FindString(s[i:])
			if m == "" {
				return "", fmt.Errorf("can't parse entities: Character entity expected at byte offset %d", i)
			}
			b.WriteString(html.UnescapeString(m))
			i += len(m)
		case '>':
			return "", fmt.Errorf("can't parse entities: Unmatched end tag at byte offset %d", i)
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String(), nil
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == "/" {
		s.index(w)
		return
	}
	rest, found := strings.CutPrefix(r.URL.Path, "/bot")
	tok, method, _ := strings.Cut(rest, "/")
	s.mu.Lock()
	good := found && tok == s.token
	s.mu.Unlock()
	if !good {
		fail(w, 401, "Unauthorized", nil)
		return
	}
	p, files, err := params(r)
	if err != nil {
		fail(w, 400, "Bad Request: invalid request body", nil)
		return
	}
	chat := p["chat_id"]
	if method != "getMe" && chat != "@"+ChannelUsername && chat != strconv.Itoa(ChannelID) {
		fail(w, 400, "Bad Request: chat not found", nil)
		return
	}
	switch method {
	case "getMe":
		ok(w, map[string]any{"id": BotID, "is_bot": true, "first_name": "Chancery", "username": "chancery_bot"})
	case "getChat":
		ok(w, map[string]any{"id": ChannelID, "type": "channel", "title": "Bộ Ngoại giao", "username": ChannelUsername})
	case "getChatMember":
		s.mu.Lock()
		admin := s.admin
		s.mu.Unlock()
		if admin {
			ok(w, map[string]any{"status": "administrator", "can_post_messages": true, "user": map[string]any{"id": BotID}})
		} else {
			ok(w, map[string]any{"status": "left", "user": map[string]any{"id": BotID}})
		}
	case "sendMessage", "sendPhoto", "sendMediaGroup":
		s.send(w, method, p, files)
	case "deleteMessage":
		s.deleteMessage(w, p)
	default:
		fail(w, 404, "Not Found", nil)
	}
}

// index serves GET / without credentials: what the fake holds, as JSON, so
// a newcomer running the demo can see what was published.
func (s *Server) index(w http.ResponseWriter) {
	fakekit.Index(w, "telegram", map[string]any{"channel": "@" + ChannelUsername, "messages": s.Messages()})
}

func (s *Server) send(w http.ResponseWriter, method string, p map[string]string, files map[string][]byte) {
	s.mu.Lock()
	s.sends++
	fault := s.faults.Take()
	now := s.clock.Now()
	if !s.admin && fault == None {
		fault = NotAdmin
	}
	var window []time.Time
	for _, t := range s.recent {
		if now.Sub(t) < time.Minute {
			window = append(window, t)
		}
	}
	s.recent = window
	if fault == None && len(window) >= 20 {
		fault = RateLimited
	}
	switch fault {
	case RateLimited:
		wait := 35
		if len(window) > 0 {
			wait = int((time.Minute - now.Sub(window[0]) + time.Second - 1) / time.Second)
		}
		s.mu.Unlock()
		fail(w, 429, fmt.Sprintf("Too Many Requests: retry after %d", wait), map[string]any{"retry_after": wait})
		return
	case NotAdmin:
		s.mu.Unlock()
		fail(w, 403, "Forbidden: bot is not a member of the channel chat", nil)
		return
	case Unauthorized:
		s.mu.Unlock()
		fail(w, 401, "Unauthorized", nil)
		return
	case ChatNotFound:
		s.mu.Unlock()
		fail(w, 400, "Bad Request: chat not found", nil)
		return
	case BadGateway:
		s.mu.Unlock()
		w.WriteHeader(502)
		fmt.Fprint(w, "<html><center>502 Bad Gateway</center></html>")
		return
	case Garbage:
		s.mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html>maintenance</html>")
		return
	}
	defer s.mu.Unlock()
	var replyTo int64
	if rp := p["reply_parameters"]; rp != "" {
		var ref struct {
			MessageID int64 `json:"message_id"`
		}
		_ = json.Unmarshal([]byte(rp), &ref) // no message_id: refused below
		if _, ok := s.msgs[ref.MessageID]; !ok {
			fail(w, 400, "Bad Request: message to be replied not found", nil)
			return
		}
		replyTo = ref.MessageID
	}
	type part struct {
		html   string
		photos int
	}
	var parts []part
	switch method {
	case "sendMessage":
		parts = []part{{html: p["text"]}}
	case "sendPhoto":
		if len(files["photo"]) == 0 {
			fail(w, 400, "Bad Request: there is no photo in the request", nil)
			return
		}
		parts = []part{{html: p["caption"], photos: 1}}
	case "sendMediaGroup":
		var media []struct{ Type, Media, Caption string }
		if json.Unmarshal([]byte(p["media"]), &media) != nil || len(media) < 2 || len(media) > 10 {
			fail(w, 400, "Bad Request: media must include 2-10 items", nil)
			return
		}
		for _, m := range media {
			name, _ := strings.CutPrefix(m.Media, "attach://")
			if m.Type != "photo" || len(files[name]) == 0 {
				fail(w, 400, "Bad Request: wrong file identifier/HTTP URL specified", nil)
				return
			}
			parts = append(parts, part{html: m.Caption, photos: 1})
		}
	}
	limit := 1024
	if method == "sendMessage" {
		limit = 4096
	}
	texts := make([]string, len(parts))
	for i, pt := range parts {
		var text string
		var err error
		if pt.html != "" && (method != "sendMediaGroup" || i == 0) {
			if text, err = ParseHTML(pt.html); err != nil {
				fail(w, 400, "Bad Request: "+err.Error(), nil)
				return
			}
		}
		n := len(utf16.Encode([]rune(text)))
		if method == "sendMessage" && strings.TrimSpace(text) == "" {
			fail(w, 400, "Bad Request: message text is empty", nil)
			return
		}
		if n > limit {
			if method == "sendMessage" {
				fail(w, 400, "Bad Request: message is too long", nil)
			} else {
				fail(w, 400, "Bad Request: message caption is too long", nil)
			}
			return
		}
		texts[i] = text
	}
	s.recent = append(s.recent, now)
	s.created++
	group := ""
	if method == "sendMediaGroup" {
		group = strconv.FormatInt(s.next+1, 10)
	}
	var results []map[string]any
	for i, pt := range parts {
		s.next++
		m := &Message{ID: s.next, Text: texts[i], HTML: pt.html, Photos: pt.photos, ReplyTo: replyTo, Group: group, Date: now}
		s.msgs[m.ID] = m
		s.order = append(s.order, m.ID)
		res := map[string]any{"message_id": m.ID, "date": now.Unix(),
			"chat": map[string]any{"id": ChannelID, "type": "channel", "title": "Bộ Ngoại giao", "username": ChannelUsername}}
		if m.Text != "" {
			res["text"] = m.Text
		}
		results = append(results, res)
	}
	switch fault {
	case Drop:
		fakekit.Drop(w)
		return
	case ServerError:
		fail(w, 500, "Internal Server Error", nil)
		return
	}
	if method == "sendMediaGroup" {
		ok(w, results)
	} else {
		ok(w, results[0])
	}
}

func (s *Server) deleteMessage(w http.ResponseWriter, p map[string]string) {
	id, _ := strconv.ParseInt(p["message_id"], 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	m, found := s.msgs[id]
	switch {
	case !found:
		fail(w, 400, "Bad Request: message to delete not found", nil)
	case s.clock.Now().Sub(m.Date) >= 48*time.Hour:
		fail(w, 400, "Bad Request: message can't be deleted for everyone", nil)
	default:
		delete(s.msgs, id)
		ok(w, true)
	}
}
