package config

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
)

func TestConnect(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
		want string // "" means valid
	}{
		{"nothing set", nil, ""},
		{"origin", []string{"CHANCERY_PUBLIC_URL=https://mofa.gov.vn"}, ""},
		{"origin with a slash", []string{"CHANCERY_PUBLIC_URL=https://mofa.gov.vn/"}, ""},
		{"a path", []string{"CHANCERY_PUBLIC_URL=https://mofa.gov.vn/portal"}, "public-url"},
		{"no scheme", []string{"CHANCERY_PUBLIC_URL=mofa.gov.vn"}, "public-url"},
		{"x app", []string{"CHANCERY_X_CLIENT_ID=id", "CHANCERY_X_CLIENT_SECRET=s3cr3t-x"}, ""},
		{"x id alone", []string{"CHANCERY_X_CLIENT_ID=id"}, "x-client-id and x-client-secret"},
		{"linkedin secret alone", []string{"CHANCERY_LINKEDIN_CLIENT_SECRET=s3cr3t-li"}, "linkedin-client-id and linkedin-client-secret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(nil, tc.env, io.Discard)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one about %q", err, tc.want)
			case err != nil && strings.Contains(err.Error(), "s3cr3t"):
				t.Fatalf("the error shows a client secret: %v", err)
			}
		})
	}
	c := Default()
	c.Connect.XClientSecret, c.Connect.LinkedInClientSecret = "s3cr3t-x", "s3cr3t-li"
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "connect", c.Connect)
	for _, out := range []string{logged.String(), fmt.Sprintf("%v %+v %#v", c.Connect, c.Connect, c.Connect)} {
		if strings.Contains(out, "s3cr3t") {
			t.Errorf("printing the configuration shows a client secret: %s", out)
		}
	}
}
