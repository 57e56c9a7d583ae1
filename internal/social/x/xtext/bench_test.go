package xtext

import (
	"strings"
	"testing"
)

// statement is a typical press post: Vietnamese with a link, a bare
// domain and an emoji.
const statement = "Bộ Ngoại giao Việt Nam hoan nghênh thỏa thuận ngừng bắn và kêu gọi các bên thực hiện nghiêm túc. " +
	"Toàn văn tuyên bố: https://mofa.gov.vn/vi/tin-tuc/tuyen-bo-cua-nguoi-phat-ngon?id=12345 — xem thêm tại baochinhphu.vn 🇻🇳"

func BenchmarkCount(b *testing.B) {
	for _, bc := range []struct {
		name string
		text string
	}{
		{"statement", statement},
		{"premium-4000", strings.Repeat(statement+" ", 4000/len([]rune(statement+" ")))},
		{"cjk-4000-one-dot", strings.Repeat("外交部欢迎该协议", 250) + "."},
		{"parens-path", "http://a.co/" + strings.Repeat("(a", 1000)},
		{"labels", strings.Repeat("a.", 2000)},
		{"long-idn-label", "http://" + distinctHan(3990) + ".com"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Count(bc.text)
			}
		})
	}
}

// distinctHan returns n different CJK ideographs, the worst case for
// punycode's encoder.
func distinctHan(n int) string {
	r := make([]rune, n)
	for i := range r {
		r[i] = rune(0x4E00 + i)
	}
	return string(r)
}
