package egress

import "io"

// drainLimit bounds how much of an unread response tail ReadBody throws
// away. Draining lets a keep-alive connection go back to the pool; the bound
// stops a receiver that streams forever from holding a delivery worker.
const drainLimit = 256 << 10

// ReadBody reads at most limit bytes of a response body (DefaultMaxBody if
// limit is not positive), discards up to drainLimit more, and closes the body.
// A longer body is truncated, not an error: the delivery log keeps only an
// excerpt. A read error before limit bytes is returned with what was read.
func ReadBody(body io.ReadCloser, limit int64) ([]byte, error) {
	defer body.Close()
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	b, err := io.ReadAll(io.LimitReader(body, limit))
	if err != nil {
		return b, err
	}
	_, _ = io.CopyN(io.Discard, body, drainLimit)
	return b, nil
}
