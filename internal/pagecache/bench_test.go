package pagecache

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// Benchmarks of the cache path alone, on a 30 kB page: run with
//
//	go test -run '^$' -bench . -benchmem ./internal/pagecache/
//
// Results are recorded in docs/benchmarks.md.

func benchServe(b *testing.B, h http.Handler, hdr ...string) {
	b.Helper()
	r := httptest.NewRequest("GET", "/vi/news/bien-dong", nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
	}
}

// BenchmarkUncached is the page handler alone, for comparison.
func BenchmarkUncached(b *testing.B) {
	benchServe(b, &page{n: 30000})
}

func BenchmarkHit(b *testing.B) {
	hs := newHarness(b, &page{n: 30000})
	hs.do("GET", "/vi/news/bien-dong")
	benchServe(b, hs.h)
}

func BenchmarkHitGzip(b *testing.B) {
	hs := newHarness(b, &page{n: 30000})
	hs.do("GET", "/vi/news/bien-dong")
	benchServe(b, hs.h, "Accept-Encoding", "gzip, deflate, br")
}

func BenchmarkNotModified(b *testing.B) {
	hs := newHarness(b, &page{n: 30000})
	etag := hs.do("GET", "/vi/news/bien-dong").Header().Get("ETag")
	benchServe(b, hs.h, "If-None-Match", etag)
}

// BenchmarkMiss renders, hashes and compresses on every request: the cost
// of the first request after a publish.
func BenchmarkMiss(b *testing.B) {
	hs := newHarness(b, &page{n: 30000})
	r := httptest.NewRequest("GET", "/vi/news/bien-dong", nil)
	b.ReportAllocs()
	for b.Loop() {
		hs.c.clear()
		hs.h.ServeHTTP(httptest.NewRecorder(), r)
	}
}
