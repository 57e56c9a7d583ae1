package outbound

// NewClientWithCheck and Control let the fuzz test observe every address
// the client would connect to.
var (
	NewClientWithCheck = newClient
	Control            = control
)
