package auth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncbor"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// softKey is an authenticator in software: a P-256 key, a credential ID,
// a user handle and a sign counter, answering as a browser would with the
// "none" attestation. The origin it writes into the client data is the
// test's to choose, which is how a phishing site's answer is made.
type softKey struct {
	t      *testing.T
	id     []byte
	key    *ecdsa.PrivateKey
	handle []byte
	rpID   string
	count  uint32
}

func newSoftKey(t *testing.T, rpID string) *softKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	return &softKey{t: t, id: id, key: key, rpID: rpID}
}

var b64u = base64.RawURLEncoding

func (k *softKey) clientData(typ string, challenge []byte, origin string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": b64u.EncodeToString(challenge), "origin": origin, "crossOrigin": false})
	return b
}

// authData is the authenticator data: user present and verified, and the
// counter after one more use.
func (k *softKey) authData(attested []byte) []byte {
	rp := sha256.Sum256([]byte(k.rpID))
	flags := byte(protocol.FlagUserPresent | protocol.FlagUserVerified)
	if attested != nil {
		flags |= byte(protocol.FlagAttestedCredentialData)
	}
	k.count++
	out := append(rp[:], flags)
	out = binary.BigEndian.AppendUint32(out, k.count)
	return append(out, attested...)
}

// create answers navigator.credentials.create.
func (k *softKey) create(opts protocol.CredentialCreation, origin string) json.RawMessage {
	k.t.Helper()
	pk := opts.Response
	id, ok := pk.User.ID.(string) // as the browser got it: base64url
	handle, err := b64u.DecodeString(id)
	if !ok || err != nil {
		k.t.Fatalf("user handle %v: %v", pk.User.ID, err)
	}
	k.handle = handle
	cose, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1,
		-2: k.key.X.FillBytes(make([]byte, 32)), -3: k.key.Y.FillBytes(make([]byte, 32))})
	if err != nil {
		k.t.Fatal(err)
	}
	attested := make([]byte, 16) // AAGUID: none
	attested = binary.BigEndian.AppendUint16(attested, uint16(len(k.id)))
	attested = append(append(attested, k.id...), cose...)
	att, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": k.authData(attested)})
	if err != nil {
		k.t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"id": b64u.EncodeToString(k.id), "rawId": b64u.EncodeToString(k.id), "type": "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64u.EncodeToString(k.clientData("webauthn.create", pk.Challenge, origin)),
			"attestationObject": b64u.EncodeToString(att),
		}})
	return b
}

// get answers navigator.credentials.get.
func (k *softKey) get(opts protocol.CredentialAssertion, origin string) json.RawMessage {
	k.t.Helper()
	cd := k.clientData("webauthn.get", opts.Response.Challenge, origin)
	ad := k.authData(nil)
	h := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, ad...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.key, digest[:])
	if err != nil {
		k.t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"id": b64u.EncodeToString(k.id), "rawId": b64u.EncodeToString(k.id), "type": "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64u.EncodeToString(cd),
			"authenticatorData": b64u.EncodeToString(ad),
			"signature":         b64u.EncodeToString(sig),
			"userHandle":        b64u.EncodeToString(k.handle),
		}})
	return b
}

// passkeySite serves the sign-in routes over HTTP with real sessions.
type passkeySite struct {
	*twofa
	ts     *httptest.Server
	origin string
}

func newPasskeySite(t *testing.T, db *store.DB, clock *storetest.Clock) *passkeySite {
	t.Helper()
	f := newTwofa(t, db, clock)
	s := &passkeySite{twofa: f}
	kit := httpxtest.Kit(t)
	mux := httpx.NewRouter()
	NewHandlers(f.svc, kit).Routes(mux)
	s.ts = httptest.NewServer(f.svc.Middleware(kit)(mux))
	t.Cleanup(s.ts.Close)
	// Browsers take no IP address for a relying party: the test's
	// origin names the loopback host.
	s.origin = strings.Replace(s.ts.URL, "127.0.0.1", "localhost", 1)
	f.svc.publicURL = s.origin
	return s
}

// browser is a cookie jar that does not follow redirects.
func (s *passkeySite) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (s *passkeySite) do(c *http.Client, method, path, ctype, body string) (int, string, *http.Response) {
	s.t.Helper()
	req, _ := http.NewRequestWithContext(s.t.Context(), method, s.ts.URL+path, strings.NewReader(body))
	req.Header.Set("Accept-Language", "en")
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if ctype == "application/json" {
		req.Header.Set("Accept", "application/json")
	}
	res, err := c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res
}

