package recording

import "github.com/pion/webrtc/v4"

const (
	webrtcOpus = webrtc.MimeTypeOpus
	webrtcVP8  = webrtc.MimeTypeVP8
	webrtcH264 = webrtc.MimeTypeH264
)
