package publishing

import (
	"fmt"
	"strings"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
)

// ThreadSeparator splits a variant into the parts of a thread: a line
// holding only three dashes.
const ThreadSeparator = "\n---\n"

// part is one post to make for a publication, and the index of the part
// it replies to (-1 for none).
type part struct {
	post    social.Post
	replyTo int
}

// PostKey is the stable key of part seg of language lng of publication pub,
// from which networks derive their idempotency key.
func PostKey(pub int64, lng string, seg int) string {
	return fmt.Sprintf("pub-%d-%s-%d", pub, lng, seg)
}

// buildParts turns a statement into the posts for one channel: for each of
// the channel's languages that the statement has, the text (the channel's
// override when there is one) split into thread parts. The portal gets one
// article per language.
func buildParts(st store.Statement, ch store.Channel, p social.Publisher, pub int64) ([]part, error) {
	var out []part
	for _, lng := range ch.Languages {
		var v *store.Variant
		for i := range st.Variants {
			if st.Variants[i].Lang == lng {
				v = &st.Variants[i]
			}
		}
		if v == nil {
			continue
		}
		body := v.Body
		for _, o := range st.Overrides {
			if o.ChannelID == ch.ID && o.Lang == lng {
				body = o.Body
			}
		}
		var media []social.Media
		for _, m := range st.Media {
			media = append(media, social.Media{Filename: m.Filename, ContentType: m.ContentType, Data: m.Data, Alt: m.Alts[lng]})
		}
		if p.Network() == social.Portal {
			out = append(out, part{replyTo: -1, post: social.Post{Key: PostKey(pub, lng, 0), Lang: lng, Text: body, Media: media,
				Link: st.ArticleURL, Group: fmt.Sprintf("statement-%d", st.ID), Kind: "statement", Title: v.Title, Published: st.DueAt}})
			continue
		}
		segs := SplitThread(body)
		if len(segs) > 1 && !p.Limits().Threads {
			return nil, fault.Refused("variants", "press_error_no_threads", "Channel", ch.Name)
		}
		// The portal article goes with the post: as a card where the
		// network shows one, otherwise at the end of the first part,
		// unless the officer wrote it in already.
		if st.ArticleURL != "" && !p.Limits().LinkCard && !strings.Contains(body, st.ArticleURL) {
			segs[0] += "\n\n" + st.ArticleURL
		}
		first := len(out)
		for i, seg := range segs {
			pt := part{replyTo: -1, post: social.Post{Key: PostKey(pub, lng, i), Lang: lng, Text: seg, Link: st.ArticleURL}}
			if i == 0 {
				pt.post.Media = media
			} else {
				pt.replyTo = first + i - 1
			}
			out = append(out, pt)
		}
	}
	if len(out) == 0 {
		return nil, fault.Refused("targets", "press_error_no_language_for_channel", "Channel", ch.Name)
	}
	return out, nil
}

// SplitThread splits a text typed by an officer into the parts of a
// thread, at lines holding only "---", and trims each part. Empty parts
// are dropped; the result is never empty for a non-blank text.
func SplitThread(body string) []string {
	var out []string
	for seg := range strings.SplitSeq(strings.ReplaceAll(body, "\r\n", "\n"), ThreadSeparator) {
		if seg = strings.TrimSpace(seg); seg != "" {
			out = append(out, seg)
		}
	}
	if len(out) == 0 {
		out = append(out, strings.TrimSpace(body))
	}
	return out
}
