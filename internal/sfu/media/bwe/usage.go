package bwe

// Usage is the delay-based detector's verdict on the path
// (draft-ietf-rmcat-gcc-02 section 5.4).
type Usage int

// The detector's states.
const (
	// Normal means queuing delay is stable.
	Normal Usage = iota
	// Overusing means queuing delay is growing: the path is congested.
	Overusing
	// Underusing means queuing delay is shrinking: queues are draining.
	Underusing
)

// String returns the state's name, for logs and metrics labels.
func (u Usage) String() string {
	switch u {
	case Normal:
		return "normal"
	case Overusing:
		return "overusing"
	case Underusing:
		return "underusing"
	}
	return "unknown"
}
