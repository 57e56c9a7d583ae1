package xtext

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// This file runs twitter-text's conformance vectors (testdata/, Apache-2.0,
// see testdata/README.md) against the package: every section about
// counting, validity or URL extraction, each case as a subtest.

// vector is one conformance case; Expected differs by section.
type vector struct {
	Description string    `yaml:"description"`
	Text        string    `yaml:"text"`
	Expected    yaml.Node `yaml:"expected"`
}

// parseExpectation is the expected outcome of parseTweet.
type parseExpectation struct {
	WeightedLength    int  `yaml:"weightedLength"`
	Valid             bool `yaml:"valid"`
	Permillage        int  `yaml:"permillage"`
	DisplayRangeStart int  `yaml:"displayRangeStart"`
	DisplayRangeEnd   int  `yaml:"displayRangeEnd"`
	ValidRangeStart   int  `yaml:"validRangeStart"`
	ValidRangeEnd     int  `yaml:"validRangeEnd"`
}

// urlWithIndices is an expected link with its code point offsets.
type urlWithIndices struct {
	URL     string `yaml:"url"`
	Indices []int  `yaml:"indices"`
}

// outOfScope lists the sections of the vector files this package does not
// implement, with the reason; every other section must have a runner.
var outOfScope = map[string]string{
	"validate.yml/usernames":                     "username validation: Chancery does not validate X handles",
	"validate.yml/lists":                         "list-name validation: Chancery does not post lists",
	"validate.yml/hashtags":                      "hashtag validation: a hashtag counts as its characters",
	"validate.yml/urls":                          "isValidUrl, a stand-alone URL validator (RFC 3986 parts), not used to count posts",
	"validate.yml/urls_without_protocol":         "isValidUrl with requireProtocol=false, as above",
	"extract.yml/mentions":                       "mention extraction: a mention counts as its characters",
	"extract.yml/mentions_with_indices":          "mention extraction, as above",
	"extract.yml/mentions_or_lists_with_indices": "mention extraction, as above",
	"extract.yml/replies":                        "reply detection: not part of the count",
	"extract.yml/hashtags":                       "hashtag extraction: a hashtag counts as its characters",
	"extract.yml/hashtags_from_astral":           "hashtag extraction, as above",
	"extract.yml/hashtags_with_indices":          "hashtag extraction, as above",
	"extract.yml/cashtags":                       "cashtag extraction: a cashtag counts as its characters",
	"extract.yml/cashtags_with_indices":          "cashtag extraction, as above",
}

// runners check one case of a section.
var runners = map[string]func(t *testing.T, v vector){
	// isValidTweetText(text, configs.version1): 140 code points.
	"validate.yml/tweets": func(t *testing.T, v vector) {
		var want bool
		decode(t, v, &want)
		if got := ParseConfig(v.Text, ConfigV1).Valid; got != want {
			t.Errorf("valid with ConfigV1 = %v, want %v", got, want)
		}
	},
	// isValidUrl(text) and isValidUrl(text, true, false).
	"validate.yml/urls":                                         validURLRunner(true),
	"validate.yml/urls_without_protocol":                        validURLRunner(false),
	"validate.yml/WeightedTweetsCounterTest":                    parseRunner(ConfigV2),
	"validate.yml/WeightedTweetsWithDiscountedEmojiCounterTest": parseRunner(ConfigV3),
	"validate.yml/UnicodeDirectionalMarkerCounterTest":          parseRunner(ConfigV3),
	"extract.yml/urls":                                          urlsRunner,
	"extract.yml/tco_urls_with_params":                          urlsRunner,
	"extract.yml/urls_with_indices":                             urlsWithIndicesRunner,
	"extract.yml/urls_with_directional_markers":                 urlsWithIndicesRunner,
	"tlds.yml/country":                                          urlsRunner,
	"tlds.yml/generic":                                          urlsRunner,
}

