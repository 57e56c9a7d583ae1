package xfake

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
)

func oauthError(w http.ResponseWriter, status int, desc string) {
	writeJSON(w, status, map[string]any{"error": "invalid_request", "error_description": desc})
}

// oauth2Authorize stands for X's consent page: it approves at once and
// sends the browser back to redirect_uri with a code bound to the PKCE
// challenge.
func (s *Server) oauth2Authorize(w http.ResponseWriter, r *http.Request, _ []byte) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	switch {
	case q.Get("response_type") != "code":
		oauthError(w, 400, "response_type must be code")
		return
	case q.Get("client_id") != s.o.ClientID:
		oauthError(w, 400, "unknown client_id")
		return
	case err != nil || redirect.Scheme == "" || redirect.Host == "":
		oauthError(w, 400, "redirect_uri must be an absolute URL")
		return
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		oauthError(w, 400, "PKCE with code_challenge_method=S256 is required")
		return
	}
	code := "code-" + randomID()
	s.mu.Lock()
	s.codes[code] = authCode{challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri"), scopes: strings.Fields(q.Get("scope"))}
	s.mu.Unlock()
	v := redirect.Query()
	v.Set("code", code)
	v.Set("state", q.Get("state"))
	redirect.RawQuery = v.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// oauth2Token implements POST /2/oauth2/token for a confidential client:
// Basic authentication is required; refresh tokens are single-use, and
// presenting one already rotated revokes the whole family.
func (s *Server) oauth2Token(w http.ResponseWriter, r *http.Request, body []byte) {
	id, secret, ok := r.BasicAuth()
	if !ok || id != s.o.ClientID || secret != s.o.ClientSecret {
		oauthError(w, 401, "Missing valid authorization header")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		oauthError(w, 400, "The body is not form-encoded")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var g Grant
	switch form.Get("grant_type") {
	case "refresh_token":
		s.refreshCalls++
		t := s.refresh[form.Get("refresh_token")]
		switch {
		case t == nil || t.revoked || s.families[t.family]:
			oauthError(w, 400, "Value passed for the token was invalid.")
			return
		case t.used:
			// A rotated token came back: someone holds a stale copy, or
			// it was stolen. Kill the family (social-apis.md §1.3).
			s.families[t.family] = true
			oauthError(w, 400, "Value passed for the token was invalid.")
			return
		}
		t.used = true
		g = s.issueLocked(t.family, t.scopes)
	case "authorization_code":
		c, ok := s.codes[form.Get("code")]
		delete(s.codes, form.Get("code"))
		sum := sha256.Sum256([]byte(form.Get("code_verifier")))
		switch {
		case !ok:
			oauthError(w, 400, "Value passed for the authorization code was invalid.")
			return
		case c.redirect != form.Get("redirect_uri"):
			oauthError(w, 400, "redirect_uri does not match the authorization request")
			return
		case base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge:
			oauthError(w, 400, "code_verifier does not match the code_challenge")
			return
		}
		g = s.issueLocked(randomID(), c.scopes)
	default:
		oauthError(w, 400, "grant_type must be refresh_token or authorization_code")
		return
	}
	out := map[string]any{"token_type": "bearer", "access_token": g.Access,
		"expires_in": int(s.o.AccessTTL.Seconds()), "scope": strings.Join(g.Scopes, " ")}
	if g.Refresh != "" {
		out["refresh_token"] = g.Refresh
	}
	writeJSON(w, 200, out)
}