// signIn types the password; it reports where the browser was sent.
func (s *passkeySite) signIn(c *http.Client, u account.User) string {
	s.t.Helper()
	form := url.Values{"username": {u.Username}, "password": {u.Username + " passphrase"}}.Encode()
	status, body, res := s.do(c, "POST", "/signin", "application/x-www-form-urlencoded", form)
	if status != http.StatusSeeOther {
		s.t.Fatalf("sign-in: %d %s", status, body)
	}
	return res.Header.Get("Location")
}

func (s *passkeySite) begin(c *http.Client, path string, out any) string {
	s.t.Helper()
	status, body, _ := s.do(c, "POST", path, "application/json", "")
	if status != http.StatusOK {
		s.t.Fatalf("%s: %d %s", path, status, body)
	}
	var start struct {
		Handle  string          `json:"handle"`
		Options json.RawMessage `json:"options"`
	}
	if err := json.Unmarshal([]byte(body), &start); err != nil {
		s.t.Fatal(err)
	}
	if err := json.Unmarshal(start.Options, out); err != nil {
		s.t.Fatal(err)
	}
	return start.Handle
}

func (s *passkeySite) finish(c *http.Client, path, handle, name string, cred json.RawMessage) (int, string) {
	s.t.Helper()
	b, _ := json.Marshal(ceremonyAnswer{Handle: handle, Name: name, Credential: cred})
	status, body, _ := s.do(c, "POST", path, "application/json", string(b))
	return status, body
}

// register adds k to the signed-in user of c under name.
func (s *passkeySite) register(c *http.Client, k *softKey, name string) {
	s.t.Helper()
	var opts protocol.CredentialCreation
	h := s.begin(c, "/account/2fa/passkeys/begin", &opts)
	if opts.Response.RelyingParty.ID != "localhost" || opts.Response.AuthenticatorSelection.ResidentKey != protocol.ResidentKeyRequirementRequired {
		s.t.Fatalf("creation options: %+v", opts.Response)
	}
	if status, body := s.finish(c, "/account/2fa/passkeys/finish", h, name, k.create(opts, s.origin)); status != http.StatusOK {
		s.t.Fatalf("registering %s: %d %s", name, status, body)
	}
}

// passkeySignIn signs in with k alone from origin.
func (s *passkeySite) passkeySignIn(c *http.Client, k *softKey, origin string) (int, string) {
	s.t.Helper()
	var opts protocol.CredentialAssertion
	h := s.begin(c, "/signin/passkey/begin", &opts)
	if opts.Response.UserVerification != protocol.VerificationRequired || len(opts.Response.AllowedCredentials) != 0 {
		s.t.Fatalf("a sign-in with a passkey alone must be discoverable and verify the user: %+v", opts.Response)
	}
	return s.finish(c, "/signin/passkey/finish", h, "", k.get(opts, origin))
}

func (s *passkeySite) failures(username string) int {
	s.t.Helper()
	n, _, err := s.svc.LockState(s.t.Context(), username)
	if err != nil {
		s.t.Fatal(err)
	}
	return n
}

func signedIn(res string) bool { return strings.Contains(res, `"redirect"`) }

