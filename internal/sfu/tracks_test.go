package sfu

import (
	"testing"

	"github.com/mofa-vn/chancery/internal/sfu/media"
)

// The protocol's sources reach the media plane by conversion: each must be
// the media plane's source of the same meaning, or screens would be
// allocated as cameras and microphones never ranked as speakers.
func TestSourcesMatchTheMediaPlane(t *testing.T) {
	for s, want := range map[Source]media.Source{
		SourceCamera:         media.SourceCamera,
		SourceMicrophone:     media.SourceMicrophone,
		SourceScreen:         media.SourceScreen,
		SourceInterpretation: media.SourceInterpretation,
	} {
		if got := media.Source(s); got != want {
			t.Errorf("%q reaches the media plane as %q, want %q", s, got, want)
		}
		if got := Source(want); got != s {
			t.Errorf("media source %q comes back as %q", want, got)
		}
	}
}
