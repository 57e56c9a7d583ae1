package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/bluesky/blueskyfake"
	"github.com/mofa-vn/chancery/internal/social/facebook/facebookfake"
	"github.com/mofa-vn/chancery/internal/social/linkedin/linkedinfake"
	"github.com/mofa-vn/chancery/internal/social/mastodon/mastodonfake"
	"github.com/mofa-vn/chancery/internal/social/telegram/telegramfake"
	"github.com/mofa-vn/chancery/internal/social/x/xfake"
	"github.com/mofa-vn/chancery/internal/store"
)

// demoNetwork is one fake network the demo runs on loopback, with the
// channel connected to it.
type demoNetwork struct {
	Network social.Network
	Channel string
	URL     string // GET / shows what the fake holds
}

// The demo's credentials: valid in form, accepted only by the demo's fakes.
const (
	demoXToken         = "1460000000000000001-DemoAccessTokenForTheFakeX"
	demoXTokenSecret   = "demo-token-secret-for-the-fake-x"
	demoFacebookToken  = "EAADemoPageTokenForTheFakeGraphApi0123456789"
	demoMastodonToken  = "demo-mastodon-token-0123456789"
	demoBlueskyHandle  = "mofa-vn.bsky.social"
	demoBlueskyAppPass = "mofa-demo-2026-pass"
	demoTelegramToken  = "123456789:DemoBotTokenForTheFakeTelegramApi01"
	demoLinkedInToken  = "AQV-demo-linkedin-token-0123456789"
)

