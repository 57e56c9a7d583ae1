package pubtest

import (
	"github.com/mofa-vn/chancery/internal/portal"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/bluesky"
	"github.com/mofa-vn/chancery/internal/social/facebook"
	"github.com/mofa-vn/chancery/internal/social/linkedin"
	"github.com/mofa-vn/chancery/internal/social/mastodon"
	"github.com/mofa-vn/chancery/internal/social/telegram"
	"github.com/mofa-vn/chancery/internal/social/x"
)

// Networks is the catalogue of networks tests give publishing.Params: the
// same descriptors, in the same order, as cmd/server's list (a test there
// holds them equal).
var Networks = social.Catalog{
	portal.Descriptor,
	x.Descriptor,
	facebook.Descriptor,
	mastodon.Descriptor,
	bluesky.Descriptor,
	telegram.Descriptor,
	linkedin.Descriptor,
}
