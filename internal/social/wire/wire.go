// Package wire is the HTTP plumbing the network connectors share: it sends a
// request, reads the whole answer, hands the exchange (secrets removed) to
// the audit recorder, and classifies a transport failure as Transient when
// nothing reached the network or Unknown when the request may have taken
// effect.
package wire

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mofa-vn/chancery/internal/outbound"
	"github.com/mofa-vn/chancery/internal/social"
)

// MaxResponse bounds the answer read from a network.
const MaxResponse = 8 << 20

// MaxRecordedBody bounds each body kept in the audit log; media uploads are
// cut there.
const MaxRecordedBody = 64 << 10

// Client sends requests to one network.
type Client struct {
	Network social.Network
	// HTTP is the client used, made by internal/outbound; nil means
	// outbound.Default(), which reaches public addresses only.
	HTTP *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Redact removes network-specific secrets from an exchange before it
	// is recorded (a bot token in the URL path, a token in a JSON body).
	// Authorization, Cookie and Set-Cookie headers are always removed.
	Redact func(*social.Exchange)
}

// Response is a complete answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends req and reads the answer, whatever its status. The error, when
// the network did not answer, is a *social.Error of Class Transient (the
// request never left: refused connection, unknown host, cancelled before
// sending) or Unknown (the request, or part of it, was written: it may have
// taken effect). An address outbound refuses is Rejected (nothing was
// sent, and trying again cannot help); so is a redirect outbound did not
// follow after a GET, while one after any other method is Unknown.
func (c *Client) Do(ctx context.Context, req *http.Request) (*Response, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	hc := c.HTTP
	if hc == nil {
		hc = outbound.Default()
	}
	var reqBody []byte
	if req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			reqBody, _ = io.ReadAll(io.LimitReader(rc, MaxRecordedBody))
			rc.Close()
		}
	}
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{
		WroteHeaderField: func(string, []string) { wrote.Store(true) },
	}
	req = req.WithContext(httptrace.WithClientTrace(ctx, trace))

	ex := social.Exchange{
		Method:        req.Method,
		URL:           req.URL.String(),
		RequestHeader: req.Header.Clone(),
		RequestBody:   reqBody,
		Started:       now(),
	}
	resp, err := hc.Do(req)
	var out *Response
	if err == nil {
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, MaxResponse+1))
		resp.Body.Close()
		switch {
		case rerr != nil:
			err = fmt.Errorf("read answer: %w", rerr)
		case len(body) > MaxResponse:
			err = fmt.Errorf("answer larger than %d bytes", MaxResponse)
		}
		ex.Status = resp.StatusCode
		ex.ResponseHeader = resp.Header.Clone()
		ex.ResponseBody = clip(body)
		if err == nil {
			out = &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
		}
	}
	ex.Duration = now().Sub(ex.Started)
	if err != nil {
		ex.Err = err.Error()
	}
	ex = c.redact(ex)
	social.Record(ctx, ex)
	if err != nil {
		class := social.Unknown
		if !wrote.Load() && ex.Status == 0 {
			class = social.Transient
		}
		reason := transportReason(class)
		switch {
		case errors.Is(err, outbound.ErrNotAllowed):
			class, reason = social.Rejected, "the server's address is not allowed (loopback, private or special-purpose); nothing was sent"
		case errors.Is(err, outbound.ErrRedirect):
			reason = "the network answered with a redirect, which is not followed to another server or with credentials"
			if req.Method == http.MethodGet || req.Method == http.MethodHead {
				class = social.Rejected
			} else {
				reason += "; the post may exist"
			}
		}
		// A transport error quotes the URL, which may hold a secret
		// (Telegram's bot token): the error carries the redacted text.
		return nil, &social.Error{Network: c.Network, Class: class, Status: ex.Status,
			Reason: reason, Err: &redactedError{msg: ex.Err, err: err}}
	}
	return out, nil
}

// redactedError shows the redacted message of err while keeping err for
// errors.Is and errors.As (timeouts, cancellation).
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func transportReason(c social.Class) string {
	if c == social.Transient {
		return "the network could not be reached; nothing was sent"
	}
	return "the connection failed after the request was sent; the post may exist"
}

func (c *Client) redact(ex social.Exchange) social.Exchange {
	for _, h := range []http.Header{ex.RequestHeader, ex.ResponseHeader} {
		for _, k := range []string{"Authorization", "Cookie", "Set-Cookie", "Proxy-Authorization"} {
			if h.Get(k) != "" {
				h.Set(k, "[redacted]")
			}
		}
	}
	if c.Redact != nil {
		c.Redact(&ex)
	}
	return ex
}

func clip(b []byte) []byte {
	if len(b) > MaxRecordedBody {
		return append(b[:MaxRecordedBody:MaxRecordedBody], "…[cut]"...)
	}
	return b
}

// NewRequest builds a request with a body that can be re-read for the audit
// log. body may be nil.
func NewRequest(ctx context.Context, method, rawURL string, body []byte, contentType string) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, r)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req, nil
}

// JoinURL joins a configured base URL ("https://api.x.com", or a fake's
// "http://127.0.0.1:4321/") and a path ("/2/tweets").
func JoinURL(base, path string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("base URL %q: want http(s)://host", base)
	}
	return strings.TrimSuffix(u.String(), "/") + path, nil
}

// RedactPathSegment replaces secret, wherever it appears in the recorded
// URL, with "[redacted]" (Telegram puts the bot token in the path).
func RedactPathSegment(secret string) func(*social.Exchange) {
	return func(ex *social.Exchange) {
		if secret != "" {
			ex.URL = strings.ReplaceAll(ex.URL, secret, "[redacted]")
			ex.Err = strings.ReplaceAll(ex.Err, secret, "[redacted]")
			ex.RequestBody = bytes.ReplaceAll(ex.RequestBody, []byte(secret), []byte("[redacted]"))
		}
	}
}

// IsTimeout reports whether err is a timeout or a deadline.
func IsTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &te) && te.Timeout())
}
