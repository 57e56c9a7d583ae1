package press

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// liked is a network that counts every post as the test sets it.
type liked struct {
	social.Publisher
	counts social.Counts
	// views, when set, are the views of the posts in the order read (a
	// network's impressions differ post by post).
	views []int
	reads int
}

func (l *liked) Engagement(context.Context, string) (social.Counts, error) {
	c := l.counts
	if l.views != nil {
		c.Views = l.views[l.reads%len(l.views)]
	}
	l.reads++
	return c, nil
}

// TestStatementPageShowsEngagement publishes a statement in Vietnamese and
// English, reads the network's counts and finds them on the statement's
// page, one table per language with its total, and a dash read out as
// "not given by the network" where the network counts no views.
func TestStatementPageShowsEngagement(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		l := &liked{counts: social.Counts{Likes: 1234, Reposts: 56, Replies: 7, Quotes: social.NotOffered, Views: social.NotOffered}}
		page := publishBothAndRead(t, db, clock, l)
		for _, code := range []string{"vi", "en"} {
			table := regexp.MustCompile(`(?s)<table class="data engagement-table" data-lang="` + code + `">.*?</table>`).FindString(page)
			if table == "" {
				t.Fatalf("no %s engagement table on the statement page", code)
			}
			for _, want := range []string{"Mastodon MOFA", "<td>1,234</td>", "<td>56</td>", "<td>7</td>", "not given by the network"} {
				if !strings.Contains(table, want) {
					t.Errorf("%s table lacks %q:\n%s", code, want, table)
				}
			}
		}
	})
}

// TestStatementPageShowsViewsPerLanguage: where the network counts views
// (Facebook's post insights, LinkedIn's share statistics), each language's
// table shows its own post's views and sums them, with no dash, and the
// page says which networks give views to whom.
func TestStatementPageShowsViewsPerLanguage(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		l := &liked{counts: social.Counts{Likes: 3, Reposts: 2, Replies: 1, Quotes: social.NotOffered}, views: []int{1500, 27000}}
		page := publishBothAndRead(t, db, clock, l)
		cell := regexp.MustCompile(`<td>(1,500|27,000)</td>`)
		seen := map[string]bool{}
		for _, code := range []string{"vi", "en"} {
			table := regexp.MustCompile(`(?s)<table class="data engagement-table" data-lang="` + code + `">.*?</table>`).FindString(page)
			body, foot, _ := strings.Cut(table, "<tfoot>")
			got := cell.FindAllStringSubmatch(body, -1)
			if len(got) != 1 || strings.Contains(table, "not given by the network") {
				t.Fatalf("%s table: views %v, want exactly one post's views and no dash:\n%s", code, got, table)
			}
			seen[got[0][1]] = true
			if !strings.Contains(foot, "<td>"+got[0][1]+"</td>") {
				t.Errorf("%s total lacks the views %s:\n%s", code, got[0][1], foot)
			}
		}
		if len(seen) != 2 {
			t.Errorf("both languages show the same post's views: %v", seen)
		}
		if !strings.Contains(page, "read_insights") {
			t.Error("the page does not say who gets views")
		}
	})
}

// publishBothAndRead publishes a statement in Vietnamese and English on a
// channel of network l, reads the counts and answers the statement page
// as an approver sees it.
func publishBothAndRead(t *testing.T, db *store.DB, clock *storetest.Clock, l *liked) string {
	t.Helper()
	s := newSite(t, db, clock.Now, func(p social.Publisher) social.Publisher { l.Publisher = p; return l })
	officer := s.user("olivia", account.RolePressOfficer)
	approver := s.user("arthur", account.RoleApprover)
	ctx := t.Context()
	ch, err := s.svc.CreateChannel(ctx, publishing.ActorOf(officer), publishing.ChannelInput{Network: "mastodon", Name: "Mastodon MOFA",
		BaseURL: "https://mastodon.example", Languages: []string{"vi", "en"}, TimeZone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.svc.SaveStatement(ctx, publishing.ActorOf(officer), 0, publishing.StatementInput{DueAt: clock.Now().Add(time.Hour),
		Variants: []publishing.VariantInput{{Lang: "vi", Title: "Tuyên bố", Body: "Nội dung."}, {Lang: "en", Title: "Statement", Body: "Text."}},
		Targets:  []int64{ch.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.svc.Submit(ctx, publishing.ActorOf(officer), st.ID); err != nil {
		t.Fatal(err)
	}
	st, _ = db.GetStatement(ctx, st.ID)
	if _, err := s.svc.Approve(ctx, publishing.ActorOf(approver), st.ID, st.ContentHash); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	if _, err := s.svc.Dispatch(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := s.svc.FetchEngagement(ctx); err != nil || n != 2 {
		t.Fatalf("read %d posts, %v; want 2", n, err)
	}
	_, page, _ := s.do(&approver, "GET", fmt.Sprintf("/press/statements/%d", st.ID), "", nil)
	return page
}
