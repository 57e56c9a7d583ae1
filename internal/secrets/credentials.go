package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/mofa-vn/chancery/internal/social"
)

// Store keeps one sealed secret per channel (store.DB implements it).
type Store interface {
	// ChannelCredential returns the sealed secret of a channel, or an error
	// matching store.ErrNotFound.
	ChannelCredential(ctx context.Context, channelID int64) ([]byte, error)
	// UpdateChannelCredential replaces the sealed secret with what fn
	// returns, given the current one (nil when there is none), holding a
	// per-channel lock across instances for the whole call. keyID names
	// the key that sealed a value, stored beside it.
	UpdateChannelCredential(ctx context.Context, channelID int64, keyID func(sealed []byte) string, fn func(sealed []byte) ([]byte, error)) error
}

// Credentials is a channel's social.Credentials, sealed in a Store.
type Credentials struct {
	store   Store
	box     *Box
	channel int64
}

var _ social.Credentials = (*Credentials)(nil)

// NewCredentials returns the credentials of channelID.
func NewCredentials(s Store, box *Box, channelID int64) *Credentials {
	return &Credentials{store: s, box: box, channel: channelID}
}

// Load returns the plaintext secret.
func (c *Credentials) Load(ctx context.Context) ([]byte, error) {
	sealed, err := c.store.ChannelCredential(ctx, c.channel)
	if err != nil {
		return nil, fmt.Errorf("secrets: load channel %d: %w", c.channel, err)
	}
	pt, err := c.box.Open(c.channel, sealed)
	if err != nil {
		return nil, fmt.Errorf("secrets: load channel %d: %w", c.channel, err)
	}
	return pt, nil
}

// errUnchanged lets Update skip the write when fn keeps the secret.
var errUnchanged = errors.New("unchanged")

// Update runs fn on the plaintext under the channel's lock and stores what
// it returns, sealed with the primary key. fn receives nil when the channel
// has no secret yet. Returning the current value unchanged writes nothing,
// unless it was sealed with a previous key, in which case it is re-sealed.
func (c *Credentials) Update(ctx context.Context, fn func(current []byte) ([]byte, error)) error {
	err := c.store.UpdateChannelCredential(ctx, c.channel, sealedKeyID, func(sealed []byte) ([]byte, error) {
		var cur []byte
		if len(sealed) > 0 {
			var err error
			if cur, err = c.box.Open(c.channel, sealed); err != nil {
				return nil, err
			}
		}
		next, err := fn(cur)
		if err != nil {
			return nil, err
		}
		if cur != nil && bytes.Equal(next, cur) {
			if id, _ := SealedKeyID(sealed); id == c.box.PrimaryKeyID() {
				return nil, errUnchanged
			}
		}
		return c.box.Seal(c.channel, next)
	})
	if errors.Is(err, errUnchanged) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("secrets: update channel %d: %w", c.channel, err)
	}
	return nil
}

// Reconnect stores the secret a connect flow produced, merged into the
// current one with MergeJSON, so that a reconnect whose answer carries no
// refresh token keeps the working one.
func Reconnect(ctx context.Context, c social.Credentials, fresh []byte) error {
	return c.Update(ctx, func(cur []byte) ([]byte, error) { return MergeJSON(cur, fresh) })
}

// MergeJSON merges two JSON objects as social.MergeJSON does.
func MergeJSON(current, fresh []byte) ([]byte, error) { return social.MergeJSON(current, fresh) }

func sealedKeyID(sealed []byte) string {
	id, _ := SealedKeyID(sealed)
	return id
}

// ResealStore is a Store that can list what a rotation must re-seal.
type ResealStore interface {
	Store
	ChannelsSealedWithOtherKeys(ctx context.Context, keyID string) ([]int64, error)
}

// Reseal re-encrypts, under the primary key of box, every channel's
// credentials sealed with another key, and returns how many it re-sealed.
// Once it reports none left, the previous keys can be dropped. Each
// channel is re-sealed under its lock, so a concurrent refresh is not lost.
func Reseal(ctx context.Context, s ResealStore, box *Box) (int, error) {
	ids, err := s.ChannelsSealedWithOtherKeys(ctx, box.PrimaryKeyID())
	if err != nil {
		return 0, fmt.Errorf("secrets: reseal: %w", err)
	}
	n := 0
	for _, id := range ids {
		if err := NewCredentials(s, box, id).Update(ctx, func(cur []byte) ([]byte, error) { return cur, nil }); err != nil {
			return n, fmt.Errorf("secrets: reseal: %w", err)
		}
		n++
	}
	return n, nil
}
