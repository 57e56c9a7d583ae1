package broadcast_test

import (
	"net/http"
	"testing"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// TestWHIPTokensNeedTheRoomsModerator: a WHIP token puts a feed in front
// of the public, so it is issued, listed and revoked only by those who
// moderate the room, as the conference decides: administrators, and staff
// assigned to the room as its moderators; staff assigned without
// moderation, or to another room, are refused, whatever their role.
func TestWHIPTokensNeedTheRoomsModerator(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := t.Context()
		f.user("admin", account.RoleAdmin)
		chair := f.user("chair", account.RoleChair)
		protocol := f.user("protocol", account.RoleProtocolOfficer)
		f.user("other", account.RoleChair)
		if err := db.AssignRoomStaff(ctx, f.room.ID, chair.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := db.AssignRoomStaff(ctx, f.room.ID, protocol.ID, false); err != nil {
			t.Fatal(err)
		}
		path := "/api/v1/rooms/" + f.room.Slug + "/whip-tokens"
		for _, tc := range []struct {
			user string
			want int
		}{{"admin", http.StatusCreated}, {"chair", http.StatusCreated}, {"protocol", http.StatusForbidden}, {"other", http.StatusForbidden}} {
			res, body := f.do("POST", path, "application/json", `{"label":"Studio A"}`, "X-Test-User", tc.user)
			if res.StatusCode != tc.want {
				t.Errorf("%s issues: %d, want %d: %s", tc.user, res.StatusCode, tc.want, body)
			}
			list := http.StatusOK
			if tc.want != http.StatusCreated {
				list = http.StatusForbidden
			}
			if res, body := f.do("GET", path, "", "", "X-Test-User", tc.user); res.StatusCode != list {
				t.Errorf("%s lists: %d, want %d: %s", tc.user, res.StatusCode, list, body)
			}
			if res, body := f.do("DELETE", path+"/1", "", "", "X-Test-User", tc.user); tc.want != http.StatusCreated && res.StatusCode != http.StatusForbidden {
				t.Errorf("%s revokes: %d: %s", tc.user, res.StatusCode, body)
			}
		}
	})
}
