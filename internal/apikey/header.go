package apikey

import "net/http"

// scheme is the only Authorization scheme the API accepts, in lower case for comparison.
const scheme = "bearer"

// maxHeaderValue caps the Authorization value FromHeader will look at, so a huge header costs no
// more than a small one. A key takes 57 bytes with one space; the cap leaves room for a client that
// pads with spaces, and matches GitHub's advice to integrators to allow tokens up to 255 chars.
const maxHeaderValue = 256

// FromHeader extracts an API key from the Authorization header in h: there must be exactly one
// such header, its scheme must be Bearer (any case), followed by one or more spaces and then a
// token that passes Parse, with nothing after it. Anything else, including a tab as separator
// (RFC 9110 allows only spaces there), reports ok=false. It does not allocate.
//
// Surrounding white space is not trimmed here: net/http already removes it from header values.
func FromHeader(h http.Header) (key, keyID string, ok bool) {
	values := h.Values("Authorization")
	// Two Authorization headers are refused rather than choosing one: a proxy and the client
	// may disagree about which one counts.
	if len(values) != 1 {
		return "", "", false
	}
	v := values[0]
	if len(v) > maxHeaderValue || len(v) < len(scheme)+1+Length {
		return "", "", false
	}
	for i := 0; i < len(scheme); i++ {
		// OR-ing 0x20 lowers an ASCII letter and maps no other byte onto one, so this is an exact
		// ASCII case-insensitive match (strings.EqualFold would also fold Unicode look-alikes).
		if v[i]|0x20 != scheme[i] {
			return "", "", false
		}
	}
	if v[len(scheme)] != ' ' {
		return "", "", false
	}
	token := v[len(scheme)+1:]
	for len(token) > 0 && token[0] == ' ' {
		token = token[1:]
	}
	keyID, ok = Parse(token)
	if !ok {
		return "", "", false
	}
	return token, keyID, true
}