func TestConformance(t *testing.T) {
	ran := 0
	for _, file := range []string{"validate.yml", "extract.yml", "tlds.yml"} {
		raw, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Tests map[string][]vector `yaml:"tests"`
		}
		if err := yaml.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if len(doc.Tests) == 0 {
			t.Fatalf("%s holds no tests", file)
		}
		for section, cases := range doc.Tests {
			key := file + "/" + section
			run, ok := runners[key]
			if !ok {
				if _, skip := outOfScope[key]; !skip {
					t.Errorf("%s: no runner and not declared out of scope", key)
				}
				continue
			}
			t.Run(key, func(t *testing.T) {
				for i, v := range cases {
					t.Run(v.Description, func(t *testing.T) {
						defer func() {
							if r := recover(); r != nil {
								t.Fatalf("case %d panicked: %v", i, r)
							}
						}()
						run(t, v)
						if t.Failed() {
							t.Logf("text: %q", v.Text)
						}
					})
					ran++
				}
			})
		}
	}
	// The vector files of commit 30e2430 hold 1763 cases in the sections
	// above (counted with grep); fewer would mean cases were lost.
	if ran != 1763 {
		t.Errorf("ran %d conformance cases, want every one", ran)
	}
	t.Logf("ran %d conformance cases", ran)
}

func decode(t *testing.T, v vector, out any) {
	t.Helper()
	if err := v.Expected.Decode(out); err != nil {
		t.Fatalf("expected: %v", err)
	}
}

// parseRunner checks parseTweet(text, cfg) field by field.
func parseRunner(cfg Config) func(t *testing.T, v vector) {
	return func(t *testing.T, v vector) {
		var want parseExpectation
		decode(t, v, &want)
		got := ParseConfig(v.Text, cfg)
		have := parseExpectation{
			WeightedLength:    got.Weighted,
			Valid:             got.Valid,
			Permillage:        got.Permillage,
			DisplayRangeStart: got.DisplayStart,
			DisplayRangeEnd:   got.DisplayEnd,
			ValidRangeStart:   got.ValidStart,
			ValidRangeEnd:     got.ValidEnd,
		}
		if have != want {
			t.Errorf("parse = %+v\nwant    %+v", have, want)
		}
		if cfg.EmojiParsing && cfg.MaxWeightedLength == MaxWeightedLength {
			if c := Count(v.Text); c != want.WeightedLength {
				t.Errorf("Count = %d, want %d", c, want.WeightedLength)
			}
		}
	}
}

// validURLRunner checks isValidUrl.
func validURLRunner(requireProtocol bool) func(t *testing.T, v vector) {
	return func(t *testing.T, v vector) {
		var want bool
		decode(t, v, &want)
		if got := ValidURL(v.Text, requireProtocol); got != want {
			t.Errorf("ValidURL(%q, %v) = %v, want %v", v.Text, requireProtocol, got, want)
		}
	}
}

// urlsRunner checks extractUrls: the links' text, in order.
func urlsRunner(t *testing.T, v vector) {
	var want []string
	decode(t, v, &want)
	var got []string
	for _, u := range ExtractURLs(v.Text) {
		got = append(got, u.Text)
	}
	if !slices.Equal(got, want) {
		t.Errorf("ExtractURLs = %q, want %q", got, want)
	}
}

// urlsWithIndicesRunner checks extractUrlsWithIndices, offsets in code
// points.
func urlsWithIndicesRunner(t *testing.T, v vector) {
	var want []urlWithIndices
	decode(t, v, &want)
	var got []urlWithIndices
	for _, u := range ExtractURLs(v.Text) {
		start, end := utf8.RuneCountInString(v.Text[:u.Start]), utf8.RuneCountInString(v.Text[:u.End])
		got = append(got, urlWithIndices{URL: u.Text, Indices: []int{start, end}})
	}
	if len(got) != len(want) {
		t.Fatalf("ExtractURLs = %+v, want %+v", got, want)
	}
	for i := range got {
		if got[i].URL != want[i].URL || !slices.Equal(got[i].Indices, want[i].Indices) {
			t.Errorf("link %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}
