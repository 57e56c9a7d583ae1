package admin

import (
	"net/http"
	"testing"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
)

// FuzzApply checks that any user input is either accepted as a valid user
// or refused with a 400 naming a field: never a panic.
func FuzzApply(f *testing.F) {
	f.Add("press.one", "Trần Thị Bình", "a@b.example", "press_officer", "vi", "Asia/Ho_Chi_Minh", false)
	f.Add("", "", "", "", "", "", true)
	f.Add("AB", "\xff", "x@", "king", "uk", "Europe/Geneva", true)
	f.Fuzz(func(t *testing.T, username, name, email, role, lang, tz string, self bool) {
		u := account.User{Roles: []account.Role{account.RoleAdmin}}
		in := UserInput{Username: &username, DisplayName: &name, Email: &email, Roles: []string{role}, Lang: &lang, TimeZone: &tz}
		err := apply(&u, in, true, self)
		if err == nil {
			if !usernameRE.MatchString(u.Username) || u.DisplayName == "" {
				t.Fatalf("accepted invalid user %+v", u)
			}
			return
		}
		he, ok := err.(*fault.Problem)
		if !ok || httpx.Status(he) != http.StatusBadRequest || he.Field == "" {
			t.Fatalf("error %v is not a 400 naming a field", err)
		}
	})
}
