package httpx

import "net/http"

// API serves an API route whose answer is f's: its value as JSON with
// status, or its error through Fail (the one table of statuses).
func API[T any](k *Kit, status int, f func(r *http.Request) (T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		out, err := f(r)
		if err != nil {
			k.Fail(w, r, err)
			return
		}
		k.JSON(w, status, out)
	}
}

// APIWith is API for a route that takes a JSON body: it is decoded into
// an In (DecodeJSON: a bad body is refused) before f runs.
func APIWith[In, Out any](k *Kit, status int, f func(r *http.Request, in In) (Out, error)) http.HandlerFunc {
	return API(k, status, func(r *http.Request) (Out, error) {
		var in In
		if err := DecodeJSON(r, &in); err != nil {
			var zero Out
			return zero, err
		}
		return f(r, in)
	})
}