// startDemoNetworks starts the six fake networks, and creates (or, on a
// later start, re-points) one channel per network connected to its fake,
// plus the portal channel, so that a newcomer can publish a statement and
// see it arrive. The returned function stops the fakes.
func startDemoNetworks(ctx context.Context, db *store.DB, conn *connectors) ([]demoNetwork, func(), error) {
	xs := xfake.New(xfake.Options{})
	xs.AddOAuth1Token(demoXToken, demoXTokenSecret)
	fb := facebookfake.New(demoFacebookToken)
	ma := mastodonfake.New(demoMastodonToken)
	bs := blueskyfake.New(demoBlueskyHandle, demoBlueskyAppPass)
	tg := telegramfake.New(demoTelegramToken)
	li := linkedinfake.New(demoLinkedInToken)
	stop := func() {
		xs.Close()
		fb.Close()
		ma.Close()
		bs.Close()
		tg.Close()
		li.Close()
	}
	xo := xs.Options()
	// Unless real apps are configured, the connect buttons of X and
	// LinkedIn use the fakes' OAuth clients, so that the redirect flows can
	// be tried in the demo too.
	if conn.conn.XClientID == "" {
		conn.conn.XClientID, conn.conn.XClientSecret = xo.ClientID, xo.ClientSecret
	}
	if conn.conn.LinkedInClientID == "" {
		conn.conn.LinkedInClientID, conn.conn.LinkedInClientSecret = "demo-linkedin-app", "demo-linkedin-app-secret"
		li.SetRefresh("", conn.conn.LinkedInClientID, conn.conn.LinkedInClientSecret)
	}
	nets := []struct {
		network   social.Network
		name, url string
		langs     []string
		secret    any
	}{
		{social.X, "X @mofa_vn (demo)", xs.URL, []string{"en"}, map[string]string{"consumer_key": xo.ConsumerKey, "consumer_secret": xo.ConsumerSecret, "token": demoXToken, "token_secret": demoXTokenSecret}},
		{social.Facebook, "Facebook Bộ Ngoại giao (demo)", fb.URL, []string{"vi"}, map[string]string{"page_id": facebookfake.PageID, "page_token": demoFacebookToken}},
		{social.Mastodon, "Mastodon MOFA (demo)", ma.URL, []string{"en", "fr"}, map[string]string{"access_token": demoMastodonToken}},
		{social.Bluesky, "Bluesky MOFA (demo)", bs.URL, []string{"en"}, map[string]string{"identifier": demoBlueskyHandle, "app_password": demoBlueskyAppPass}},
		{social.Telegram, "Telegram @mofa_vn (demo)", tg.URL, []string{"vi", "en"}, map[string]string{"bot_token": demoTelegramToken, "chat_id": "@" + telegramfake.ChannelUsername}},
		{social.LinkedIn, "LinkedIn MOFA (demo)", li.URL, []string{"en"}, map[string]string{"access_token": demoLinkedInToken, "organization": linkedinfake.Organization}},
	}
	// The fakes listen on loopback, which the connectors reach only at
	// addresses allowed as -extra-api-urls allows them.
	var urls []string
	for _, n := range nets {
		urls = append(urls, n.url)
	}
	if err := conn.allowAPIs(urls...); err != nil {
		stop()
		return nil, nil, err
	}
	chs, err := db.ListPubChannels(ctx)
	if err != nil {
		stop()
		return nil, nil, err
	}
	find := func(name string) (store.PubChannel, bool) {
		i := slices.IndexFunc(chs, func(c store.PubChannel) bool { return c.Name == name })
		if i < 0 {
			return store.PubChannel{}, false
		}
		return chs[i], true
	}
	audit := store.AuditEntry{Actor: "demo", Action: "channel.create"}
	if _, ok := find("Cổng thông tin (demo)"); !ok {
		if _, err := db.CreatePubChannel(ctx, store.PubChannel{Network: string(social.Portal), Name: "Cổng thông tin (demo)",
			Languages: []string{"vi", "en", "fr", "es", "ru", "zh", "ar"}, TimeZone: "Asia/Ho_Chi_Minh"}, audit); err != nil {
			stop()
			return nil, nil, err
		}
	}
	var out []demoNetwork
	for _, n := range nets {
		ch, ok := find(n.name)
		if !ok {
			if ch, err = db.CreatePubChannel(ctx, store.PubChannel{Network: string(n.network), Name: n.name, BaseURL: n.url,
				Languages: n.langs, TimeZone: "Asia/Ho_Chi_Minh"}, audit); err != nil {
				stop()
				return nil, nil, err
			}
		} else if err := db.SetChannelBaseURL(ctx, ch.ID, n.url); err != nil {
			stop()
			return nil, nil, err
		}
		ch.BaseURL = n.url
		if err := connectDemo(ctx, db, conn, ch, n.secret); err != nil {
			stop()
			return nil, nil, fmt.Errorf("demo: connect %s: %w", n.name, err)
		}
		out = append(out, demoNetwork{Network: n.network, Channel: n.name, URL: n.url + "/"})
	}
	return out, stop, nil
}

// connectDemo stores a demo channel's secret, verified by its fake as the
// connect form does.
func connectDemo(ctx context.Context, db *store.DB, conn *connectors, ch store.PubChannel, secret any) error {
	b, err := json.Marshal(secret)
	if err != nil {
		return err
	}
	creds := conn.credentials(ch.ID)
	if err := creds.Update(ctx, func([]byte) ([]byte, error) { return b, nil }); err != nil {
		return err
	}
	conn.forget(ch.ID)
	pub, err := conn.resolve(ctx, ch)
	if err != nil {
		return err
	}
	acc, err := pub.WhoAmI(ctx)
	if err != nil {
		return err
	}
	handle := acc.Handle
	if handle == "" {
		handle = acc.Name
	}
	_, err = db.MarkChannelConnected(ctx, ch.ID, acc.ID, handle, store.AuditEntry{Actor: "demo", Action: "channel.connect"})
	return err
}

func printDemoNetworks(w io.Writer, nets []demoNetwork) {
	if len(nets) == 0 {
		return
	}
	fmt.Fprintf(w, "Demo networks on loopback (each channel is connected to one; open its address to see what it holds):\n\n")
	for _, n := range nets {
		fmt.Fprintf(w, "    %-9s %-32s %s\n", n.Network, n.Channel, n.URL)
	}
	fmt.Fprintln(w)
}
