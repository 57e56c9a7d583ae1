package x_test

import (
	"context"
	"fmt"

	"github.com/mofa-vn/chancery/internal/outbound"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/x"
	"github.com/mofa-vn/chancery/internal/social/x/xfake"
)

// Example publishes a two-part thread to the fake X server, as the demo
// does: the fake runs on loopback, the client is given its URL.
func Example() {
	fake := xfake.New(xfake.Options{})
	defer fake.Close()
	fake.AddOAuth1Token("1460000000000000001-demo", "demo-token-secret")

	ctx := context.Background()
	creds := &memCreds{} // in the server: secrets.NewCredentials(db, box, channelID)
	o := fake.Options()
	if err := x.Connect(ctx, creds, x.Secret{ConsumerKey: o.ConsumerKey, ConsumerSecret: o.ConsumerSecret,
		Token: "1460000000000000001-demo", TokenSecret: "demo-token-secret"}); err != nil {
		fmt.Println(err)
		return
	}
	// The fake runs on loopback, which the server connects to only when
	// the operator allows its address (-extra-api-urls).
	hc, err := outbound.New(outbound.Params{Allow: []string{fake.URL}})
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := x.New(x.Params{BaseURL: fake.URL, Credentials: creds, HTTP: hc})
	if err != nil {
		fmt.Println(err)
		return
	}
	first, err := c.Publish(ctx, social.Post{Key: "pub-1-0", Text: "1/2 Bộ Ngoại giao hoan nghênh thỏa thuận."})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := c.Publish(ctx, social.Post{Key: "pub-1-1", Text: "2/2 https://mofa.gov.vn/vi/tuyen-bo/1", ReplyTo: first.ID}); err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range fake.Posts() {
		fmt.Println(p.Text, p.ReplyTo == first.ID)
	}
	fmt.Println(c.Count("1/2 Bộ Ngoại giao hoan nghênh thỏa thuận."))
	// Output:
	// 1/2 Bộ Ngoại giao hoan nghênh thỏa thuận. false
	// 2/2 https://mofa.gov.vn/vi/tuyen-bo/1 true
	// 45
}
