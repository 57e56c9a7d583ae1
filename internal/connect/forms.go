package connect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
)

// Field is one input of a network's connect form (its descriptor's
// social.CredentialField). Name is the member of the network's secret JSON
// it fills.
type Field = social.CredentialField

// formFields are the inputs of n's token or app-password form, none for a
// network without credentials (the portal) or not listed.
func (h *Handlers) formFields(n social.Network) []Field {
	d, _ := h.p.Networks.Lookup(n)
	return d.Fields
}

// validate checks a secret with its network's descriptor, which explains
// in a sentence what is wrong (a token pasted with spaces, or of the wrong
// kind).
func validate(c social.Catalog, n social.Network, b []byte) error {
	d, ok := c.Lookup(n)
	if !ok || d.Validate == nil {
		return errors.New("this network takes no credentials")
	}
	return d.Validate(b)
}

// next is the secret to verify: the form's, merged into the stored one
// where the network's descriptor says a refresh token must survive.
// Elsewhere the form replaces the secret whole, so that a session of the
// previous account (Bluesky) is not kept.
func (h *Handlers) next(ctx context.Context, ch store.Channel, fresh []byte) ([]byte, error) {
	d, _ := h.p.Networks.Lookup(social.Network(ch.Network))
	if d.Merge == nil {
		return fresh, nil
	}
	cur, err := h.p.Credentials(ch.ID).Load(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return fresh, nil
	}
	if err != nil {
		return nil, err
	}
	return d.Merge(cur, fresh)
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
	for _, f := range h.formFields(social.Network(ch.Network)) {
		fields[f.Name] = r.PostFormValue(f.Name)
	}
	err = h.connect(r, ch, fields)
	var he *fault.Problem
	if errors.As(err, &he) && httpx.Status(he) == http.StatusUnprocessableEntity {
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
func (h *Handlers) connect(r *http.Request, ch store.Channel, in map[string]string) error {
	n := social.Network(ch.Network)
	fields := map[string]string{}
	for _, f := range h.formFields(n) {
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
	if err := validate(h.p.Networks, n, fresh); err != nil {
		return &fault.Problem{Kind: fault.ErrRefused, Key: "channels_refused_secret", Data: map[string]any{"Reason": err.Error()}}
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
