package config

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestOIDC(t *testing.T) {
	ok := OIDC{Issuer: "https://login.example.gov/realms/mofa", ClientID: "chancery", ClientSecret: "s3cr3t-oidc", RolesClaim: "groups",
		RoleMap: "mfa-press=press_officer, mfa-clear=approver,mfa-clear=chair", TrustedAMR: "mfa, otp", TrustedACR: "gold"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := ok.Mapping(), map[string][]string{"mfa-press": {"press_officer"}, "mfa-clear": {"approver", "chair"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Mapping = %v", got)
	}
	if got := ok.AMR(); !reflect.DeepEqual(got, []string{"mfa", "otp"}) {
		t.Errorf("AMR = %v", got)
	}
	for _, tc := range []struct {
		name   string
		mutate func(*OIDC)
		want   string
	}{
		{"no client", func(o *OIDC) { o.ClientID = "" }, "needs oidc-client-id"},
		{"no secret", func(o *OIDC) { o.ClientSecret = "" }, "needs oidc-client-secret"},
		{"not a URL", func(o *OIDC) { o.Issuer = "login.example.gov" }, "must be an http(s) URL"},
		{"query", func(o *OIDC) { o.Issuer = "https://login.example.gov/?x=1" }, "must be an http(s) URL"},
		{"unknown role", func(o *OIDC) { o.RoleMap = "g=superuser" }, `unknown role "superuser"`},
		{"not a pair", func(o *OIDC) { o.RoleMap = "press_officer" }, "is not group=role"},
		{"empty claim", func(o *OIDC) { o.RolesClaim = " " }, "oidc-roles-claim"},
		{"options without an issuer", func(o *OIDC) { *o = OIDC{ClientID: "x"} }, "need oidc-issuer"},
	} {
		o := ok
		tc.mutate(&o)
		err := o.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%s: error shows the secret: %v", tc.name, err)
		}
	}

	// The secret from a file, and never in what is printed or logged.
	file := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(file, []byte("from-the-file\nignored\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := OIDC{ClientSecretFile: file}
	if s, err := f.Secret(); s != "from-the-file" || err != nil {
		t.Errorf("Secret from file = %q %v", s, err)
	}
	if _, err := (OIDC{ClientSecretFile: filepath.Join(t.TempDir(), "none")}).Secret(); err == nil {
		t.Error("a missing secret file gave no error")
	}
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "oidc", ok)
	for _, out := range []string{logged.String(), fmt.Sprintf("%v %+v %#v", ok, ok, ok)} {
		if strings.Contains(out, "s3cr3t") || !strings.Contains(out, "[redacted]") {
			t.Errorf("secret shown: %s", out)
		}
	}

	// Flags and environment fill it.
	c, err := Load([]string{"-oidc-issuer", "https://idp.example", "-oidc-client-id", "c", "-oidc-role-map", "g=approver", "-oidc-disable-local-passwords"},
		[]string{"CHANCERY_OIDC_CLIENT_SECRET=from-env"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.OIDC.ClientSecret != "from-env" || !c.OIDC.DisableLocalPasswords || c.OIDC.RolesClaim != "groups" || c.OIDC.TrustedAMR != "mfa,otp,hwk" {
		t.Errorf("loaded %+v", c.OIDC)
	}
}
