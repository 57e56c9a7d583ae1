package bluesky

import (
	"crypto/sha256"
	"encoding/binary"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Facet is a rich-text annotation over a byte range of the UTF-8 text
// (app.bsky.richtext.facet).
type Facet struct {
	Index    ByteSlice        `json:"index"`
	Features []map[string]any `json:"features"`
}

// ByteSlice is a [ByteStart, ByteEnd) range in UTF-8 bytes.
type ByteSlice struct {
	ByteStart int `json:"byteStart"`
	ByteEnd   int `json:"byteEnd"`
}

var linkRE = regexp.MustCompile(`https?://[^\s<>"]+`)

// LinkFacets finds the http(s) links in text and returns their facets with
// UTF-8 byte offsets. Trailing sentence punctuation and an unbalanced
// closing parenthesis are left out of a link, as the Bluesky app does.
func LinkFacets(text string) []Facet {
	var out []Facet
	for _, m := range linkRE.FindAllStringIndex(text, -1) {
		start, end := m[0], m[1]
		for end > start {
			r, size := utf8.DecodeLastRuneInString(text[start:end])
			link := text[start:end]
			if strings.ContainsRune(".,;:!?'", r) ||
				(r == ')' && strings.Count(link, "(") < strings.Count(link, ")")) {
				end -= size
				continue
			}
			break
		}
		uri := text[start:end]
		if !strings.Contains(strings.TrimPrefix(strings.TrimPrefix(uri, "http://"), "https://"), ".") {
			continue
		}
		out = append(out, Facet{Index: ByteSlice{start, end},
			Features: []map[string]any{{"$type": "app.bsky.richtext.facet#link", "uri": uri}}})
	}
	return out
}

const tidAlphabet = "234567abcdefghijklmnopqrstuvwxyz"

// tidEpoch and tidSpan place derived TIDs in 2024, so they are valid and
// never in the future.
var (
	tidEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	tidSpan  = int64(365 * 24 * time.Hour / time.Microsecond)
)

// RecordKey derives the record key of a post from its Post.Key: a valid TID
// (13 base32-sortable characters: a 53-bit microsecond timestamp and a
// 10-bit clock id), the same for every attempt, so a second create of the
// same post fails instead of duplicating it. Its timestamp is a hash, not
// the post's time.
func RecordKey(postKey string) string {
	sum := sha256.Sum256([]byte("chancery/bluesky/" + postKey))
	h := binary.BigEndian.Uint64(sum[:8])
	micros := tidEpoch + int64(h>>11)%tidSpan
	v := uint64(micros)<<10 | (h & 1023)
	var b [13]byte
	for i := 12; i >= 0; i-- {
		b[i] = tidAlphabet[v&31]
		v >>= 5
	}
	return string(b[:])
}

var tidRE = regexp.MustCompile(`^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$`)

// ValidTID reports whether s has the TID syntax of the AT Protocol.
func ValidTID(s string) bool { return tidRE.MatchString(s) }
