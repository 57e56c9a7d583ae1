package facebook

import (
	"encoding/json"
	"time"
)

// Usage is what the usage headers say: the highest percentage of any
// counter, and how long Facebook says access will take to come back.
type Usage struct {
	Percent int
	Regain  time.Duration
}

type counters struct {
	CallCount    int `json:"call_count"`
	TotalCPUTime int `json:"total_cputime"`
	TotalTime    int `json:"total_time"`
	// EstimatedTimeToRegainAccess is in minutes (business use case only).
	EstimatedTimeToRegainAccess int `json:"estimated_time_to_regain_access"`
}

func (c counters) max() int { return max(c.CallCount, c.TotalCPUTime, c.TotalTime) }

// ParseAppUsage reads X-App-Usage:
// {"call_count":28,"total_cputime":25,"total_time":25}, in percent.
func ParseAppUsage(v string) (Usage, bool) {
	var c counters
	if v == "" || json.Unmarshal([]byte(v), &c) != nil {
		return Usage{}, false
	}
	return Usage{Percent: clampPct(c.max())}, true
}

// ParseBusinessUsage reads X-Business-Use-Case-Usage:
// {"<id>":[{"type":"pages","call_count":…,"estimated_time_to_regain_access":<minutes>}]}.
func ParseBusinessUsage(v string) (Usage, bool) {
	var m map[string][]counters
	if v == "" || json.Unmarshal([]byte(v), &m) != nil {
		return Usage{}, false
	}
	var u Usage
	for _, list := range m {
		for _, c := range list {
			u.Percent = max(u.Percent, clampPct(c.max()))
			mins := min(max(c.EstimatedTimeToRegainAccess, 0), 24*60)
			u.Regain = max(u.Regain, time.Duration(mins)*time.Minute)
		}
	}
	return u, true
}

func clampPct(n int) int { return min(max(n, 0), 1000) }
