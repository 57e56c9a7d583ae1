package sso

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/account"
)

var usernameShape = regexp.MustCompile(`^[a-z0-9_][a-z0-9._-]{0,59}$`)

// FuzzUsername: whatever names a provider sends, the proposed username is
// short, lower case and safe to show.
func FuzzUsername(f *testing.F) {
	for _, s := range []string{"lan", "Nguyễn.Văn-A", "../../etc/passwd", "", "---", "ADMIN", strings.Repeat("x", 500), "\x00\xff", "<script>"} {
		f.Add(s, s+"@mofa.gov.vn", "sub-1")
	}
	f.Fuzz(func(t *testing.T, preferred, email, sub string) {
		u := Username(map[string]any{"preferred_username": preferred, "email": email}, sub)
		if !usernameShape.MatchString(u) {
			t.Fatalf("Username(%q, %q) = %q", preferred, email, u)
		}
	})
}

// FuzzClaims: any JSON claims map to known roles only, and the second
// factor is trusted only for the configured amr or acr.
func FuzzClaims(f *testing.F) {
	for _, s := range []string{
		`{"groups":["mfa-press","x"],"amr":["pwd","mfa"]}`, `{"groups":"mfa-clear","acr":"gold"}`,
		`{"groups":[1,null,{"a":2},"mfa-press"],"amr":"mfa"}`, `{"groups":null,"amr":[["mfa"]],"acr":["gold"]}`, `[]`, `{}`,
	} {
		f.Add([]byte(s))
	}
	h := &Handlers{p: Params{RolesClaim: "groups", TrustedAMR: []string{"mfa"}, TrustedACR: []string{"gold"},
		RoleMap: map[string][]account.Role{"mfa-press": {account.RolePressOfficer}, "mfa-clear": {account.RoleApprover, account.RoleChair}}}}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var claims map[string]any
		if json.Unmarshal(raw, &claims) != nil {
			return
		}
		roles := h.Roles(stringList(claims["groups"]))
		for _, r := range roles {
			if !r.Valid() {
				t.Fatalf("unknown role %q", r)
			}
		}
		sorted := slices.Clone(roles)
		account.SortRoles(sorted)
		if !slices.Equal(roles, sorted) || len(slices.Compact(slices.Clone(roles))) != len(roles) {
			t.Fatalf("roles not sorted or repeated: %v", roles)
		}
		acr, _ := claims["acr"].(string)
		want := slices.Contains(stringList(claims["amr"]), "mfa") || acr == "gold"
		if got := h.secondFactorChecked(claims); got != want {
			t.Fatalf("secondFactorChecked(%s) = %v", raw, got)
		}
	})
}