// TestPasskeyCeremonies goes through passkeys as a user does, over HTTP on
// both backends: an approver the policy holds at the enrolment page
// registers two named passkeys, which frees them; signs in with a passkey
// alone and with one after the password; and sees refused, counted by the
// throttle and audited: an answer from another origin, a counter that went
// back, a challenge answered twice, another user's challenge, and a
// removed passkey.
func TestPasskeyCeremonies(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		s := newPasskeySite(t, db, clock)
		ctx := t.Context()
		ana := s.user("ana", account.RoleApprover)
		bao := s.user("bao", account.RoleDelegate)

		// The policy: an approver without a second factor is held at
		// the enrolment page, where passkeys can be added.
		anaBrowser := s.browser()
		if to := s.signIn(anaBrowser, ana); !strings.HasPrefix(to, "/account/2fa") {
			t.Fatalf("an approver without a second factor was sent to %s", to)
		}
		if status, _, res := s.do(anaBrowser, "GET", "/account/sessions", "", ""); status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/account/2fa") {
			t.Fatalf("before enrolling: %d to %s", status, res.Header.Get("Location"))
		}
		status, page, _ := s.do(anaBrowser, "GET", "/account/2fa", "", "")
		if status != http.StatusOK || !strings.Contains(page, `data-passkey="register"`) || !strings.Contains(page, "/static/passkey.") {
			t.Fatalf("the second-factor page offers no passkey: %d", status)
		}

		// A name is required; the error is in the user's language.
		var opts protocol.CredentialCreation
		laptop := newSoftKey(t, "localhost")
		h := s.begin(anaBrowser, "/account/2fa/passkeys/begin", &opts)
		if status, body := s.finish(anaBrowser, "/account/2fa/passkeys/finish", h, "   ", laptop.create(opts, s.origin)); status != http.StatusBadRequest || !strings.Contains(body, "at most 60 characters") {
			t.Fatalf("a passkey without a name: %d %s", status, body)
		}
		// A registration answered from another origin is refused.
		h = s.begin(anaBrowser, "/account/2fa/passkeys/begin", &opts)
		if status, body := s.finish(anaBrowser, "/account/2fa/passkeys/finish", h, "Laptop", laptop.create(opts, "https://chancery.example.net")); status != http.StatusUnauthorized || !strings.Contains(body, "not made for this site") {
			t.Fatalf("a registration from another origin: %d %s", status, body)
		}
		// Another user's challenge is no challenge.
		baoBrowser := s.browser()
		s.signIn(baoBrowser, bao)
		hb := s.begin(baoBrowser, "/account/2fa/passkeys/begin", &opts)
		if status, body := s.finish(anaBrowser, "/account/2fa/passkeys/finish", hb, "Laptop", laptop.create(opts, s.origin)); status != http.StatusBadRequest || !strings.Contains(body, "expired or was already used") {
			t.Fatalf("ana answering bao's challenge: %d %s", status, body)
		}

		s.register(anaBrowser, laptop, "Laptop")
		clock.Advance(time.Minute)
		blue := newSoftKey(t, "localhost")
		s.register(anaBrowser, blue, "Blue key")
		keys, err := db.ListPasskeys(ctx, ana.ID)
		if err != nil || len(keys) != 2 || keys[0].Name != "Laptop" || keys[1].Name != "Blue key" {
			t.Fatalf("ana's passkeys: %+v, %v", keys, err)
		}
		// Registering the same authenticator twice is refused.
		h = s.begin(anaBrowser, "/account/2fa/passkeys/begin", &opts)
		if len(opts.Response.CredentialExcludeList) != 2 {
			t.Fatalf("the registered passkeys are not excluded: %+v", opts.Response.CredentialExcludeList)
		}
		if status, body := s.finish(anaBrowser, "/account/2fa/passkeys/finish", h, "Again", laptop.create(opts, s.origin)); status != http.StatusConflict {
			t.Fatalf("registering a passkey twice: %d %s", status, body)
		}
		// A passkey satisfies the policy.
		if status, _, _ := s.do(anaBrowser, "GET", "/account/sessions", "", ""); status != http.StatusOK {
			t.Fatalf("with a passkey, the sessions page: %d", status)
		}
		if status, page, _ := s.do(anaBrowser, "GET", "/account/2fa", "", ""); status != http.StatusOK || !strings.Contains(page, "Laptop") || !strings.Contains(page, "Blue key") {
			t.Fatalf("the second-factor page does not list the passkeys: %d", status)
		}

		// A passkey alone signs in.
		c := s.browser()
		status, body := s.passkeySignIn(c, laptop, s.origin)
		if status != http.StatusOK || !signedIn(body) {
			t.Fatalf("signing in with a passkey: %d %s", status, body)
		}
		if status, _, _ := s.do(c, "GET", "/account/sessions", "", ""); status != http.StatusOK {
			t.Fatalf("after a passkey sign-in: %d", status)
		}

		// Another origin's answer (a phishing page relaying the
		// challenge) is refused, counted, and grants nothing.
		before := s.failures("ana")
		c = s.browser()
		status, body = s.passkeySignIn(c, laptop, "https://chancery.example.net")
		if status != http.StatusUnauthorized || !strings.Contains(body, "not made for this site") || signedIn(body) {
			t.Fatalf("an answer from another origin: %d %s", status, body)
		}
		if n := s.failures("ana"); n != before+1 {
			t.Fatalf("the refused answer counted %d failures, want %d", n, before+1)
		}
		if status, _, _ := s.do(c, "GET", "/account/sessions", "", ""); status != http.StatusSeeOther {
			t.Fatalf("a refused answer opened a session: %d", status)
		}

		// A counter that went back (a cloned key) is refused.
		clock.Advance(DefaultThrottle.MaxDelay) // past any slow-down
		laptop.count -= 3
		status, body = s.passkeySignIn(c, laptop, s.origin)
		if status != http.StatusUnauthorized || !strings.Contains(body, "counter went back") {
			t.Fatalf("a counter that went back: %d %s", status, body)
		}
		if n := s.failures("ana"); n != before+2 {
			t.Fatalf("the cloned key counted %d failures, want %d", n, before+2)
		}
		laptop.count += 10

		// A challenge is answered once.
		clock.Advance(DefaultThrottle.MaxDelay)
		var aopts protocol.CredentialAssertion
		h = s.begin(c, "/signin/passkey/begin", &aopts)
		answer := laptop.get(aopts, s.origin)
		if status, body := s.finish(c, "/signin/passkey/finish", h, "", answer); status != http.StatusOK {
			t.Fatalf("a fresh challenge: %d %s", status, body)
		}
		if status, body := s.finish(s.browser(), "/signin/passkey/finish", h, "", answer); status != http.StatusBadRequest || !strings.Contains(body, "already used") {
			t.Fatalf("a replayed answer: %d %s", status, body)
		}
		// And expires.
		h = s.begin(c, "/signin/passkey/begin", &aopts)
		clock.Advance(ChallengeTTL + 1)
		if status, body := s.finish(c, "/signin/passkey/finish", h, "", laptop.get(aopts, s.origin)); status != http.StatusBadRequest {
			t.Fatalf("an expired challenge: %d %s", status, body)
		}
		// Hostile input: no credential, garbage.
		if status, body, _ := s.do(c, "POST", "/signin/passkey/finish", "application/json", `{"handle":"x"`); status != http.StatusBadRequest || !strings.Contains(body, "not valid") {
			t.Fatalf("malformed JSON: %d %s", status, body)
		}
		h = s.begin(c, "/signin/passkey/begin", &aopts)
		if status, body := s.finish(c, "/signin/passkey/finish", h, "", json.RawMessage(`{"id":"AA","type":"public-key"}`)); status != http.StatusUnauthorized {
			t.Fatalf("a malformed credential: %d %s", status, body)
		}

		// After the password, a passkey is the second step.
		c = s.browser()
		if to := s.signIn(c, ana); !strings.HasPrefix(to, "/signin/2fa") {
			t.Fatalf("ana's password alone sent her to %s", to)
		}
		if status, page, _ := s.do(c, "GET", "/signin/2fa", "", ""); status != http.StatusOK || !strings.Contains(page, `data-passkey="second-factor"`) {
			t.Fatalf("the second step offers no passkey: %d", status)
		}
		h = s.begin(c, "/signin/2fa/passkey/begin", &aopts)
		if len(aopts.Response.AllowedCredentials) != 2 {
			t.Fatalf("the second step allows %d passkeys, want ana's 2", len(aopts.Response.AllowedCredentials))
		}
		// Bao's passkey does not finish ana's sign-in.
		baoKey := newSoftKey(t, "localhost")
		s.register(baoBrowser, baoKey, "Bao's key")
		baoKey.handle = userHandle(ana.ID)
		if status, body := s.finish(c, "/signin/2fa/passkey/finish", h, "", baoKey.get(aopts, s.origin)); status != http.StatusUnauthorized {
			t.Fatalf("bao's passkey for ana's second step: %d %s", status, body)
		}
		h = s.begin(c, "/signin/2fa/passkey/begin", &aopts)
		if status, body := s.finish(c, "/signin/2fa/passkey/finish", h, "", blue.get(aopts, s.origin)); status != http.StatusOK || !signedIn(body) {
			t.Fatalf("a passkey as the second step: %d %s", status, body)
		}
		if status, _, _ := s.do(c, "GET", "/account/sessions", "", ""); status != http.StatusOK {
			t.Fatalf("after the second step: %d", status)
		}

		// A removed passkey signs in no more.
		form := url.Values{"id": {b64u.EncodeToString(laptop.id)}}.Encode()
		if status, page, _ := s.do(anaBrowser, "POST", "/account/2fa/passkeys/remove", "application/x-www-form-urlencoded", form); status != http.StatusOK || strings.Contains(page, "Laptop") || !strings.Contains(page, "Blue key") {
			t.Fatalf("removing a passkey: %d", status)
		}
		// Bao cannot remove ana's.
		form = url.Values{"id": {b64u.EncodeToString(blue.id)}}.Encode()
		if status, _, _ := s.do(baoBrowser, "POST", "/account/2fa/passkeys/remove", "application/x-www-form-urlencoded", form); status != http.StatusNotFound {
			t.Fatalf("bao removing ana's passkey: %d", status)
		}
		clock.Advance(DefaultThrottle.MaxDelay)
		c = s.browser()
		status, body = s.passkeySignIn(c, laptop, s.origin)
		if status != http.StatusUnauthorized || !strings.Contains(body, "not registered") {
			t.Fatalf("a removed passkey: %d %s", status, body)
		}

		entries, err := db.ListAudit(ctx, store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		methods := map[string]int{}
		for _, e := range entries {
			got[e.Action]++
			if e.Action == "signin.ok" {
				var p struct{ Method string }
				_ = json.Unmarshal([]byte(e.Payload), &p)
				methods[p.Method]++
			}
		}
		if got["passkey.register"] != 3 || got["passkey.remove"] != 1 || got["signin.fail"] != 5 ||
			methods["passkey"] != 2 || methods["passkey (second factor)"] != 1 {
			t.Errorf("audit log: %v, sign-ins %v", got, methods)
		}
		if stored, _ := db.ListPasskeys(ctx, ana.ID); len(stored) != 1 || !bytes.Equal(stored[0].ID, blue.id) || stored[0].LastUsedAt.IsZero() {
			t.Fatalf("after the removal: %+v", stored)
		}
	})
}

