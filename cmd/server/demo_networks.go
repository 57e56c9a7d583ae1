package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/socialtest/fakekit"
	"github.com/mofa-vn/chancery/internal/store"
)

// demoNetwork is one fake network the demo runs on loopback, with the
// channel connected to it.
type demoNetwork struct {
	Network social.Network
	Channel string
	URL     string // GET / shows what the fake holds
}

// startDemoFakes starts the fake of every network that has one. Unless
// real apps are configured, it puts the fakes' OAuth clients in apps, so
// that the connect buttons' redirect flows can be tried in the demo too.
// The returned function stops the fakes.
func startDemoFakes(apps map[social.Network]social.App) ([]fakekit.Demo, func()) {
	var fakes []fakekit.Demo
	for _, n := range networkList {
		if n.demo == nil {
			continue
		}
		f := n.demo(apps[n.Network])
		fakes = append(fakes, f)
		if f.App.ClientID != "" {
			apps[n.Network] = f.App
		}
	}
	return fakes, func() {
		for _, f := range fakes {
			f.Close()
		}
	}
}

// connectDemoNetworks creates (or, on a later start, re-points) one
// channel per fake network, connected to it through conn, plus the portal
// channel, so that a newcomer can publish a statement and see it arrive.
// conn must allow the fakes' loopback addresses, as -extra-api-urls
// allows others.
func connectDemoNetworks(ctx context.Context, db *store.DB, conn *publishing.Connectors, fakes []fakekit.Demo) ([]demoNetwork, error) {
	chs, err := db.ListChannels(ctx)
	if err != nil {
		return nil, err
	}
	find := func(name string) (store.Channel, bool) {
		i := slices.IndexFunc(chs, func(c store.Channel) bool { return c.Name == name })
		if i < 0 {
			return store.Channel{}, false
		}
		return chs[i], true
	}
	audit := store.AuditEntry{Actor: "demo", Action: "channel.create"}
	if _, ok := find("Cổng thông tin (demo)"); !ok {
		if _, err := db.CreateChannel(ctx, store.Channel{Network: string(social.Portal), Name: "Cổng thông tin (demo)",
			Languages: []string{"vi", "en", "fr", "es", "ru", "zh", "ar"}, TimeZone: "Asia/Ho_Chi_Minh"}, audit); err != nil {
			return nil, err
		}
	}
	var out []demoNetwork
	for _, n := range fakes {
		ch, ok := find(n.Channel)
		if !ok {
			if ch, err = db.CreateChannel(ctx, store.Channel{Network: string(n.Network), Name: n.Channel, BaseURL: n.URL,
				Languages: n.Langs, TimeZone: "Asia/Ho_Chi_Minh"}, audit); err != nil {
				return nil, err
			}
		} else if err := db.SetChannelBaseURL(ctx, ch.ID, n.URL); err != nil {
			return nil, err
		}
		ch.BaseURL = n.URL
		if err := connectDemo(ctx, db, conn, ch, n.Secret); err != nil {
			return nil, fmt.Errorf("demo: connect %s: %w", n.Channel, err)
		}
		out = append(out, demoNetwork{Network: n.Network, Channel: n.Channel, URL: n.URL + "/"})
	}
	return out, nil
}

// connectDemo stores a demo channel's secret, verified by its fake as the
// connect form does.
func connectDemo(ctx context.Context, db *store.DB, conn *publishing.Connectors, ch store.Channel, secret any) error {
	b, err := json.Marshal(secret)
	if err != nil {
		return err
	}
	creds := conn.Credentials(ch.ID)
	if err := creds.Update(ctx, func([]byte) ([]byte, error) { return b, nil }); err != nil {
		return err
	}
	conn.Forget(ch.ID)
	pub, err := conn.Resolve(ctx, ch)
	if err != nil {
		return err
	}
	acc, err := pub.WhoAmI(ctx)
	if err != nil {
		return err
	}
	handle := acc.Handle
	if handle == "" {
		handle = acc.Name
	}
	_, err = db.MarkChannelConnected(ctx, ch.ID, acc.ID, handle, store.AuditEntry{Actor: "demo", Action: "channel.connect"})
	return err
}

func printDemoNetworks(w io.Writer, nets []demoNetwork) {
	if len(nets) == 0 {
		return
	}
	fmt.Fprintf(w, "Demo networks on loopback (each channel is connected to one; open its address to see what it holds):\n\n")
	for _, n := range nets {
		fmt.Fprintf(w, "    %-9s %-32s %s\n", n.Network, n.Channel, n.URL)
	}
	fmt.Fprintln(w)
}
