package bluesky

import (
	"fmt"

	"github.com/mofa-vn/chancery/internal/social"
)

var _ social.Checker = (*Client)(nil)

// Check refuses, before anything is sent, a post Bluesky would refuse:
// text over 300 graphemes or 3000 bytes, more than 4 images, an image over
// 2 MB. Publish applies it first; clearance calls it at submission, so
// that a statement is not cleared for channels of which Bluesky is one
// that would refuse it.
func (c *Client) Check(p social.Post) error {
	refuse := func(f social.Field, fault social.Fault, max int, file, reason string) error {
		return &social.Refusal{Network: social.Bluesky, Field: f, Fault: fault, Max: max, File: file, Reason: reason}
	}
	if n := c.Count(p.Text); n > MaxGraphemes {
		return refuse(social.FieldText, social.TooLong, MaxGraphemes, "",
			fmt.Sprintf("the text has %d graphemes; Bluesky allows %d", n, MaxGraphemes))
	}
	if len(p.Text) > MaxBytes {
		return refuse(social.FieldText, social.TooLarge, MaxBytes, "",
			fmt.Sprintf("the text has %d bytes; Bluesky allows %d", len(p.Text), MaxBytes))
	}
	if len(p.Media) > MaxImages {
		return refuse(social.FieldMedia, social.TooMany, MaxImages, "", fmt.Sprintf("Bluesky allows at most %d images", MaxImages))
	}
	for _, m := range p.Media {
		if len(m.Data) > MaxImageSize {
			return refuse(social.FieldMedia, social.TooLarge, MaxImageSize, m.Filename, fmt.Sprintf("image %q is larger than 2 MB", m.Filename))
		}
	}
	return nil
}
