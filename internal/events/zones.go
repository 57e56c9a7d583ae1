package events

import (
	_ "embed"
	"slices"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // venue zones must load on machines without zoneinfo
)

// zoneList is every zone name of Go's embedded tzdata (Area/City, and UTC),
// one a line: time.LoadLocation cannot list them.
//
//go:embed zones.txt
var zoneList string

var zones = sync.OnceValue(func() []string { return strings.Fields(zoneList) })

// wellKnownMistakes are zone names people expect to exist, with the zone
// that holds the city: the tz database names a zone after the most
// populous city of a region of one clock.
var wellKnownMistakes = map[string]string{
	"europe/geneva":         "Europe/Zurich",
	"europe/bern":           "Europe/Zurich",
	"europe/the_hague":      "Europe/Amsterdam",
	"europe/strasbourg":     "Europe/Paris",
	"europe/hague":          "Europe/Amsterdam",
	"europe/milan":          "Europe/Rome",
	"europe/frankfurt":      "Europe/Berlin",
	"europe/barcelona":      "Europe/Madrid",
	"europe/st_petersburg":  "Europe/Moscow",
	"asia/hanoi":            "Asia/Ho_Chi_Minh",
	"asia/ha_noi":           "Asia/Ho_Chi_Minh",
	"asia/beijing":          "Asia/Shanghai",
	"asia/new_delhi":        "Asia/Kolkata",
	"asia/delhi":            "Asia/Kolkata",
	"asia/mumbai":           "Asia/Kolkata",
	"asia/abu_dhabi":        "Asia/Dubai",
	"asia/canberra":         "Australia/Sydney",
	"australia/canberra":    "Australia/Sydney",
	"america/washington":    "America/New_York",
	"america/washington_dc": "America/New_York",
	"america/ottawa":        "America/Toronto",
	"america/brasilia":      "America/Sao_Paulo",
	"america/san_francisco": "America/Los_Angeles",
	"africa/pretoria":       "Africa/Johannesburg",
	"asia/jeddah":           "Asia/Riyadh",
}

// LoadZone returns the IANA zone name, or ok false with the zone the name
// most likely meant ("" when nothing is close).
func LoadZone(name string) (loc *time.Location, suggestion string, ok bool) {
	if slices.Contains(zones(), name) {
		if l, err := time.LoadLocation(name); err == nil {
			return l, "", true
		}
	}
	return nil, SuggestZone(name), false
}

// SuggestZone returns the zone a name that does not exist most likely
// meant: a well-known mistake (Europe/Geneva is Europe/Zurich), the same
// name in other case, or the zone whose city is nearest by edit distance,
// preferring the same area. It returns "" when nothing is close.
func SuggestZone(name string) string {
	key := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(name), " ", "_"))
	if key == "" || len(key) > 100 {
		return ""
	}
	if s, ok := wellKnownMistakes[key]; ok {
		return s
	}
	area, city, hasArea := strings.Cut(key, "/")
	if !hasArea {
		city, area = key, ""
	}
	best, bestD := "", 1<<30
	for _, z := range zones() {
		lz := strings.ToLower(z)
		if lz == key {
			return z
		}
		za, zc, _ := strings.Cut(lz, "/")
		if i := strings.LastIndexByte(zc, '/'); i >= 0 {
			zc = zc[i+1:]
		}
		d := editDistance(city, zc)
		if area != "" && za != area {
			d++ // another area: a little further
		}
		if d < bestD {
			best, bestD = z, d
		}
	}
	if bestD > max(1, len([]rune(city))/4) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
