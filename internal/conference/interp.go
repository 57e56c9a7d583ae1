package conference

// interpJSKeys are the messages web/static/interp.js (interpretation: the
// listener's language, the interpreter console) and room.js's interp_*
// error codes show, handed to the page with jsKeys.
var interpJSKeys = []string{
	"interp_accept", "interp_applied", "interp_apply", "interp_booth", "interp_booth_chat", "interp_booth_chat_label", "interp_chair_heading", "interp_cough", "interp_cough_hint", "interp_ducking", "interp_error_booth", "interp_error_no_booth", "interp_error_no_handover", "interp_error_no_partner", "interp_error_not_live", "interp_error_own_language", "interp_error_partner_live", "interp_error_relay_cycle", "interp_error_sign", "interp_floor", "interp_floor_level", "interp_floor_setting", "interp_go_live", "interp_language", "interp_listen_heading", "interp_mic_off", "interp_mute_original", "interp_now_listening", "interp_offer", "interp_offer_withdraw", "interp_original", "interp_partner_level", "interp_passthrough_note", "interp_relay", "interp_sign_language", "interp_sign_none", "interp_sign_view", "interp_slow", "interp_slow_from", "interp_source", "interp_state_accepted", "interp_state_cough", "interp_state_live", "interp_state_off", "interp_state_offer_sent", "interp_state_offered", "interp_state_passthrough", "interp_state_standby", "interp_switch", "interp_takeover", "interp_takeover_confirm", "interp_tile_live", "interp_tile_standby", "interp_title",
}
