// Package telegram publishes to a Telegram channel through a bot that is
// one of its administrators (../shared/reference/social-apis.md §6):
// sendMessage in HTML parse mode, sendPhoto and sendMediaGroup, replies,
// deleteMessage (which Telegram refuses 48 hours after sending). Telegram
// has no idempotency and bots cannot read a channel's history, so an
// unknown outcome can only be settled by a person. It imports only
// internal/social and its wire plumbing.
package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/wire"
)

// Limits of the Bot API.
const (
	MaxText      = 4096
	MaxCaption   = 1024
	MaxMedia     = 10
	DeleteWindow = 48 * time.Hour
)

// Secret is the JSON a Telegram channel keeps in its social.Credentials.
type Secret struct {
	// BotToken is the token BotFather gave, "123456789:AA…".
	BotToken string `json:"bot_token"`
	// ChatID is the channel, "@username" or its numeric id "-100…".
	ChatID string `json:"chat_id"`
}

var tokenRE = regexp.MustCompile(`^[0-9]{5,16}:[A-Za-z0-9_-]{30,64}$`)

// ValidToken reports whether s looks like a bot token; a token pasted with
// spaces or of another kind is refused when the channel is connected.
func ValidToken(s string) bool { return tokenRE.MatchString(s) }

// Config builds a Client.
type Config struct {
	// BaseURL is the Bot API server, "https://api.telegram.org".
	BaseURL     string
	Credentials social.Credentials
	HTTP        *http.Client
	Now         func() time.Time
}

// Client is a social.Publisher for one channel.
type Client struct {
	cfg Config
	now func() time.Time
}

var _ social.Publisher = (*Client)(nil)

// New returns a client for cfg.
func New(cfg Config) (*Client, error) {
	if _, err := wire.JoinURL(cfg.BaseURL, "/"); err != nil {
		return nil, fmt.Errorf("telegram: %w", err)
	}
	if cfg.Credentials == nil {
		return nil, fmt.Errorf("telegram: no credentials")
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Client{cfg: cfg, now: now}, nil
}

// Network returns social.Telegram.
func (c *Client) Network() social.Network { return social.Telegram }

// Limits returns 4096 characters (1024 with media), 10 photos, replies, and
// the 48-hour delete window.
func (c *Client) Limits() social.Limits {
	return social.Limits{MaxLength: MaxText, MaxMedia: MaxMedia, Threads: true, DeleteWindow: DeleteWindow}
}

// Count returns the length in UTF-16 code units, as Telegram counts.
func (c *Client) Count(text string) int { return len(utf16.Encode([]rune(text))) }

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// EscapeHTML escapes text for parse_mode HTML: the Bot API requires <, >
// and & to be written as entities.
func EscapeHTML(text string) string { return htmlEscaper.Replace(text) }

// message is the part of a Message we read.
type message struct {
	MessageID int64 `json:"message_id"`
	Date      int64 `json:"date"`
	Chat      struct {
		ID       int64  `json:"id"`
		Username string `json:"username"`
	} `json:"chat"`
}

// Publish sends the text, or the photos with the text as caption, to the
// channel. A thread's later parts reply to the previous message. The ID of
// a media group lists its messages, "12,13,14".
func (c *Client) Publish(ctx context.Context, p social.Post) (social.Result, error) {
	if err := c.Check(p); err != nil {
		r, _ := errors.AsType[*social.Refusal](err)
		return social.Result{}, c.fail(social.Rejected, 0, "", r.Reason, err)
	}
	s, err := c.secret(ctx)
	if err != nil {
		return social.Result{}, err
	}
	var reply map[string]any
	if p.ReplyTo != "" {
		first, _, _ := strings.Cut(p.ReplyTo, ",")
		id, err := strconv.ParseInt(first, 10, 64)
		if err != nil {
			return social.Result{}, c.fail(social.Rejected, 0, "", fmt.Sprintf("%q is not a Telegram message to reply to", p.ReplyTo), nil)
		}
		reply = map[string]any{"message_id": id}
	}
	var resp *wire.Response
	switch len(p.Media) {
	case 0:
		body := map[string]any{"chat_id": s.ChatID, "text": EscapeHTML(p.Text), "parse_mode": "HTML"}
		if reply != nil {
			body["reply_parameters"] = reply
		}
		b, _ := json.Marshal(body)
		resp, err = c.call(ctx, s, "sendMessage", b, "application/json")
	case 1:
		fields := map[string]string{"chat_id": s.ChatID, "caption": EscapeHTML(p.Text), "parse_mode": "HTML"}
		if reply != nil {
			b, _ := json.Marshal(reply)
			fields["reply_parameters"] = string(b)
		}
		body, ctype, ferr := multipartBody(fields, p.Media)
		if ferr != nil {
			return social.Result{}, c.fail(social.Rejected, 0, "", "the photo could not be encoded", ferr)
		}
		resp, err = c.call(ctx, s, "sendPhoto", body, ctype)
	default:
		var media []map[string]string
		for i := range p.Media {
			m := map[string]string{"type": "photo", "media": "attach://photo" + strconv.Itoa(i)}
			if i == 0 && p.Text != "" {
				m["caption"], m["parse_mode"] = EscapeHTML(p.Text), "HTML"
			}
			media = append(media, m)
		}
		mj, _ := json.Marshal(media)
		fields := map[string]string{"chat_id": s.ChatID, "media": string(mj)}
		if reply != nil {
			b, _ := json.Marshal(reply)
			fields["reply_parameters"] = string(b)
		}
		body, ctype, ferr := multipartBody(fields, p.Media)
		if ferr != nil {
			return social.Result{}, c.fail(social.Rejected, 0, "", "the photos could not be encoded", ferr)
		}
		resp, err = c.call(ctx, s, "sendMediaGroup", body, ctype)
	}
	if err != nil {
		return social.Result{}, err
	}
	var msgs []message
	if len(p.Media) > 1 {
		err = decodeResult(resp.Body, &msgs)
	} else {
		var m message
		err = decodeResult(resp.Body, &m)
		msgs = []message{m}
	}
	if err != nil || len(msgs) == 0 || msgs[0].MessageID == 0 {
		return social.Result{}, c.fail(social.Unknown, resp.Status, "", "Telegram answered with an unreadable message; the post may have been sent, a person must check the channel", err)
	}
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = strconv.FormatInt(m.MessageID, 10)
	}
	r := social.Result{ID: strings.Join(ids, ","), Created: time.Unix(msgs[0].Date, 0).UTC()}
	if u := msgs[0].Chat.Username; u != "" {
		r.URL = "https://t.me/" + u + "/" + ids[0]
	}
	return r, nil
}

