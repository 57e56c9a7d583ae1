package pagecache

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// acceptsGzip reports whether an Accept-Encoding header allows gzip: a
// gzip, x-gzip or * coding with a non-zero quality, where an explicit gzip
// entry wins over * (RFC 9110 §12.5.3).
func acceptsGzip(header string) bool {
	if header == "" {
		return false
	}
	star, gzip := -1.0, -1.0
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				q = f
			}
		}
		switch coding {
		case "gzip", "x-gzip":
			gzip = max(gzip, q)
		case "*":
			star = max(star, q)
		}
	}
	if gzip >= 0 {
		return gzip > 0
	}
	return star > 0
}

// etagMatches reports whether an If-None-Match header matches etag, with
// the weak comparison RFC 9110 §13.1.2 asks for: W/"x" matches "x".
func etagMatches(header, etag string) bool {
	header = strings.TrimSpace(header)
	if header == "*" {
		return true
	}
	want := strings.TrimPrefix(etag, "W/")
	for header != "" {
		header = strings.TrimLeft(header, " \t,")
		tag := strings.TrimPrefix(header, "W/")
		if !strings.HasPrefix(tag, `"`) {
			return false // malformed: no match rather than a guess
		}
		end := strings.IndexByte(tag[1:], '"')
		if end < 0 {
			return false
		}
		if tag[:end+2] == want {
			return true
		}
		header = tag[end+2:]
	}
	return false
}

// notModifiedSince reports whether If-Modified-Since is at or after
// modified, to the second. An unparsable date is ignored (RFC 9110 §13.1.3).
func notModifiedSince(header string, modified time.Time) bool {
	if header == "" || modified.IsZero() {
		return false
	}
	t, err := http.ParseTime(header)
	if err != nil {
		return false
	}
	return !modified.Truncate(time.Second).After(t)
}

// compressible reports the media types worth gzipping: text and the
// textual application types the portal serves.
func compressible(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	if strings.HasPrefix(mt, "text/") {
		return true
	}
	switch mt {
	case "application/xml", "application/atom+xml", "application/rss+xml", "application/json",
		"application/ld+json", "application/javascript", "image/svg+xml", "application/jwk-set+json":
		return true
	}
	return strings.HasSuffix(mt, "+xml") || strings.HasSuffix(mt, "+json")
}
