package connect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/bluesky"
	"github.com/mofa-vn/chancery/internal/social/facebook"
	"github.com/mofa-vn/chancery/internal/social/linkedin"
	"github.com/mofa-vn/chancery/internal/social/mastodon"
	"github.com/mofa-vn/chancery/internal/social/telegram"
	"github.com/mofa-vn/chancery/internal/social/x"
	"github.com/mofa-vn/chancery/internal/store"
)

// Field is one input of a network's connect form. Name is the member of
// the network's Secret JSON it fills.
type Field struct {
	Name     string
	Label    string // message key
	Secret   bool   // a password input, never filled back
	Optional bool
}

// formFields are the inputs of each network's token or app-password form.
var formFields = map[social.Network][]Field{
	social.X: {{Name: "consumer_key", Label: "channels_field_consumer_key", Secret: true}, {Name: "consumer_secret", Label: "channels_field_consumer_secret", Secret: true},
		{Name: "token", Label: "channels_field_access_token", Secret: true}, {Name: "token_secret", Label: "channels_field_token_secret", Secret: true}},
	social.Facebook: {{Name: "page_id", Label: "channels_field_page_id"}, {Name: "page_token", Label: "channels_field_page_token", Secret: true}},
	social.Mastodon: {{Name: "access_token", Label: "channels_field_access_token", Secret: true}},
	social.Bluesky:  {{Name: "identifier", Label: "channels_field_identifier"}, {Name: "app_password", Label: "channels_field_app_password", Secret: true}},
	social.Telegram: {{Name: "bot_token", Label: "channels_field_bot_token", Secret: true}, {Name: "chat_id", Label: "channels_field_chat_id"}},
	social.LinkedIn: {{Name: "access_token", Label: "channels_field_access_token", Secret: true}, {Name: "organization", Label: "channels_field_organization"}},
}

// mergesOnReconnect are the networks whose secret holds a refresh token a
// reconnect must keep when the new grant carries none: the fresh secret is
// merged into the stored one. Elsewhere the form replaces the secret whole,
// so that a session of the previous account (Bluesky) is not kept.
var mergesOnReconnect = map[social.Network]bool{social.X: true, social.LinkedIn: true}

// validate checks a secret with its network's Secret.Validate, which
// explains in a sentence what is wrong (a token pasted with spaces, or of
// the wrong kind).
func validate(n social.Network, b []byte) error {
	var v interface{ Validate() error }
	switch n {
	case social.X:
		v = &x.Secret{}
	case social.Facebook:
		v = &facebook.Secret{}
	case social.Mastodon:
		v = &mastodon.Secret{}
	case social.Bluesky:
		v = &bluesky.Secret{}
	case social.Telegram:
		v = &telegram.Secret{}
	case social.LinkedIn:
		v = &linkedin.Secret{}
	default:
		return errors.New("this network takes no credentials")
	}
	if err := json.Unmarshal(b, v); err != nil {
		return errors.New("the credentials are not readable")
	}
	return v.Validate()
}

// next is the secret to verify: the form's, merged into the stored one
// where a refresh token must survive.
func (h *Handlers) next(ctx context.Context, ch store.PubChannel, fresh []byte) ([]byte, error) {
	if !mergesOnReconnect[social.Network(ch.Network)] {
		return fresh, nil
	}
	cur, err := h.p.Credentials(ch.ID).Load(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return fresh, nil
	}
	if err != nil {
		return nil, err
	}
	if social.Network(ch.Network) == social.X {
		return mergeX(cur, fresh)
	}
	return secrets.MergeJSON(cur, fresh)
}

// mergeX keeps the stored X secret's refresh token across an OAuth 2.0
// reconnect, but nothing of another kind of grant: a fresh OAuth 2.0 grant
// drops a stored OAuth 1.0a token (which would otherwise win), and the
// reverse. The cached user ID is dropped, since the account may change.
func mergeX(cur, fresh []byte) ([]byte, error) {
	var c, f x.Secret
	if err := json.Unmarshal(fresh, &f); err != nil {
		return nil, errors.New("the credentials are not readable")
	}
	if json.Unmarshal(cur, &c) != nil {
		c = x.Secret{}
	}
	c.UserID = ""
	if f.OAuth1() {
		c = x.Secret{}
	} else {
		c.ConsumerKey, c.ConsumerSecret, c.Token, c.TokenSecret = "", "", "", ""
	}
	return json.Marshal(x.MergeSecret(c, f))
}

func (h *Handlers) connectForm(w http.ResponseWriter, r *http.Request) {
	ch, err := h.channel(r)
	if err == nil {
		err = httpx.ParseForm(r)
	}
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	fields := map[string]string{}
	for _, f := range formFields[social.Network(ch.Network)] {
		fields[f.Name] = r.PostFormValue(f.Name)
	}
	err = h.connect(r, ch, fields)
	var he *httpx.Error
	if errors.As(err, &he) && he.Status == http.StatusUnprocessableEntity {
		h.render(w, r, ch, http.StatusUnprocessableEntity, h.t(r, he.Key, he.Data))
		return
	}
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/press/channels/"+r.PathValue("id")+"/connect?connected=1", http.StatusSeeOther)
}

// connect is what the token and app-password forms and the credentials API
// share: it checks the fields the network's form takes, asks the network
// who they act as, and only then stores them sealed, with the audit entry.
// Credentials that cannot work or that the network refuses are a 422
// naming why; nothing is stored then.
func (h *Handlers) connect(r *http.Request, ch store.PubChannel, in map[string]string) error {
	n := social.Network(ch.Network)
	fields := map[string]string{}
	for _, f := range formFields[n] {
		v := in[f.Name]
		if !f.Secret {
			v = strings.TrimSpace(v)
		}
		if v != "" {
			fields[f.Name] = v
		}
	}
	fresh, err := json.Marshal(fields)
	if err != nil {
		return fmt.Errorf("connect: encode credentials: %w", err)
	}
	if err := validate(n, fresh); err != nil {
		return &httpx.Error{Status: http.StatusUnprocessableEntity, Key: "channels_refused_secret", Data: map[string]any{"Reason": err.Error()}}
	}
	secret, err := h.next(r.Context(), ch, fresh)
	if err != nil {
		return err
	}
	v, err := h.verify(r.Context(), ch, secret)
	if err != nil {
		return refused(err)
	}
	return h.store(r.Context(), r, ch, v)
}
