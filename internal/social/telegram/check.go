package telegram

import (
	"fmt"

	"github.com/mofa-vn/chancery/internal/social"
)

var _ social.Checker = (*Client)(nil)

// Check refuses, before anything is sent, a post Telegram would refuse: an
// empty text, a text over 4096 characters, a caption over 1024 when there
// are photos (Limits can only say 4096), more than 10 photos. Publish
// applies it first; clearance asks it at submission.
func (c *Client) Check(p social.Post) error {
	refuse := func(f social.Field, fault social.Fault, max int, reason string) error {
		return &social.Refusal{Network: social.Telegram, Field: f, Fault: fault, Max: max, Reason: reason}
	}
	n := c.Count(p.Text)
	switch {
	case len(p.Media) == 0 && n == 0:
		return refuse(social.FieldText, social.Missing, 0, "the text is empty")
	case len(p.Media) == 0 && n > MaxText:
		return refuse(social.FieldText, social.TooLong, MaxText, fmt.Sprintf("the text has %d characters; Telegram allows 1 to %d", n, MaxText))
	case len(p.Media) > 0 && n > MaxCaption:
		return refuse(social.FieldText, social.TooLong, MaxCaption, fmt.Sprintf("the caption has %d characters; Telegram allows %d with photos", n, MaxCaption))
	case len(p.Media) > MaxMedia:
		return refuse(social.FieldMedia, social.TooMany, MaxMedia, fmt.Sprintf("Telegram allows at most %d photos in one post", MaxMedia))
	}
	return nil
}
