package metrics

import (
	"strings"
	"sync"
	"testing"
)

func TestExposition(t *testing.T) {
	t.Parallel()
	r := NewRegistry()
	c := r.NewCounterVec("tixallo_http_requests_total", "HTTP requests.", "route", "status")
	h := r.NewHistogramVec("tixallo_http_request_seconds", "Latency.", []float64{0.1, 1}, "route")
	r.NewGaugeFunc("tixallo_webhook_queue_depth", "Pending deliveries.", func() float64 { return 3 })
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			c.Inc("GET /api/v1/tickets", "200")
			h.Observe(0.05, "GET /api/v1/tickets")
		})
	}
	wg.Wait()
	h.Observe(0.5, "GET /api/v1/tickets")
	h.Observe(5, "GET /api/v1/tickets")
	var b strings.Builder
	r.WriteText(&b)
	want := []string{
		"# TYPE tixallo_http_requests_total counter",
		`tixallo_http_requests_total{route="GET /api/v1/tickets",status="200"} 100`,
		`tixallo_http_request_seconds_bucket{route="GET /api/v1/tickets",le="0.1"} 100`,
		`tixallo_http_request_seconds_bucket{route="GET /api/v1/tickets",le="1"} 101`,
		`tixallo_http_request_seconds_bucket{route="GET /api/v1/tickets",le="+Inf"} 102`,
		`tixallo_http_request_seconds_count{route="GET /api/v1/tickets"} 102`,
		"tixallo_webhook_queue_depth 3",
	}
	for _, w := range want {
		if !strings.Contains(b.String(), w+"\n") {
			t.Errorf("missing line %q in:\n%s", w, b.String())
		}
	}
	if got := c.Value("GET /api/v1/tickets", "200"); got != 100 {
		t.Errorf("Value = %d", got)
	}
}