// TestPasskeysOffWithoutOrigin checks that without a public URL no
// ceremony starts, with a clear refusal rather than a failure.
func TestPasskeysOffWithoutOrigin(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		s := newPasskeySite(t, db, clock)
		s.origin, s.svc.publicURL = "", "" // the service takes the origin as a value
		status, body, _ := s.do(s.browser(), "POST", "/signin/passkey/begin", "application/json", "")
		if status != http.StatusNotFound || !strings.Contains(body, "not available") {
			t.Fatalf("passkeys without a public URL: %d %s", status, body)
		}
		if status, page, _ := s.do(s.browser(), "GET", "/signin", "", ""); status != http.StatusOK || strings.Contains(page, "data-passkey") {
			t.Fatalf("the sign-in page offers passkeys without a public URL: %d", status)
		}
	})
}

// TestPasskeyBurstIsThrottled sends a burst of answers from another origin
// (a phishing page relaying the challenges) for one account: each is
// refused and counted, the account soon has to wait (429 with Retry-After,
// the wait in the user's language), and while it waits even the right
// answer from the right origin is held off, so that the burst cannot be
// mixed with a real sign-in to find out anything.
func TestPasskeyBurstIsThrottled(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		s := newPasskeySite(t, db, clock)
		ana := s.user("ana", account.RoleApprover)
		c := s.browser()
		s.signIn(c, ana)
		key := newSoftKey(t, "localhost")
		s.register(c, key, "Laptop")

		throttled := false
		for i := range DefaultThrottle.PerAccount + 2 {
			var opts protocol.CredentialAssertion
			h := s.begin(c, "/signin/passkey/begin", &opts)
			b, _ := json.Marshal(ceremonyAnswer{Handle: h, Credential: key.get(opts, "https://chancery.example.net")})
			status, body, res := s.do(s.browser(), "POST", "/signin/passkey/finish", "application/json", string(b))
			switch status {
			case http.StatusUnauthorized:
				if throttled {
					t.Fatalf("answer %d was checked after the account had to wait", i)
				}
			case http.StatusTooManyRequests:
				throttled = true
				if res.Header.Get("Retry-After") == "" || !strings.Contains(body, "Too many failed attempts") {
					t.Fatalf("a throttled answer: %s, Retry-After %q", body, res.Header.Get("Retry-After"))
				}
			default:
				t.Fatalf("answer %d from another origin: %d %s", i, status, body)
			}
		}
		if !throttled {
			t.Fatalf("%d refused answers and no wait", DefaultThrottle.PerAccount+2)
		}
		if status, body := s.passkeySignIn(s.browser(), key, s.origin); status != http.StatusTooManyRequests {
			t.Fatalf("the right answer while the account waits: %d %s", status, body)
		}
		clock.Advance(DefaultThrottle.MaxDelay)
		if status, body := s.passkeySignIn(s.browser(), key, s.origin); status != http.StatusOK {
			t.Fatalf("the right answer after the wait: %d %s", status, body)
		}
		if n := s.failures("ana"); n != 0 {
			t.Fatalf("a right answer left %d failures", n)
		}
	})
}
