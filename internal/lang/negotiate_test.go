package lang

import (
	"strings"
	"testing"
)

func TestNegotiate(t *testing.T) {
	tests := []struct {
		name   string
		header string
		want   string // "" means no match: default language and chooser
	}{
		{"french canada", "fr-CA", "fr"},
		{"simplified chinese", "zh-CN", "zh"},
		{"chinese singapore", "zh-SG", "zh"},
		{"chinese script subtag", "zh-Hans", "zh"},
		{"mandarin code", "cmn", "zh"},
		{"traditional taiwan", "zh-TW", ""},
		{"traditional hong kong", "zh-HK", ""},
		{"traditional macau", "zh-MO", ""},
		{"traditional script", "zh-Hant", ""},
		{"traditional then simplified", "zh-TW,zh;q=0.9", "zh"},
		{"traditional then english", "zh-TW,en;q=0.5", "en"},
		{"ukrainian never russian", "uk", ""},
		{"ukrainian then russian", "uk,ru;q=0.8", "ru"},
		{"persian never arabic", "fa", ""},
		{"serbian", "sr", ""},
		{"serbian latin", "sr-Latn", ""},
		{"belarusian never russian", "be", ""},
		{"belarusian then russian", "be,ru;q=0.9", "ru"},
		{"kazakh", "kk", ""},
		{"tatar", "tt", ""},
		{"hebrew", "he", ""},
		{"german", "de", ""},
		{"british english first", "en-GB,vi;q=0.5", "en"},
		{"weights reorder", "en-GB;q=0.8,vi;q=0.9", "vi"},
		{"vietnamese", "vi-VN", "vi"},
		{"arabic egypt", "ar-EG", "ar"},
		{"arabic explicit digits", "ar-u-nu-arab", "ar"},
		{"standard arabic code", "arb", "ar"},
		{"spanish latin america", "es-419", "es"},
		{"russian in ukraine", "ru-UA", "ru"},
		{"case insensitive", "EN-us", "en"},
		{"unsupported then french", "de,fr;q=0.1", "fr"},
		{"refused with q=0", "fr;q=0", ""},
		{"refused french then english", "fr;q=0,en", "en"},
		{"wildcard", "*", ""},
		{"wildcard and french", "*;q=0.5,fr", "fr"},
		{"empty", "", ""},
		{"spaces", "   ", ""},
		{"und", "und", ""},
		{"private use", "x-klingon", ""},
		{"garbage", "!!!@@@###", ""},
		{"unknown subtag", "xx", ""},
		{"bad weight skipped", "de;q=abc,fr", "fr"},
		{"bad entry skipped", "en-GB,xx-!,fr;q=0.5", "en"},
		{"only separators", ",,,;;;", ""},
		{"control bytes", "fr\x00\r\n", ""},
		{"invalid utf-8", "\xff\xfe,ru", "ru"},
		{"huge repeated list", strings.Repeat("fr-CA,", 200_000), "fr"},
		{"huge single token", strings.Repeat("a", 1_000_000), ""},
		{"huge unsupported then supported", strings.Repeat("de,", 10_000) + "ru", ""},
		{"huge weights", "fr;q=" + strings.Repeat("9", 100_000), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Negotiate(tt.header, All())
			if ok != (tt.want != "") || got.Code != tt.want {
				t.Errorf("Negotiate(%.40q) = %q, %v; want %q", tt.header, got.Code, ok, tt.want)
			}
		})
	}
}

func TestNegotiateSubset(t *testing.T) {
	var sub []Language
	for _, code := range []string{"ar", "fr"} {
		l, _ := Lookup(code)
		sub = append(sub, l)
	}
	tests := []struct {
		header string
		want   string
	}{
		{"fr-BE", "fr"},
		{"en", ""},
		{"en,ar;q=0.2", "ar"},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			got, ok := Negotiate(tt.header, sub)
			if ok != (tt.want != "") || got.Code != tt.want {
				t.Errorf("Negotiate(%q) = %q, %v; want %q", tt.header, got.Code, ok, tt.want)
			}
		})
	}
	if _, ok := Negotiate("fr", nil); ok {
		t.Error("Negotiate with no supported languages matched")
	}
}

func BenchmarkNegotiate(b *testing.B) {
	all := All()
	for b.Loop() {
		Negotiate("fr-CA,fr;q=0.9,en-US;q=0.8,en;q=0.7", all)
	}
}

func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{"fr-CA", "zh-TW,en;q=0.5", "*", "", "de;q=abc,fr", "\xff"} {
		f.Add(s)
	}
	all := All()
	f.Fuzz(func(t *testing.T, header string) {
		l, ok := Negotiate(header, all)
		if ok {
			if _, found := Lookup(l.Code); !found {
				t.Fatalf("Negotiate(%q) returned unknown language %q", header, l.Code)
			}
		}
	})
}
