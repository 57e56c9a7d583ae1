package sfuclient

import "github.com/mofa-vn/chancery/internal/sfu"

// ReportViews reads the client's events until they end and tells the SFU
// that every video it receives (those in the welcome and each one
// announced later) is shown at w x h, which chooses its simulcast layer.
// It takes the client's events: nothing else may read them.
func (c *Client) ReportViews(w, h int) {
	for m := range c.Events() {
		if m.Type == sfu.TypeTrack && m.Track.Kind == "video" {
			_ = c.Send(sfu.ClientMessage{Type: sfu.TypeView, Track: m.Track.ID, Width: w, Height: h})
		}
		if m.Type == sfu.TypeWelcome {
			for _, t := range m.Tracks {
				_ = c.Send(sfu.ClientMessage{Type: sfu.TypeView, Track: t.ID, Width: w, Height: h})
			}
		}
	}
}
