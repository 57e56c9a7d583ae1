package conference

// floorJSKeys are the messages web/static/floor.js (the speakers' list)
// and room.js's floor error codes show, handed to the page with jsKeys.
var floorJSKeys = []string{
	"room_floor_agenda", "room_floor_deny", "room_floor_end", "room_floor_ended", "room_floor_error_busy", "room_floor_error_duplicate", "room_floor_error_rate", "room_floor_error_transition", "room_floor_error_unavailable", "room_floor_given", "room_floor_grant", "room_floor_has_floor", "room_floor_move_down", "room_floor_move_up", "room_floor_pause", "room_floor_paused", "room_floor_paused_by", "room_floor_point_of_order", "room_floor_reply", "room_floor_resume", "room_floor_resumed", "room_floor_time_up", "room_floor_waiting_speaker", "room_floor_you_denied", "room_floor_you_none", "room_floor_you_pending", "room_floor_you_speaking",
}
