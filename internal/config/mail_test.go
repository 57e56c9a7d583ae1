package config

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
)

func TestSMTPURL(t *testing.T) {
	const url = "smtps://chancery:pa55-SECRET@mail.mofa.gov.vn?from=chancery@mofa.gov.vn"
	c, err := Load([]string{"-smtp-url", url}, nil, io.Discard)
	if err != nil || c.Mail.SMTPURL != url {
		t.Fatalf("Load: %+v, %v", c.Mail, err)
	}
	for _, tc := range []struct{ url, want string }{
		{"http://mail.example.org?from=a@b.c", "smtp:// or smtps://"},
		{"smtp://?from=a@b.c", "names no host"},
		{"smtp://mail.example.org", "?from="},
		{"smtp://u:SECRET-x@mail.example.org?from=nobody", "?from="},
	} {
		_, err := Load(nil, []string{"CHANCERY_SMTP_URL=" + tc.url}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "SECRET") {
			t.Errorf("%s: %v, want %q without the password", tc.url, err, tc.want)
		}
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "mail", c.Mail)
	for _, out := range []string{fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), logged.String()} {
		if strings.Contains(out, "pa55-SECRET") || !strings.Contains(out, "redacted") {
			t.Errorf("the SMTP password is printed: %s", out)
		}
	}
}
