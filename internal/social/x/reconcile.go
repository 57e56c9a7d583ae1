package x

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/x/xtext"
	"golang.org/x/text/unicode/norm"
)

// ReconcileLag is how long a new post may take to show in the account's
// timeline (GET /2/users/:id/tweets), which X serves from an eventually
// consistent store: several seconds.
const ReconcileLag = 10 * time.Second

// tweet is a post as GET /2/users/:id/tweets returns it with
// tweet.fields=created_at,entities: the text with every link shortened to
// a t.co address and &, <, > escaped, and the links in entities.urls.
type tweet struct {
	ID        string    `json:"id"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
	// Referenced holds, for a reply, the post it replies to.
	Referenced []struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"referenced_tweets"`
	Entities struct {
		URLs []struct {
			Start       int    `json:"start"`
			End         int    `json:"end"`
			URL         string `json:"url"`
			ExpandedURL string `json:"expanded_url"`
			DisplayURL  string `json:"display_url"`
			// MediaKey marks the link X appends to the text of a post
			// with media, pointing to the media, not typed by anyone.
			MediaKey string `json:"media_key"`
		} `json:"urls"`
	} `json:"entities"`
}

// skeleton returns the post's text as it was typed, links aside: t.co
// addresses replaced by a marker and the media link dropped, HTML escaping
// undone, NFC; and the links' expanded addresses, in order.
func (t tweet) skeleton() (string, []string) {
	text := t.Text
	var b strings.Builder
	var links []string
	pos := 0
	for _, u := range t.Entities.URLs {
		if u.URL == "" {
			continue
		}
		i := strings.Index(text[pos:], u.URL)
		if i < 0 {
			continue
		}
		b.WriteString(text[pos : pos+i])
		pos += i + len(u.URL)
		if u.MediaKey != "" {
			continue
		}
		b.WriteString(marker)
		links = append(links, u.ExpandedURL)
	}
	b.WriteString(text[pos:])
	return norm.NFC.String(html.UnescapeString(b.String())), links
}

// expanded returns the post's text with every link as its address.
func (t tweet) expanded() string {
	sk, links := t.skeleton()
	parts := strings.Split(sk, marker)
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteString(links[i-1])
		}
		b.WriteString(p)
	}
	return strings.TrimSpace(b.String())
}

// repliesTo returns the post t replies to, or "".
func (t tweet) repliesTo() string {
	for _, r := range t.Referenced {
		if r.Type == "replied_to" {
			return r.ID
		}
	}
	return ""
}

// marker stands for a link in a skeleton; no post contains it.
const marker = "\x00"

// timeline reads the account's posts created at or after since (zero: no
// bound), newest first, at most limit (≤ 100) of them.
func (c *Client) timeline(ctx context.Context, since time.Time, limit int) ([]tweet, error) {
	id, err := c.userID(ctx)
	if err != nil {
		return nil, err
	}
	q := url.Values{"max_results": {strconv.Itoa(min(max(limit, 5), 100))}, "tweet.fields": {"created_at,entities,referenced_tweets"}}
	if !since.IsZero() {
		q.Set("start_time", since.UTC().Truncate(time.Second).Format(time.RFC3339))
	}
	var out struct {
		Data []tweet `json:"data"`
	}
	if err := c.callJSON(ctx, "GET /2/users/:id/tweets", http.MethodGet, "/2/users/"+url.PathEscape(id)+"/tweets?"+q.Encode(), nil, &out); err != nil {
		return nil, err
	}
	if len(out.Data) > limit {
		out.Data = out.Data[:limit]
	}
	return out.Data, nil
}

// Recent returns the account's posts created at or after since (zero: no
// bound), newest first, at most limit (≤ 100) of them, with their links
// expanded.
func (c *Client) Recent(ctx context.Context, since time.Time, limit int) ([]social.RemotePost, error) {
	if limit <= 0 {
		return nil, nil
	}
	ts, err := c.timeline(ctx, since, limit)
	if err != nil {
		return nil, err
	}
	posts := make([]social.RemotePost, 0, len(ts))
	for _, t := range ts {
		posts = append(posts, social.RemotePost{ID: t.ID, URL: c.postURL(t.ID), Text: t.expanded(), Created: t.CreatedAt})
	}
	return posts, nil
}

// Reconcile returns the account's posts created at or after since whose
// text is exactly p's, whose links point exactly where p's do, and which
// reply to p.ReplyTo (the previous part of a thread), or to nothing. X has no
// idempotency key and no cheaper "did it post?" query, so it reads the
// 100 most recent posts since then (with their entities, which hold the
// address behind each t.co link).
func (c *Client) Reconcile(ctx context.Context, p social.Post, since time.Time) ([]social.Result, error) {
	ts, err := c.timeline(ctx, since, 100)
	if err != nil {
		return nil, err
	}
	var out []social.Result
	floor := since.Truncate(time.Second) // X's timestamps are to the second
	for _, t := range ts {
		if !since.IsZero() && t.CreatedAt.Before(floor) || t.repliesTo() != p.ReplyTo {
			continue
		}
		if sk, links := t.skeleton(); Matches(p.Text, sk, links) {
			out = append(out, social.Result{ID: t.ID, URL: c.postURL(t.ID), Created: t.CreatedAt})
		}
	}
	return out, nil
}

// Matches reports whether sent, the text Chancery sent, is the post X
// returned as skeleton and links (see tweet.skeleton): the same text once
// X's rewriting is undone (runs of white space count as one space), and
// each link, in order, the same address as the one X expanded, compared
// as a URL (X adds http:// to a link typed without a scheme; scheme and
// host are case-insensitive). A link that differs by one character is
// another post.
func Matches(sent, skeleton string, links []string) bool {
	sent = norm.NFC.String(sent)
	sentSkel := xtext.ReplaceURLs(sent, marker)
	if squash(sentSkel) != squash(skeleton) {
		return false
	}
	segs := strings.Split(sentSkel, marker)
	if len(segs) != len(links)+1 {
		return false
	}
	// Walk the sent text: each link is what lies between its segments.
	pos := len(segs[0])
	for i, link := range links {
		next, rest := segs[i+1], sent[pos:]
		last := i == len(links)-1
		found := false
		for k := 1; k <= len(rest); k++ {
			if !strings.HasPrefix(rest[k:], next) || last && k+len(next) != len(rest) {
				continue
			}
			if sameURL(rest[:k], link) {
				pos += k + len(next)
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// squash trims s and makes each run of white space one space.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

// sameURL compares a link as typed with the address X expanded it to.
func sameURL(typed, expanded string) bool {
	return typed != "" && expanded != "" && canonURL(typed) == canonURL(expanded)
}

// canonURL is the form two spellings of one address share: a scheme
// (http:// when typed without one), scheme and host in lower case, "/" for
// an empty path, and the path and query in one percent-encoding.
func canonURL(s string) string {
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	u.Scheme, u.Host = strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String()
}
