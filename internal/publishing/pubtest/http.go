package pubtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
	"unicode/utf8"

	"github.com/mofa-vn/chancery/internal/social"
)

// Handler serves n over HTTP in the manner of Mastodon's statuses API: POST
// /posts creates, honouring the Idempotency-Key header when n.Lim.Idempotent;
// GET /posts?key=&text=&link=&since= lists what Network.Reconcile finds;
// DELETE /posts/{id}; GET /me. It lets
// a real server process publish to an in-test network.
func Handler(n *Network) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /posts", func(w http.ResponseWriter, r *http.Request) {
		var p social.Post
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		p.Key = r.Header.Get("Idempotency-Key")
		res, err := n.Publish(r.Context(), p)
		if err != nil {
			status := http.StatusInternalServerError
			switch social.ClassOf(err) {
			case social.Transient:
				status = http.StatusServiceUnavailable
			case social.RateLimited:
				status = http.StatusTooManyRequests
			case social.AuthExpired:
				status = http.StatusUnauthorized
			case social.Rejected, social.Duplicate:
				status = http.StatusUnprocessableEntity
			}
			http.Error(w, err.Error(), status)
			return
		}
		writeJSON(w, http.StatusOK, res)
	})
	mux.HandleFunc("GET /posts", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		since, _ := time.Parse(time.RFC3339Nano, q.Get("since"))
		res, err := n.Reconcile(r.Context(), social.Post{Key: q.Get("key"), Text: q.Get("text"), Link: q.Get("link")}, since)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, http.StatusOK, res)
	})
	mux.HandleFunc("DELETE /posts/{id}", func(w http.ResponseWriter, r *http.Request) {
		if err := n.Delete(r.Context(), r.PathValue("id")); err != nil {
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		acc, err := n.WhoAmI(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		writeJSON(w, http.StatusOK, acc)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Client publishes to a Handler over HTTP. It classifies outcomes as the
// connectors do: an answer that never came is Unknown, a 5xx Transient.
type Client struct {
	BaseURL string
	Name    social.Network
	Lim     social.Limits
	HTTP    *http.Client
}

var _ social.Publisher = (*Client)(nil)

// Network implements social.Publisher.
func (c *Client) Network() social.Network { return c.Name }

// Limits implements social.Publisher.
func (c *Client) Limits() social.Limits { return c.Lim }

// Count counts code points.
func (c *Client) Count(text string) int { return utf8.RuneCountInString(text) }

func (c *Client) do(ctx context.Context, method, path string, body []byte, hdr map[string]string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	started := time.Now()
	res, err := c.HTTP.Do(req)
	ex := social.Exchange{Method: method, URL: c.BaseURL + path, RequestBody: body, Started: started}
	if err != nil {
		ex.Err, ex.Duration = err.Error(), time.Since(started)
		social.Record(ctx, ex)
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	ex.Status, ex.ResponseBody, ex.ResponseHeader, ex.Duration = res.StatusCode, b, res.Header, time.Since(started)
	social.Record(ctx, ex)
	return res.StatusCode, b, err
}

func (c *Client) fail(class social.Class, status int, msg string) error {
	return &social.Error{Network: c.Name, Class: class, Status: status, Reason: msg}
}

// Publish implements social.Publisher.
func (c *Client) Publish(ctx context.Context, p social.Post) (social.Result, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return social.Result{}, c.fail(social.Rejected, 0, err.Error())
	}
	status, b, err := c.do(ctx, http.MethodPost, "/posts", body, map[string]string{"Idempotency-Key": p.Key, "Content-Type": "application/json"})
	switch {
	case err != nil:
		return social.Result{}, &social.Error{Network: c.Name, Class: social.Unknown, Err: err}
	case status == http.StatusOK:
		var r social.Result
		if err := json.Unmarshal(b, &r); err != nil {
			return social.Result{}, &social.Error{Network: c.Name, Class: social.Unknown, Err: err}
		}
		return r, nil
	case status == http.StatusTooManyRequests:
		return social.Result{}, &social.Error{Network: c.Name, Class: social.RateLimited, Status: status, Reason: string(b),
			Until: time.Now().Add(time.Second)}
	case status >= 500:
		return social.Result{}, c.fail(social.Transient, status, string(b))
	case status == http.StatusUnauthorized:
		return social.Result{}, c.fail(social.AuthExpired, status, string(b))
	}
	return social.Result{}, c.fail(social.Rejected, status, string(b))
}

// Delete implements social.Publisher.
func (c *Client) Delete(ctx context.Context, id string) error {
	status, b, err := c.do(ctx, http.MethodDelete, "/posts/"+url.PathEscape(id), nil, nil)
	if err != nil {
		return &social.Error{Network: c.Name, Class: social.Unknown, Err: err}
	}
	if status >= 300 {
		return c.fail(social.Rejected, status, string(b))
	}
	return nil
}

// WhoAmI implements social.Publisher.
func (c *Client) WhoAmI(ctx context.Context) (social.Account, error) {
	status, b, err := c.do(ctx, http.MethodGet, "/me", nil, nil)
	if err != nil {
		return social.Account{}, &social.Error{Network: c.Name, Class: social.Transient, Err: err}
	}
	if status != http.StatusOK {
		return social.Account{}, c.fail(social.AuthExpired, status, string(b))
	}
	var a social.Account
	if err := json.Unmarshal(b, &a); err != nil {
		return social.Account{}, fmt.Errorf("pubtest: whoami: %w", err)
	}
	return a, nil
}

// Reconcile implements social.Publisher.
func (c *Client) Reconcile(ctx context.Context, p social.Post, since time.Time) ([]social.Result, error) {
	q := url.Values{"key": {p.Key}, "text": {p.Text}, "link": {p.Link}, "since": {since.UTC().Format(time.RFC3339Nano)}}
	status, b, err := c.do(ctx, http.MethodGet, "/posts?"+q.Encode(), nil, nil)
	switch {
	case err != nil:
		return nil, &social.Error{Network: c.Name, Class: social.Unknown, Err: err}
	case status != http.StatusOK:
		return nil, c.fail(social.Unknown, status, string(b))
	}
	var rs []social.Result
	if err := json.Unmarshal(b, &rs); err != nil {
		return nil, &social.Error{Network: c.Name, Class: social.Unknown, Err: err}
	}
	return rs, nil
}

// Recent implements social.Publisher; the fake keeps no public timeline.
func (c *Client) Recent(context.Context, time.Time, int) ([]social.RemotePost, error) {
	return nil, nil
}