// multipartBody writes fields and the photos as photo0, photo1, … (a
// single photo as "photo"). Telegram has no alt text for photos: the alt
// text is not sent.
func multipartBody(fields map[string]string, media []social.Media) ([]byte, string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			return nil, "", err
		}
	}
	for i, m := range media {
		field := "photo" + strconv.Itoa(i)
		if len(media) == 1 {
			field = "photo"
		}
		name := m.Filename
		if name == "" {
			name = field + ".jpg"
		}
		fw, err := mw.CreateFormFile(field, name)
		if err != nil {
			return nil, "", err
		}
		if _, err := fw.Write(m.Data); err != nil {
			return nil, "", err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), mw.FormDataContentType(), nil
}

// Delete deletes the message(s) of a post. Telegram refuses once 48 hours
// have passed: the error then says a person must delete it in a client.
func (c *Client) Delete(ctx context.Context, id string) error {
	s, err := c.secret(ctx)
	if err != nil {
		return err
	}
	for part := range strings.SplitSeq(id, ",") {
		mid, err := strconv.ParseInt(part, 10, 64)
		if err != nil {
			return c.fail(social.Rejected, 0, "", fmt.Sprintf("%q is not a Telegram message id", id), nil)
		}
		b, _ := json.Marshal(map[string]any{"chat_id": s.ChatID, "message_id": mid})
		_, err = c.call(ctx, s, "deleteMessage", b, "application/json")
		if e, ok := errors.AsType[*social.Error](err); ok {
			d := strings.ToLower(e.Code + " " + errString(e.Err))
			switch {
			case strings.Contains(d, "message to delete not found"):
				continue // already gone
			case strings.Contains(d, "can't be deleted"):
				e.Class = social.Rejected
				e.Reason = "Telegram no longer allows the bot to delete this message (more than 48 hours since it was sent); delete it by hand in a Telegram client"
				return e
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// WhoAmI checks the bot token, the channel and that the bot may post there.
func (c *Client) WhoAmI(ctx context.Context) (social.Account, error) {
	s, err := c.secret(ctx)
	if err != nil {
		return social.Account{}, err
	}
	resp, err := c.call(ctx, s, "getMe", []byte("{}"), "application/json")
	if err != nil {
		return social.Account{}, err
	}
	var bot struct {
		ID int64 `json:"id"`
	}
	if err := decodeResult(resp.Body, &bot); err != nil {
		return social.Account{}, c.fail(social.Transient, resp.Status, "", "Telegram answered getMe unreadably", err)
	}
	b, _ := json.Marshal(map[string]any{"chat_id": s.ChatID})
	resp, err = c.call(ctx, s, "getChat", b, "application/json")
	if err != nil {
		return social.Account{}, err
	}
	var chat struct {
		ID       int64  `json:"id"`
		Title    string `json:"title"`
		Username string `json:"username"`
		Type     string `json:"type"`
	}
	if err := decodeResult(resp.Body, &chat); err != nil {
		return social.Account{}, c.fail(social.Transient, resp.Status, "", "Telegram answered getChat unreadably", err)
	}
	b, _ = json.Marshal(map[string]any{"chat_id": s.ChatID, "user_id": bot.ID})
	resp, err = c.call(ctx, s, "getChatMember", b, "application/json")
	if err != nil {
		return social.Account{}, err
	}
	var member struct {
		Status         string `json:"status"`
		CanPostMessage bool   `json:"can_post_messages"`
	}
	if err := decodeResult(resp.Body, &member); err != nil {
		return social.Account{}, c.fail(social.Transient, resp.Status, "", "Telegram answered getChatMember unreadably", err)
	}
	if member.Status != "creator" && (member.Status != "administrator" || !member.CanPostMessage) {
		return social.Account{}, c.fail(social.AuthExpired, resp.Status, member.Status,
			"the bot is not an administrator of the channel allowed to post messages; make it one in the channel's settings", nil)
	}
	a := social.Account{ID: strconv.FormatInt(chat.ID, 10), Name: chat.Title, Verified: c.now()}
	if chat.Username != "" {
		a.Handle, a.URL = "@"+chat.Username, "https://t.me/"+chat.Username
	}
	return a, nil
}

// Reconcile cannot know: Telegram has no idempotency and a bot cannot read
// the channel. It always answers Unknown, so that a person checks.
func (c *Client) Reconcile(ctx context.Context, p social.Post, since time.Time) ([]social.Result, error) {
	return nil, c.fail(social.Unknown, 0, "", "Telegram cannot tell whether the message was sent: a person must check the channel", nil)
}

// Recent is not possible: a bot cannot read a channel's history.
func (c *Client) Recent(ctx context.Context, since time.Time, limit int) ([]social.RemotePost, error) {
	return nil, c.fail(social.Rejected, 0, "unsupported", "a Telegram bot cannot read the channel's history", nil)
}

func (c *Client) secret(ctx context.Context) (Secret, error) {
	raw, err := c.cfg.Credentials.Load(ctx)
	if err != nil {
		return Secret{}, c.fail(social.Transient, 0, "", "the channel's credentials could not be read", err)
	}
	var s Secret
	if err := json.Unmarshal(raw, &s); err != nil || !ValidToken(s.BotToken) || s.ChatID == "" {
		return Secret{}, c.fail(social.AuthExpired, 0, "", "the channel has no valid bot token and channel; reconnect it", err)
	}
	return s, nil
}

// APIError is the Bot API's error body.
type APIError struct {
	OK          bool   `json:"ok"`
	ErrorCode   int    `json:"error_code"`
	Description string `json:"description"`
	Parameters  struct {
		RetryAfter      int   `json:"retry_after"`
		MigrateToChatID int64 `json:"migrate_to_chat_id"`
	} `json:"parameters"`
}

// ParseError reads a Bot API error body; ok is false when the body is not
// one.
func ParseError(body []byte) (APIError, bool) {
	var e APIError
	if json.Unmarshal(body, &e) != nil || e.OK || (e.ErrorCode == 0 && e.Description == "") {
		return APIError{}, false
	}
	return e, true
}

func decodeResult(body []byte, v any) error {
	var env struct {
		OK     bool            `json:"ok"`
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return err
	}
	if !env.OK {
		return fmt.Errorf("ok is false")
	}
	return json.Unmarshal(env.Result, v)
}

// call sends one Bot API method; the answer is returned only when ok.
func (c *Client) call(ctx context.Context, s Secret, method string, body []byte, ctype string) (*wire.Response, error) {
	u, err := wire.JoinURL(c.cfg.BaseURL, "/bot"+s.BotToken+"/"+method)
	if err != nil {
		return nil, c.fail(social.Rejected, 0, "", "the Bot API address is not valid", err)
	}
	req, err := wire.NewRequest(ctx, http.MethodPost, u, body, ctype)
	if err != nil {
		return nil, c.fail(social.Rejected, 0, "", "the request could not be built", err)
	}
	w := &wire.Client{Network: social.Telegram, HTTP: c.cfg.HTTP, Now: c.now, Redact: redactor(s.BotToken)}
	resp, err := w.Do(ctx, req)
	if err != nil {
		if e, ok := errors.AsType[*social.Error](err); ok {
			e.Err = redactErr(e.Err, s.BotToken)
		}
		return nil, err
	}
	if resp.Status == http.StatusOK {
		return resp, nil
	}
	return nil, c.classify(resp, strings.HasPrefix(method, "send"))
}

// redactor removes the bot token from the recorded URL and body, and from
// a transport error, which quotes the URL.
func redactor(token string) func(*social.Exchange) {
	path := wire.RedactPathSegment(token)
	return func(ex *social.Exchange) {
		path(ex)
		ex.Err = strings.ReplaceAll(ex.Err, token, "[redacted]")
	}
}

// redactErr removes the token from a transport error, which quotes the URL.
func redactErr(err error, token string) error {
	if err == nil || !strings.Contains(err.Error(), token) {
		return err
	}
	return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), token, "[redacted]"))
}

func (c *Client) fail(class social.Class, status int, code, reason string, err error) *social.Error {
	return &social.Error{Network: social.Telegram, Class: class, Status: status, Code: code, Reason: reason, Err: err}
}

func (c *Client) classify(resp *wire.Response, send bool) *social.Error {
	ae, ok := ParseError(resp.Body)
	e := c.fail(social.Rejected, resp.Status, strconv.Itoa(resp.Status), "", nil)
	if ok {
		e.Err = fmt.Errorf("%s", ae.Description)
	}
	desc := strings.ToLower(ae.Description)
	switch s := resp.Status; {
	case s == http.StatusTooManyRequests:
		e.Class, e.Reason = social.RateLimited, "Telegram is limiting the bot; waiting as it asks"
		wait := time.Duration(ae.Parameters.RetryAfter) * time.Second
		if wait <= 0 || wait > 24*time.Hour {
			wait = time.Minute
		}
		e.Until = c.now().Add(wait)
	case s == http.StatusUnauthorized:
		e.Class, e.Reason = social.AuthExpired, "Telegram refuses the bot token (revoked or changed in BotFather); reconnect the channel"
	case s == http.StatusForbidden:
		e.Class, e.Reason = social.AuthExpired, "the bot is not an administrator of the channel allowed to post; add it back as an administrator"
	case strings.Contains(desc, "chat not found"):
		e.Reason = "Telegram does not know this channel; check the channel name"
	case strings.Contains(desc, "can't parse entities"):
		e.Reason = "Telegram could not read the message's formatting: " + ae.Description
	case s == http.StatusInternalServerError && send:
		e.Class, e.Reason = social.Unknown, "Telegram failed while sending; the message may have been sent, a person must check the channel"
	case s >= 500:
		e.Class, e.Reason = social.Transient, "Telegram is unavailable; retry later"
	case ok:
		e.Reason = "Telegram refused the request: " + ae.Description
	default:
		e.Class, e.Reason = social.Unknown, "Telegram answered with something unreadable"
		if !send {
			e.Class = social.Transient
		}
	}
	return e
}

var chatRE = regexp.MustCompile(`^(@[A-Za-z][A-Za-z0-9_]{3,31}|-100[0-9]{5,20})$`)

// Validate checks a secret when a channel is connected, before it is
// saved.
func (s Secret) Validate() error {
	switch {
	case strings.ContainsAny(s.BotToken, " \t\r\n"):
		return fmt.Errorf("telegram: the bot token contains spaces; paste it again exactly as BotFather gave it")
	case !ValidToken(s.BotToken):
		return fmt.Errorf("telegram: this is not a bot token (digits, a colon, then letters: 123456789:AA…); get it from @BotFather")
	case !chatRE.MatchString(s.ChatID):
		return fmt.Errorf("telegram: %q is not a channel: give its @username or its numeric id (-100…)", s.ChatID)
	}
	return nil
}
