package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strings"
)

// OIDC configures single sign-on with an OpenID Connect provider
// (internal/sso). An empty Issuer turns it off.
type OIDC struct {
	// Issuer is the provider's issuer URL, exactly as its discovery
	// document and its ID tokens name it.
	Issuer string
	// ClientID and ClientSecret are Chancery's client at the provider;
	// ClientSecretFile holds the secret instead (its first line).
	ClientID, ClientSecret, ClientSecretFile string
	// Name is the provider's name on the sign-in button; empty uses the
	// issuer's host.
	Name string
	// RolesClaim is the ID token claim listing the user's groups.
	RolesClaim string
	// RoleMap maps groups to roles: "group=role,group=role"; a group may
	// appear several times to give several roles.
	RoleMap string
	// TrustedAMR and TrustedACR are the amr and acr values that show the
	// provider checked a second factor (comma-separated).
	TrustedAMR, TrustedACR string
	// DisableLocalPasswords refuses the password sign-in of accounts that
	// sign in through the provider.
	DisableLocalPasswords bool
}

// On reports whether single sign-on is configured.
func (o OIDC) On() bool { return o.Issuer != "" }

// Mapping returns RoleMap as group → roles, in the order given.
func (o OIDC) Mapping() map[string][]string {
	out := map[string][]string{}
	for pair := range strings.SplitSeq(o.RoleMap, ",") {
		group, role, ok := strings.Cut(pair, "=")
		group, role = strings.TrimSpace(group), strings.TrimSpace(role)
		if !ok || group == "" || role == "" {
			continue
		}
		if !slices.Contains(out[group], role) {
			out[group] = append(out[group], role)
		}
	}
	return out
}

// AMR returns TrustedAMR as a list.
func (o OIDC) AMR() []string { return splitList(o.TrustedAMR) }

// ACR returns TrustedACR as a list.
func (o OIDC) ACR() []string { return splitList(o.TrustedACR) }

func splitList(s string) []string {
	var out []string
	for v := range strings.SplitSeq(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// Secret returns the client secret: ClientSecret, or the first line of
// ClientSecretFile. Errors never echo the secret.
func (o OIDC) Secret() (string, error) {
	if o.ClientSecret != "" || o.ClientSecretFile == "" {
		return o.ClientSecret, nil
	}
	b, err := os.ReadFile(o.ClientSecretFile)
	if err != nil {
		return "", fmt.Errorf("config: oidc-client-secret-file: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	if line = strings.TrimSpace(line); line == "" {
		return "", fmt.Errorf("config: oidc-client-secret-file %s is empty", o.ClientSecretFile)
	}
	return line, nil
}

// Validate checks the OIDC section. Errors never echo the client secret.
func (o OIDC) Validate() error {
	if !o.On() {
		if o.ClientID != "" || o.RoleMap != "" || o.DisableLocalPasswords {
			return errors.New("config: oidc-client-id, oidc-role-map and oidc-disable-local-passwords need oidc-issuer")
		}
		return nil
	}
	var errs []error
	u, err := url.Parse(o.Issuer)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		errs = append(errs, fmt.Errorf("config: oidc-issuer must be an http(s) URL without query, got %q", o.Issuer))
	}
	if o.ClientID == "" {
		errs = append(errs, errors.New("config: oidc-issuer needs oidc-client-id"))
	}
	if o.ClientSecret == "" && o.ClientSecretFile == "" {
		errs = append(errs, errors.New("config: oidc-issuer needs oidc-client-secret or oidc-client-secret-file"))
	}
	if strings.TrimSpace(o.RolesClaim) == "" {
		errs = append(errs, errors.New("config: oidc-roles-claim must not be empty"))
	}
	known := []string{"admin", "press_officer", "approver", "protocol_officer", "chair", "interpreter", "delegate"}
	for pair := range strings.SplitSeq(o.RoleMap, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		group, role, ok := strings.Cut(pair, "=")
		if !ok || strings.TrimSpace(group) == "" {
			errs = append(errs, fmt.Errorf("config: oidc-role-map: %q is not group=role", pair))
			continue
		}
		if !slices.Contains(known, strings.TrimSpace(role)) {
			errs = append(errs, fmt.Errorf("config: oidc-role-map: unknown role %q (known: %s)", strings.TrimSpace(role), strings.Join(known, ", ")))
		}
	}
	return errors.Join(errs...)
}

// String hides the client secret.
func (o OIDC) String() string {
	secret := ""
	if o.ClientSecret != "" {
		secret = "[redacted]"
	}
	return fmt.Sprintf("{Issuer:%s ClientID:%s ClientSecret:%s ClientSecretFile:%s Name:%s RolesClaim:%s RoleMap:%s TrustedAMR:%s TrustedACR:%s DisableLocalPasswords:%t}",
		o.Issuer, o.ClientID, secret, o.ClientSecretFile, o.Name, o.RolesClaim, o.RoleMap, o.TrustedAMR, o.TrustedACR, o.DisableLocalPasswords)
}

// GoString hides the client secret from %#v as well.
func (o OIDC) GoString() string { return "config.OIDC" + o.String() }

// LogValue hides the client secret from slog.
func (o OIDC) LogValue() slog.Value { return slog.StringValue(o.String()) }
