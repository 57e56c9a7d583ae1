package config

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestWatchInterval(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		env     []string
		want    time.Duration
		wantErr string
	}{
		{name: "default", want: 2 * time.Minute},
		{name: "env", env: []string{"CHANCERY_WATCH_INTERVAL=5m"}, want: 5 * time.Minute},
		{name: "flag wins", args: []string{"-watch-interval", "90s"}, env: []string{"CHANCERY_WATCH_INTERVAL=5m"}, want: 90 * time.Second},
		{name: "off", args: []string{"-watch-interval", "0"}, want: 0},
		{name: "too often", args: []string{"-watch-interval", "1s"}, wantErr: "watch-interval must be 0 (off) or between 30s and 24h0m0s"},
		{name: "too rare", env: []string{"CHANCERY_WATCH_INTERVAL=48h"}, wantErr: "watch-interval"},
		{name: "negative", args: []string{"-watch-interval=-1m"}, wantErr: "watch-interval"},
		{name: "not a duration", env: []string{"CHANCERY_WATCH_INTERVAL=often"}, wantErr: "CHANCERY_WATCH_INTERVAL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(tc.args, tc.env, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Watch.Interval != tc.want {
				t.Fatalf("interval = %s, want %s", c.Watch.Interval, tc.want)
			}
		})
	}
}
