// Package oidctest runs a real OpenID Provider on loopback for tests:
// zitadel's op package with the in-memory storage of zitadel's own
// example server, issuing RS256-signed tokens over HTTP, with a login
// page a test's HTTP client posts to, as a browser would. Tests can
// change a user's groups and amr, tamper with the nonce, or make the
// provider name another issuer in its ID tokens.
//
// Only tests import it, so that zitadel never enters the server binary.
// It must not import any other Chancery package.
package oidctest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// Provider is a running OpenID Provider.
type Provider struct {
	// URL is the issuer URL (no trailing slash).
	URL string

	st  *tamperStorage
	srv *httptest.Server

	clients                clientMap
	clientID, clientSecret string
}

type clientMap = map[string]*storage.Client

// SetRedirectURI replaces the one address the client may be sent back to,
// for a test whose server starts after the provider. Call it before any
// sign-in.
func (p *Provider) SetRedirectURI(uri string) {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	p.clients[p.clientID] = storage.WebClient(p.clientID, p.clientSecret, uri)
}

// Start runs a provider with one web client (clientID, clientSecret)
// allowed to redirect to redirectURI, until the test ends.
func Start(t testing.TB, clientID, clientSecret, redirectURI string) *Provider {
	t.Helper()
	users := &userStore{users: map[string]*storage.User{}}
	clients := map[string]*storage.Client{clientID: storage.WebClient(clientID, clientSecret, redirectURI)}
	st := &tamperStorage{Storage: storage.NewStorageWithClients(users, clients), users: users,
		groups: map[string][]string{}, amr: map[string][]string{}}
	p := &Provider{st: st, clients: clients, clientID: clientID, clientSecret: clientSecret}
	srv := httptest.NewUnstartedServer(nil)
	p.URL = "http://" + srv.Listener.Addr().String()
	issuer := func(bool) (op.IssuerFromRequest, error) {
		return func(r *http.Request) string {
			// Discovery names the real issuer; the tokens may name
			// another (IssueAs).
			if r.URL.Path == "/oauth/token" {
				if other := st.issuedAs(); other != "" {
					return other
				}
			}
			return p.URL
		}, nil
	}
	key := sha256.Sum256([]byte(clientSecret))
	provider, err := op.NewProvider(&op.Config{
		CryptoKey: key, CodeMethodS256: true, AuthMethodPost: true,
		SupportedUILocales: []language.Tag{language.English},
	}, st, issuer, op.WithAllowInsecure())
	if err != nil {
		t.Fatalf("oidctest: provider: %v", err)
	}
	mux := http.NewServeMux()
	interceptor := op.NewIssuerInterceptor(provider.IssuerFromRequest)
	callback := op.AuthCallbackURL(provider)
	mux.HandleFunc("GET /login/username", func(w http.ResponseWriter, r *http.Request) {
		_ = loginPage.Execute(w, map[string]string{"ID": r.URL.Query().Get("authRequestID")})
	})
	mux.Handle("POST /login/username", interceptor.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PostFormValue("id")
		if err := st.CheckUsernamePassword(r.PostFormValue("username"), r.PostFormValue("password"), id); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			_ = loginPage.Execute(w, map[string]string{"ID": id, "Error": err.Error()})
			return
		}
		http.Redirect(w, r, callback(r.Context(), id), http.StatusFound)
	}))
	mux.Handle("/", provider)
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	p.srv = srv
	return p
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<title>Identity provider</title>
{{with .Error}}<p role="alert">{{.}}</p>{{end}}
<form method="post" action="/login/username">
<input type="hidden" name="id" value="{{.ID}}">
<label>Username <input name="username"></label>
<label>Password <input name="password" type="password"></label>
<button>Sign in</button>
</form>`))

// AddUser creates a user of the provider and returns its subject.
func (p *Provider) AddUser(username, password string, groups ...string) string {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	id := fmt.Sprintf("sub-%d", len(p.st.users.users)+1)
	p.st.users.add(&storage.User{ID: id, Username: username, Password: password, FirstName: username, LastName: "Test",
		Email: username + "@idp.test", EmailVerified: true, PreferredLanguage: language.English})
	p.st.groups[id] = groups
	return id
}

// SetGroups changes the groups a user's next ID tokens carry.
func (p *Provider) SetGroups(subject string, groups ...string) {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	p.st.groups[subject] = groups
}

// SetAMR sets the amr of a user's next ID tokens (by default ["pwd"]).
func (p *Provider) SetAMR(subject string, amr ...string) {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	p.st.amr[subject] = amr
}

// TamperNonce makes the provider put another nonce in its ID tokens.
func (p *Provider) TamperNonce(on bool) {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	p.st.tamperNonce = on
}

// IssueAs makes the provider name issuer in its ID tokens (empty: its
// own URL), while its discovery document keeps its own.
func (p *Provider) IssueAs(issuer string) {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	p.st.issuer = issuer
}

type userStore struct {
	mu    sync.Mutex
	users map[string]*storage.User
}

func (u *userStore) add(user *storage.User) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.users[user.ID] = user
}

func (u *userStore) GetUserByID(id string) *storage.User {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.users[id]
}

func (u *userStore) GetUserByUsername(name string) *storage.User {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, user := range u.users {
		if user.Username == name {
			return user
		}
	}
	return nil
}

func (u *userStore) ExampleClientID() string { return storage.ServiceUserID }

// tamperStorage is zitadel's example storage with the groups claim, a
// chosen amr, and the tampering tests ask for.
type tamperStorage struct {
	*storage.Storage
	users *userStore

	mu          sync.Mutex
	groups      map[string][]string
	amr         map[string][]string
	tamperNonce bool
	issuer      string
}

func (s *tamperStorage) issuedAs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issuer
}

// authRequest is an auth request whose amr the test chose.
type authRequest struct {
	*storage.AuthRequest
	amr []string
}

func (a *authRequest) GetAMR() []string { return a.amr }

// AuthRequestByCode hands the token endpoint the request with the amr
// and nonce the test chose.
func (s *tamperStorage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	req, err := s.Storage.AuthRequestByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	ar, ok := req.(*storage.AuthRequest)
	if !ok {
		return req, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tamperNonce {
		ar.Nonce = "not-the-nonce-chancery-sent"
	}
	if amr, ok := s.amr[ar.UserID]; ok {
		return &authRequest{AuthRequest: ar, amr: amr}, nil
	}
	return ar, nil
}

func unwrap(r op.TokenRequest) op.TokenRequest {
	if a, ok := r.(*authRequest); ok {
		return a.AuthRequest
	}
	return r
}

// CreateAccessToken lets the example storage see its own request type.
func (s *tamperStorage) CreateAccessToken(ctx context.Context, r op.TokenRequest) (string, time.Time, error) {
	return s.Storage.CreateAccessToken(ctx, unwrap(r))
}

// CreateAccessAndRefreshTokens lets the example storage see its own
// request type.
func (s *tamperStorage) CreateAccessAndRefreshTokens(ctx context.Context, r op.TokenRequest, current string) (string, string, time.Time, error) {
	return s.Storage.CreateAccessAndRefreshTokens(ctx, unwrap(r), current)
}

// SetUserinfoFromRequest adds the groups claim to the ID token.
func (s *tamperStorage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, r op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, info, r, scopes); err != nil {
		return err
	}
	user := s.users.GetUserByID(r.GetSubject())
	if user != nil {
		info.PreferredUsername = user.Username
		info.Name = user.FirstName + " " + user.LastName
		info.Email = user.Email
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, ok := s.groups[r.GetSubject()]; ok {
		info.AppendClaims("groups", g)
	}
	return nil
}

// Resolve makes an address the provider redirected to absolute.
func (p *Provider) Resolve(ref string) string {
	base, err := url.Parse(p.URL + "/")
	if err != nil {
		return ref
	}
	u, err := base.Parse(ref)
	if err != nil {
		return ref
	}
	return u.String()
}
