package config

import (
	"errors"
	"fmt"
	"log/slog"
)

// Connect configures the OAuth applications the press office connects X
// and LinkedIn accounts through. The public address (links in posts, OAuth
// redirects) is Web.PublicURL.
type Connect struct {
	// XClientID and XClientSecret are Chancery's OAuth 2.0 client at X;
	// empty hides the X connect button (an OAuth 1.0a token set can still
	// be pasted).
	XClientID, XClientSecret string
	// LinkedInClientID and LinkedInClientSecret are Chancery's LinkedIn
	// app, for the connect flow and to renew access tokens.
	LinkedInClientID, LinkedInClientSecret string
}

// Validate checks the connect section. Errors never echo a client secret.
func (c Connect) Validate() error {
	var errs []error
	if (c.XClientID == "") != (c.XClientSecret == "") {
		errs = append(errs, errors.New("config: x-client-id and x-client-secret must be set together"))
	}
	if (c.LinkedInClientID == "") != (c.LinkedInClientSecret == "") {
		errs = append(errs, errors.New("config: linkedin-client-id and linkedin-client-secret must be set together"))
	}
	return errors.Join(errs...)
}

// String hides the client secrets.
func (c Connect) String() string {
	hide := func(v string) string {
		if v == "" {
			return ""
		}
		return "[redacted]"
	}
	return fmt.Sprintf("{XClientID:%s XClientSecret:%s LinkedInClientID:%s LinkedInClientSecret:%s}",
		c.XClientID, hide(c.XClientSecret), c.LinkedInClientID, hide(c.LinkedInClientSecret))
}

// GoString hides the client secrets from %#v as well.
func (c Connect) GoString() string { return "config.Connect" + c.String() }

// LogValue hides the client secrets from slog.
func (c Connect) LogValue() slog.Value { return slog.StringValue(c.String()) }
