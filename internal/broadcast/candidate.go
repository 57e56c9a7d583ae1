package broadcast

import "github.com/pion/ice/v4"

// parseCandidate checks an "candidate:" attribute value as ICE reads it.
func parseCandidate(s string) (ice.Candidate, error) { return ice.UnmarshalCandidate(s) }
