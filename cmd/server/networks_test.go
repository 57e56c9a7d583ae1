package main

import (
	"reflect"
	"slices"
	"testing"

	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/socialtest"
)

// The list of networks is whole, names each network once, and is the one
// the packages' tests use; each descriptor builds a client of its own
// network whose limits are the ones the descriptor states.
func TestNetworksDescribeTheirClients(t *testing.T) {
	if err := networks.Check(); err != nil {
		t.Fatal(err)
	}
	if got, want := networks.Networks(), pubtest.Networks.Networks(); !slices.Equal(got, want) {
		t.Fatalf("cmd/server lists %v, pubtest.Networks %v", got, want)
	}
	for _, n := range []social.Network{social.Portal, social.X, social.Facebook, social.Mastodon, social.Bluesky, social.Telegram, social.LinkedIn} {
		if _, ok := networks.Lookup(n); !ok {
			t.Errorf("%s is not listed", n)
		}
	}
	// What the pages show of a network is in every language.
	cat := catalog(t)
	for _, d := range networks {
		keys := []string{d.Recall.NoteKey}
		for _, f := range d.Fields {
			keys = append(keys, f.Label)
		}
		for _, l := range cat.Languages() {
			for _, k := range keys {
				if !cat.Has(l.Code, k) {
					t.Errorf("%s: message %q missing in %s", d.Network, k, l.Code)
				}
			}
		}
	}
	for _, d := range networks {
		if d.New == nil {
			continue
		}
		t.Run(string(d.Network), func(t *testing.T) {
			if d.Official && d.API == "" {
				t.Errorf("%s has one official API but names none", d.Network)
			}
			base := ""
			if d.NeedsBaseURL {
				if _, err := d.New(social.ClientParams{Credentials: socialtest.NewCreds(t, map[string]string{})}); err == nil {
					t.Errorf("%s built a client without the server it needs", d.Network)
				}
				base = "https://instance.example"
			}
			pub, err := d.New(social.ClientParams{BaseURL: base, Credentials: socialtest.NewCreds(t, map[string]string{})})
			if err != nil {
				t.Fatal(err)
			}
			if pub.Network() != d.Network {
				t.Errorf("the client of %s says it is %s", d.Network, pub.Network())
			}
			if got := pub.Limits(); !reflect.DeepEqual(got, d.Limits) {
				t.Errorf("the client's limits %+v, the descriptor's %+v", got, d.Limits)
			}
			for _, f := range d.Fields {
				if f.Name == "" || f.Label == "" {
					t.Errorf("connect field %+v without a name or label", f)
				}
			}
		})
	}
}
