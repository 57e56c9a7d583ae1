package social

import "context"

// NotOffered marks a count the network does not give the account.
const NotOffered = -1

// Counts are a published post's engagement as its network counts it;
// NotOffered where the network has no such count for the account.
type Counts struct {
	Likes   int // likes, favourites, reactions
	Reposts int // retweets, boosts, reposts, shares
	Replies int // replies, comments
	Quotes  int
	Views   int // impressions or views
}

// Engager is implemented by the publishers whose network tells the
// account its posts' counts (X public metrics, Mastodon favourites and
// boosts, Bluesky likes and reposts, …). Telegram's Bot API does not: a
// bot cannot read a channel post's views, so its connector has none.
type Engager interface {
	// Engagement reads the counts of the post id. Its errors are *Error
	// classified like Publish's: RateLimited carries the time to come
	// back (Retry-After or the reset header), a post gone is Rejected.
	Engagement(ctx context.Context, id string) (Counts, error)
}
