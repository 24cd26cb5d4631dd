package webhook

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tixallo/tixallo/internal/egress"
	"github.com/tixallo/tixallo/internal/helpdesk"
)

// Sender makes one signed attempt through the egress client. It implements
// helpdesk.WebhookSender (the test event) and does every attempt of the
// dispatcher.
type Sender struct {
	client *http.Client
	// maxRead is how much of a response is read at most; the excerpt kept is
	// the first helpdesk.WebhookResponseExcerpt bytes of it.
	maxRead int64
}

// NewSender returns a Sender over client, which should come from
// egress.NewClient (no redirects, the SSRF guard, the 10 s timeout).
func NewSender(client *http.Client) *Sender {
	return &Sender{client: client, maxRead: egress.DefaultMaxBody}
}

var _ helpdesk.WebhookSender = (*Sender)(nil)

// SendWebhook POSTs m.Body to m.URL with the Standard Webhooks headers. Any
// response is a result; only 2xx counts as success, which is the caller's
// call to make. Errors are described without the URL and never with a
// secret.
func (s *Sender) SendWebhook(ctx context.Context, m helpdesk.WebhookMessage) helpdesk.WebhookResult {
	res, _ := s.sendAttempt(ctx, m)
	return res
}

// sendAttempt is SendWebhook that also returns the response's Retry-After
// header ("" when absent or too long to be a real value), which the
// dispatcher honours on a 429 or 503.
func (s *Sender) sendAttempt(ctx context.Context, m helpdesk.WebhookMessage) (helpdesk.WebhookResult, string) {
	start := time.Now()
	headers, err := Headers(m.ID, m.Timestamp, m.Body, m.Secrets...)
	if err != nil {
		// The secret is malformed; say so without quoting it.
		return helpdesk.WebhookResult{Error: "the signing secret could not be used"}, ""
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.URL, bytes.NewReader(m.Body))
	if err != nil {
		return helpdesk.WebhookResult{Error: "the endpoint URL is not valid"}, ""
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return helpdesk.WebhookResult{Error: describe(err), Latency: time.Since(start)}, ""
	}
	excerpt, _ := readExcerpt(resp.Body, helpdesk.WebhookResponseExcerpt, s.maxRead)
	retryAfter := resp.Header.Get("Retry-After")
	if len(retryAfter) > maxRetryAfterLen {
		retryAfter = ""
	}
	return helpdesk.WebhookResult{StatusCode: resp.StatusCode, Latency: time.Since(start), Response: excerpt}, retryAfter
}

// readExcerpt reads the first n bytes of body, then discards the rest up to
// max bytes in all (so the connection can be reused), and closes it. The
// excerpt is made valid UTF-8 without NULs, so that any store keeps it as
// text.
func readExcerpt(body io.ReadCloser, n, max int64) (string, error) {
	defer body.Close()
	b, err := io.ReadAll(io.LimitReader(body, n))
	if err == nil {
		_, _ = io.CopyN(io.Discard, body, max-int64(len(b)))
	}
	for len(b) > 0 && !utf8.Valid(b) {
		// Do not leave a multi-byte character cut in half at the end.
		r, size := utf8.DecodeLastRune(b)
		if r != utf8.RuneError || size != 1 || len(b) < int(n)-3 {
			break
		}
		b = b[:len(b)-1]
	}
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	return strings.ReplaceAll(s, "\x00", ""), err
}

// describe turns a transport error into a line for the delivery log.
func describe(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // drop "Post <url>:"
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "canceled (Tixallo was shutting down)"
	}
	return err.Error()
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
