package webhook

import (
	"net/http"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	answered := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Time // zero: ignored
	}{
		{"120", answered.Add(2 * time.Minute)},
		{" 3600 ", answered.Add(time.Hour)},
		{"0", answered},
		{"Thu, 26 Nov 2026 12:30:00 GMT", answered.Add(150 * time.Minute)},    // IMF-fixdate
		{"Thursday, 26-Nov-26 12:30:00 GMT", answered.Add(150 * time.Minute)}, // RFC 850
		{"Thu Nov 26 12:30:00 2026", answered.Add(150 * time.Minute)},         // asctime
		{"99999999999999999999999", answered.Add(maxRetryAfterSecs * time.Second)},
		{"", time.Time{}},
		{"-5", time.Time{}},
		{"+5", time.Time{}},
		{"1.5", time.Time{}},
		{"soon", time.Time{}},
		{"2026-11-26T12:30:00Z", time.Time{}},
	}
	for _, tc := range tests {
		got, ok := parseRetryAfter(tc.value, answered)
		if ok != !tc.want.IsZero() || !got.Equal(tc.want) {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v", tc.value, got, ok, tc.want)
		}
	}
}

func TestRetryAt(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	const delay = 5 * time.Second // the schedule's first step
	tests := []struct {
		name       string
		status     int
		retryAfter string
		want       time.Duration // after at
	}{
		{"429 asks for later", 429, "60", 60*time.Second + 200*time.Millisecond},
		{"503 asks for later", 503, "60", 60*time.Second + 200*time.Millisecond},
		{"429 with a date", 429, "Thu, 26 Nov 2026 12:00:00 GMT", 2 * time.Hour},
		{"earlier than the schedule", 429, "1", delay},
		{"a date in the past", 503, "Thu, 26 Nov 2026 09:00:00 GMT", delay},
		{"capped at the longest step", 429, "86400", Schedule[len(Schedule)-1]},
		{"a date capped", 503, "Fri, 27 Nov 2027 10:00:00 GMT", Schedule[len(Schedule)-1]},
		{"nonsense", 429, "later please", delay},
		{"none", 429, "", delay},
		{"500 is on the schedule", 500, "60", delay},
		{"408 is on the schedule", 408, "60", delay},
	}
	for _, tc := range tests {
		r := result{at: at, retryAfter: tc.retryAfter,
			res: helpdesk.WebhookResult{StatusCode: tc.status, Latency: 200 * time.Millisecond}}
		if got := retryAt(r, delay).Sub(at); got != tc.want {
			t.Errorf("%s: next attempt %v after, want %v", tc.name, got, tc.want)
		}
	}
}

// A 429 or 503 with Retry-After moves the next attempt to no earlier than
// the receiver asked, capped at the schedule's longest step; each such
// attempt is still a failure in the log and on the schedule, and without
// the header the schedule applies.
func TestRetryAfterHonoured(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := newReceiver(t)
	ep := e.endpoint(r, helpdesk.EventCustomerCreated)
	start := e.clock.Now()
	answer := func(status int, retryAfter string) {
		r.status.Store(int32(status))
		r.retryAfter.Store(&retryAfter)
	}
	// due checks that the next attempt comes exactly after wait, not a
	// second sooner.
	due := func(step string, wait time.Duration) {
		t.Helper()
		n := len(r.requests())
		e.clock.Advance(wait - time.Second)
		e.drain()
		if got := len(r.requests()); got != n {
			t.Fatalf("%s: attempt came before %v", step, wait)
		}
		e.clock.Advance(time.Second)
		e.drain()
		if got := len(r.requests()); got != n+1 {
			t.Fatalf("%s: %d attempts after %v, want %d", step, got, wait, n+1)
		}
	}

	answer(http.StatusTooManyRequests, "3600") // rather than 5 s
	e.ticket("Busy", "busy@example.com")
	e.drain()
	if n := len(r.requests()); n != 1 {
		t.Fatalf("%d attempts at once", n)
	}
	// Seconds count from the answer, which took a little real time: the
	// retry is due within a second after the hour.
	ds := e.deliveries(ep)
	if wait := ds[0].NextAt.Sub(start); wait < time.Hour || wait > time.Hour+time.Second {
		t.Fatalf("next attempt %v after the first, want an hour", wait)
	}

	answer(http.StatusServiceUnavailable, e.clock.Now().Add(time.Hour+2*time.Hour).UTC().Format(http.TimeFormat))
	due("429 Retry-After: 3600", time.Hour+time.Second)
	answer(http.StatusTooManyRequests, "86400") // a day: capped at 10 h
	due("503 Retry-After: <date in 2 h>", 2*time.Hour-time.Second)
	answer(http.StatusTooManyRequests, "tomorrow") // nonsense: the schedule (2 h after a fourth failure)
	due("429 Retry-After: 86400", Schedule[len(Schedule)-1])
	answer(http.StatusServiceUnavailable, "") // no header: the schedule (5 h)
	due("429 Retry-After: tomorrow", Schedule[3])
	answer(http.StatusOK, "")
	due("503 without Retry-After", Schedule[4])

	ds = e.deliveries(ep)
	if ds[0].State != helpdesk.DeliverySucceeded || ds[0].Attempts != 6 {
		t.Fatalf("delivery: %+v, want succeeded on the sixth attempt", ds[0])
	}
	as, err := e.svc.WebhookAttempts(e.ctx, e.ws, ep.ID, helpdesk.WebhookPage{})
	if err != nil {
		t.Fatal(err)
	}
	var statuses []int
	for i := len(as) - 1; i >= 0; i-- {
		statuses = append(statuses, as[i].StatusCode)
	}
	want := []int{429, 503, 429, 429, 503, 200}
	if len(statuses) != len(want) {
		t.Fatalf("attempt log statuses %v, want %v", statuses, want)
	}
	for i := range want {
		if statuses[i] != want[i] {
			t.Fatalf("attempt log statuses %v, want %v", statuses, want)
		}
	}
}
