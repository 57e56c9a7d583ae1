package conference

// procJSKeys are the messages web/static/procedure.js (roll call, quorum
// and votes) and room.js's procedure error codes show, handed to the page
// with jsKeys.
var procJSKeys = []string{
	"room_floor_moved",
	"procedure_answer_present", "procedure_ballot_recorded", "procedure_cast", "procedure_choice_abstain", "procedure_choice_no", "procedure_choice_yes", "procedure_choose_first", "procedure_designate", "procedure_designate_label", "procedure_error_answered", "procedure_error_no_quorum", "procedure_error_not_entitled", "procedure_error_not_present", "procedure_error_receipt", "procedure_error_roll_closed", "procedure_error_vote_closed", "procedure_error_vote_open", "procedure_motion", "procedure_named_ballots", "procedure_named_vote", "procedure_no_vote", "procedure_present_list", "procedure_public", "procedure_quorum_fixed", "procedure_quorum_majority", "procedure_quorum_met", "procedure_quorum_n", "procedure_quorum_not_met", "procedure_quorum_rule", "procedure_result_adopted", "procedure_result_consensus", "procedure_result_rejected", "procedure_results", "procedure_roll_call", "procedure_roll_close", "procedure_roll_is_closed", "procedure_roll_is_open", "procedure_roll_none", "procedure_roll_open", "procedure_roll_opened", "procedure_rule", "procedure_rule_consensus", "procedure_rule_simple", "procedure_rule_two_thirds", "procedure_secret", "procedure_secret_vote", "procedure_settings", "procedure_title", "procedure_vote", "procedure_vote_close", "procedure_vote_new", "procedure_vote_open", "procedure_vote_opened", "procedure_voted_count", "procedure_you_absent", "procedure_you_by", "procedure_you_not_entitled", "procedure_you_not_voted", "procedure_you_present", "procedure_you_voted", "procedure_you_voted_secret", "procedure_your_vote",
}

// procPlaceholders render the page's messages with {name}-style holes
// that the scripts fill in.
var procPlaceholders = map[string]any{"Name": "{name}", "Present": "{present}", "Required": "{required}", "Members": "{members}",
	"Motion": "{motion}", "Yes": "{yes}", "No": "{no}", "Abstain": "{abstain}", "Delegation": "{delegation}", "Choice": "{choice}", "Voted": "{voted}"}
