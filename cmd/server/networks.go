package main

import (
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/portal"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/bluesky"
	"github.com/mofa-vn/chancery/internal/social/bluesky/blueskyfake"
	"github.com/mofa-vn/chancery/internal/social/facebook"
	"github.com/mofa-vn/chancery/internal/social/facebook/facebookfake"
	"github.com/mofa-vn/chancery/internal/social/linkedin"
	"github.com/mofa-vn/chancery/internal/social/linkedin/linkedinfake"
	"github.com/mofa-vn/chancery/internal/social/mastodon"
	"github.com/mofa-vn/chancery/internal/social/mastodon/mastodonfake"
	"github.com/mofa-vn/chancery/internal/social/socialtest/fakekit"
	"github.com/mofa-vn/chancery/internal/social/telegram"
	"github.com/mofa-vn/chancery/internal/social/telegram/telegramfake"
	"github.com/mofa-vn/chancery/internal/social/x"
	"github.com/mofa-vn/chancery/internal/social/x/xfake"
)

// networkEntry is one place Chancery publishes to: its descriptor, and the fake
// of it that -demo starts (nil for the portal).
type networkEntry struct {
	social.Descriptor
	demo func(app social.App) fakekit.Demo
}

// networkList is the one list of the places Chancery publishes to, in
// display order. The connect pages, the publishing service, the
// connectors, the watcher and the demo read each one's descriptor; a new
// network is a package under internal/social/ and a line here.
var networkList = []networkEntry{
	{portal.Descriptor, nil},
	{x.Descriptor, xfake.Demo},
	{facebook.Descriptor, facebookfake.Demo},
	{mastodon.Descriptor, mastodonfake.Demo},
	{bluesky.Descriptor, blueskyfake.Demo},
	{telegram.Descriptor, telegramfake.Demo},
	{linkedin.Descriptor, linkedinfake.Demo},
}

// networks are the descriptors of networkList.
var networks = func() social.Catalog {
	c := make(social.Catalog, len(networkList))
	for i, n := range networkList {
		c[i] = n.Descriptor
	}
	return c
}()

// apps are Chancery's own OAuth apps with the networks, from the
// configuration.
func apps(c config.Connect) map[social.Network]social.App {
	return map[social.Network]social.App{
		social.X:        {ClientID: c.XClientID, ClientSecret: c.XClientSecret},
		social.LinkedIn: {ClientID: c.LinkedInClientID, ClientSecret: c.LinkedInClientSecret},
	}
}
