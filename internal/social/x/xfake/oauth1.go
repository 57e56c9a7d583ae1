package xfake

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// This file verifies OAuth 1.0a signatures (RFC 5849 §3.4, HMAC-SHA1),
// written from the RFC rather than from the client library, so that the
// fake catches a client that signs wrongly.

// PercentEncode encodes s per RFC 5849 §3.6: every byte except the
// unreserved characters ALPHA, DIGIT, "-", ".", "_" and "~" becomes %XX
// with upper-case hex.
func PercentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// Param is one request parameter, decoded.
type Param struct{ Name, Value string }

// BaseString builds the signature base string of RFC 5849 §3.4.1: the
// upper-case method, the base string URI and the normalised parameters,
// each percent-encoded and joined with "&".
func BaseString(method, baseURI string, params []Param) string {
	enc := make([]Param, len(params))
	for i, p := range params {
		enc[i] = Param{PercentEncode(p.Name), PercentEncode(p.Value)}
	}
	sort.Slice(enc, func(i, j int) bool {
		if enc[i].Name != enc[j].Name {
			return enc[i].Name < enc[j].Name
		}
		return enc[i].Value < enc[j].Value
	})
	pairs := make([]string, len(enc))
	for i, p := range enc {
		pairs[i] = p.Name + "=" + p.Value
	}
	return strings.ToUpper(method) + "&" + PercentEncode(baseURI) + "&" + PercentEncode(strings.Join(pairs, "&"))
}

// HMACSHA1 signs a base string with the consumer and token secrets (RFC
// 5849 §3.4.2) and returns the base64 signature.
func HMACSHA1(base, consumerSecret, tokenSecret string) string {
	mac := hmac.New(sha1.New, []byte(PercentEncode(consumerSecret)+"&"+PercentEncode(tokenSecret)))
	mac.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// BaseURI is the base string URI of r (RFC 5849 §3.4.1.2): lower-case
// scheme and host, the port only when not the default, the path without
// query.
func BaseURI(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := strings.ToLower(r.Host)
	if h, p, ok := strings.Cut(host, ":"); ok && (scheme == "http" && p == "80" || scheme == "https" && p == "443") {
		host = h
	}
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path
}

// ParseAuthorization reads the OAuth parameters of an Authorization header
// (RFC 5849 §3.5.1).
func ParseAuthorization(h string) (map[string]string, error) {
	rest, ok := strings.CutPrefix(h, "OAuth ")
	if !ok {
		return nil, errors.New("not an OAuth header")
	}
	out := map[string]string{}
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return nil, fmt.Errorf("malformed OAuth parameter %q", part)
		}
		key, err1 := url.PathUnescape(k)
		val, err2 := url.PathUnescape(v[1 : len(v)-1])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("malformed OAuth parameter %q", part)
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("OAuth parameter %s given twice", key)
		}
		out[key] = val
	}
	return out, nil
}

// OAuth1Request is what VerifyOAuth1 learned from a valid request.
type OAuth1Request struct {
	ConsumerKey, Token, Nonce, Timestamp string
}

// VerifyOAuth1 checks the HMAC-SHA1 signature of r, whose body (already
// read) is body. secrets returns the consumer secret of a consumer key and
// the token secret of a token. Form-encoded bodies are signed; other bodies
// (JSON) are not part of the base string.
func VerifyOAuth1(r *http.Request, body []byte, consumerSecret func(key string) (string, bool), tokenSecret func(token string) (string, bool)) (OAuth1Request, error) {
	ps, err := ParseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return OAuth1Request{}, err
	}
	if ps["oauth_signature_method"] != "HMAC-SHA1" {
		return OAuth1Request{}, errors.New("oauth_signature_method must be HMAC-SHA1")
	}
	if v, ok := ps["oauth_version"]; ok && v != "1.0" {
		return OAuth1Request{}, errors.New("oauth_version must be 1.0")
	}
	for _, k := range []string{"oauth_consumer_key", "oauth_token", "oauth_nonce", "oauth_timestamp", "oauth_signature"} {
		if ps[k] == "" {
			return OAuth1Request{}, fmt.Errorf("missing %s", k)
		}
	}
	cs, ok := consumerSecret(ps["oauth_consumer_key"])
	if !ok {
		return OAuth1Request{}, errors.New("unknown consumer key")
	}
	ts, ok := tokenSecret(ps["oauth_token"])
	if !ok {
		return OAuth1Request{}, errors.New("unknown token")
	}
	var params []Param
	for k, v := range ps {
		if k != "oauth_signature" && k != "realm" {
			params = append(params, Param{k, v})
		}
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return OAuth1Request{}, fmt.Errorf("query: %w", err)
	}
	params = appendValues(params, q)
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		f, err := url.ParseQuery(string(body))
		if err != nil {
			return OAuth1Request{}, fmt.Errorf("form body: %w", err)
		}
		params = appendValues(params, f)
	}
	want := HMACSHA1(BaseString(r.Method, BaseURI(r), params), cs, ts)
	if !hmac.Equal([]byte(want), []byte(ps["oauth_signature"])) {
		return OAuth1Request{}, errors.New("invalid signature")
	}
	return OAuth1Request{ConsumerKey: ps["oauth_consumer_key"], Token: ps["oauth_token"],
		Nonce: ps["oauth_nonce"], Timestamp: ps["oauth_timestamp"]}, nil
}

func appendValues(ps []Param, v url.Values) []Param {
	for k, vs := range v {
		for _, x := range vs {
			ps = append(ps, Param{k, x})
		}
	}
	return ps
}
