package main

import (
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/portal"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/bluesky"
	"github.com/mofa-vn/chancery/internal/social/facebook"
	"github.com/mofa-vn/chancery/internal/social/linkedin"
	"github.com/mofa-vn/chancery/internal/social/mastodon"
	"github.com/mofa-vn/chancery/internal/social/telegram"
	"github.com/mofa-vn/chancery/internal/social/x"
)

// networks are the places Chancery publishes to, in display order: the
// one list of them. The connect pages, the publishing service, the
// connectors and the watcher read each one's descriptor; a new network is
// a package under internal/social/ and a line here.
var networks = social.Catalog{
	portal.Descriptor,
	x.Descriptor,
	facebook.Descriptor,
	mastodon.Descriptor,
	bluesky.Descriptor,
	telegram.Descriptor,
	linkedin.Descriptor,
}

// apps are Chancery's own OAuth apps with the networks, from the
// configuration.
func apps(c config.Connect) map[social.Network]social.App {
	return map[social.Network]social.App{
		social.X:        {ClientID: c.XClientID, ClientSecret: c.XClientSecret},
		social.LinkedIn: {ClientID: c.LinkedInClientID, ClientSecret: c.LinkedInClientSecret},
	}
}
