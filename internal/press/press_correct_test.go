package press_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// The recall section of a published statement states each network's
// limits, and "Recall and correct" requests the recall and opens the
// corrected version, linked to the original, in the officer's language.
func TestPressRecallAndCorrectForm(t *testing.T) {
	clock := storetest.NewClock(time.Now())
	db := storetest.OpenWithClock(t, store.BackendSQLite, clock.Now)
	net := pubtest.New(social.Telegram, social.Limits{MaxLength: 4096, DeleteWindow: 48 * time.Hour})
	net.Now = clock.Now
	ts := newPressServer(t, db, clock, net)
	officer := ts.addUser("olivia", "officer-password-1", account.RolePressOfficer)
	approver := ts.addUser("arthur", "approver-password-1", account.RoleApprover)
	ch, err := ts.pub.CreateChannel(t.Context(), publishing.ActorOf(officer), publishing.ChannelInput{Network: "telegram", Name: "Telegram MOFA",
		Languages: []string{"fr"}, TimeZone: "Europe/Paris"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := ts.pub.SaveStatement(t.Context(), publishing.ActorOf(officer), 0, publishing.StatementInput{DueAt: clock.Now().Add(time.Minute),
		Variants: []publishing.VariantInput{{Lang: "fr", Body: "Le Viet Nam salue l’accord."}}, Targets: []int64{ch.ID}})
	if err == nil {
		err = ts.pub.Submit(t.Context(), publishing.ActorOf(officer), st.ID)
	}
	if err == nil {
		st, _ = db.GetStatement(t.Context(), st.ID)
		_, err = ts.pub.Approve(t.Context(), publishing.ActorOf(approver), st.ID, st.ContentHash)
	}
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	if n, err := ts.pub.Dispatch(t.Context()); n != 1 || err != nil {
		t.Fatalf("dispatch %d %v", n, err)
	}
	c := ts.signIn("olivia", "officer-password-1")
	fr := map[string]string{"Accept-Language": "fr"}
	page := ts.get(c, fmt.Sprintf("/press/statements/%d", st.ID), fr)
	wantStatus(t, page, http.StatusOK)
	wantContains(t, page, "le bot ne peut supprimer un message que dans les 48 heures", "Retirer et corriger", `data-state="published"`)

	res := ts.postForm(c, fmt.Sprintf("/press/statements/%d/recall", st.ID), url.Values{"reason": {"mauvaise date"}, "mode": {"correct"}}, fr)
	wantStatus(t, res, http.StatusSeeOther)
	sts, err := db.ListStatements(t.Context(), 10)
	if err != nil || len(sts) != 2 || sts[0].Corrects != st.ID {
		t.Fatalf("statements after correct: %+v %v", sts, err)
	}
	if want := fmt.Sprintf("/press/statements/%d?notice=done", sts[0].ID); res.Header.Get("Location") != want {
		t.Fatalf("redirected to %q, want %q", res.Header.Get("Location"), want)
	}
	res = ts.get(c, res.Header.Get("Location"), fr)
	wantContains(t, res, "Correction de la déclaration", fmt.Sprintf(`href="/press/statements/%d"`, st.ID), "Le Viet Nam salue l’accord.")
	if orig, _ := db.GetStatement(t.Context(), st.ID); orig.RecallState != "requested" || orig.RecallReason != "mauvaise date" {
		t.Fatalf("original after correct: %+v", orig)
	}
}
