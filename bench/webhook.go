package main

// The webhook benchmark (go run ./bench -webhooks): the real server in this
// process, with --webhook-allow-private, delivering to receivers on
// 127.0.0.1 while API clients create tickets and read them back.
//
//  1. Latency: one client creates a ticket every 20 ms; the time from
//     sending the POST to the ticket.created event arriving at the receiver
//     is an upper bound of event-to-first-attempt latency (it includes the
//     API request and the commit). Targets p50 ≤ 50 ms, p99 ≤ 250 ms.
//  2. Throughput: 8 clients create tickets as fast as the API takes them,
//     each for a new customer (customer.created + ticket.created), fanned out
//     to 4 endpoints, while 4 more clients read tickets; successful
//     deliveries per second over the window, target ≥ 1,000, and the API's
//     read latency meanwhile.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tixallo/tixallo/internal/app"
	"github.com/tixallo/tixallo/internal/config"
	"github.com/tixallo/tixallo/internal/helpdesk"
)

type webhookBench struct {
	base   string
	key    string
	client *http.Client
	rcv    []*benchReceiver
}

// benchReceiver answers 204 and notes when each ticket.created arrived.
type benchReceiver struct {
	srv     *http.Server
	url     string
	ok      atomic.Int64
	mu      sync.Mutex
	arrived map[string]time.Time // ticket id → first arrival of its ticket.created
	times   []time.Time          // every arrival, for the throughput window
}

func newBenchReceiver() (*benchReceiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &benchReceiver{arrived: map[string]time.Time{}, url: "http://" + ln.Addr().String() + "/hook"}
	r.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		now := time.Now()
		var p struct {
			EventType string `json:"event_type"`
			TicketID  string `json:"ticket_id"`
		}
		_ = json.Unmarshal(body, &p)
		r.mu.Lock()
		if _, seen := r.arrived[p.TicketID]; !seen && p.EventType == helpdesk.EventTicketCreated {
			r.arrived[p.TicketID] = now
		}
		r.times = append(r.times, now)
		r.mu.Unlock()
		r.ok.Add(1)
		w.WriteHeader(http.StatusNoContent)
	})}
	go r.srv.Serve(ln)
	return r, nil
}

func runWebhooks(ctx context.Context, cfg benchConfig, stdout io.Writer) error {
	dir, err := os.MkdirTemp("", "tixallo-webhook-bench-")
	if err != nil {
		return err
	}
	if cfg.keep {
		cfg.progress("keeping " + dir)
	} else {
		defer os.RemoveAll(dir)
	}
	c := config.Default()
	c.Database = filepath.Join(dir, "bench.db")
	if cfg.database != "" {
		// The same run on PostgreSQL: wake-ups then travel by LISTEN/NOTIFY
		// and writes through the store's group commit.
		c.Database = cfg.database
	}
	c.WebhookAllowPrivate = true
	c.APIRateLimit = 1 << 30
	// Load clients cancelled at the deadline would fill it with errors.
	log := slog.New(slog.DiscardHandler)
	a, err := app.New(ctx, c, log, app.Options{})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- a.Serve(sctx, ln) }()
	defer func() { stop(); <-served }()

	cw, err := a.Service.CreateWorkspace(ctx, helpdesk.NewWorkspace{Name: "Bench"}, "owner@bench.test")
	if err != nil {
		return err
	}
	ws := cw.Workspace.ID
	k, err := a.Service.CreateAPIKey(ctx, ws, helpdesk.Actor{}, helpdesk.NewAPIKey{Name: "bench"})
	if err != nil {
		return err
	}
	wb := &webhookBench{
		base: "http://" + ln.Addr().String(), key: k.Secret,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Second},
	}
	for range 4 {
		r, err := newBenchReceiver()
		if err != nil {
			return err
		}
		defer r.srv.Close()
		wb.rcv = append(wb.rcv, r)
		if _, err := a.Service.CreateWebhookEndpoint(ctx, ws, helpdesk.Actor{}, helpdesk.WebhookEndpointInput{
			URL: r.url, EventTypes: helpdesk.EventTypes,
		}); err != nil {
			return err
		}
	}
	cfg.progress("webhooks: server and 4 loopback receivers up")

	// 1. Latency at a steady, light rate.
	lat, err := wb.latency(ctx, 500, 20*time.Millisecond)
	if err != nil {
		return err
	}
	slices.Sort(lat)
	p50, p99 := quantile(lat, 0.5), quantile(lat, 0.99)
	cfg.progress(fmt.Sprintf("webhooks latency: %d events, p50 %v, p99 %v", len(lat), p50, p99))

	// 2. Throughput while the API serves reads.
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer f.Close()
	}
	tp, err := wb.throughput(ctx, cfg.duration)
	pprof.StopCPUProfile()
	if err != nil {
		var m strings.Builder
		a.Metrics.WriteText(&m)
		for _, line := range strings.Split(m.String(), "\n") {
			if strings.HasPrefix(line, "tixallo_webhook_attempts") || strings.HasPrefix(line, "tixallo_webhook_queue") || strings.HasPrefix(line, "tixallo_webhook_in_flight") {
				cfg.progress(line)
			}
		}
		return err
	}
	cfg.progress(fmt.Sprintf("webhooks throughput: %.0f deliveries/s, %.0f tickets/s, drained %v after the load; API reads p99 %v",
		tp.deliveriesPerSec, tp.ticketsPerSec, tp.drain, tp.readP99))

	check := func(ok bool) string {
		if ok {
			return "✅"
		}
		return "❌"
	}
	var out strings.Builder
	fmt.Fprintf(&out, "| figure | target | measured | |\n|---|---|---|---|\n")
	fmt.Fprintf(&out, "| event → first attempt p50 (%d events, 1 every 20 ms) | ≤ 50 ms | %s | %s |\n", len(lat), ms(p50), check(p50 <= 50*time.Millisecond))
	fmt.Fprintf(&out, "| event → first attempt p99 | ≤ 250 ms | %s | %s |\n", ms(p99), check(p99 <= 250*time.Millisecond))
	fmt.Fprintf(&out, "| successful deliveries/s (4 endpoints, %v) | ≥ 1,000 | %.0f | %s |\n", cfg.duration, tp.deliveriesPerSec, check(tp.deliveriesPerSec >= 1000))
	fmt.Fprintf(&out, "| tickets created/s meanwhile (8 clients) | — | %.0f | |\n", tp.ticketsPerSec)
	fmt.Fprintf(&out, "| event → first attempt p50 / p99 under that load | — | %s / %s | |\n", ms(tp.loadP50), ms(tp.loadP99))
	fmt.Fprintf(&out, "| API GET /tickets/{id} meanwhile (4 clients) | — | %.0f req/s, p99 %s, %d errors | |\n", tp.readRPS, ms(tp.readP99), tp.readErrors)
	fmt.Fprintf(&out, "| backlog drained after the load stopped | — | %s | |\n", ms(tp.drain))
	fmt.Fprint(stdout, out.String())
	if cfg.out != "" {
		return os.WriteFile(cfg.out, []byte(out.String()), 0o644)
	}
	return nil
}

// createTicket posts a ticket and returns its id.
func (wb *webhookBench) createTicket(ctx context.Context, subject, email string) (string, error) {
	body, _ := json.Marshal(map[string]string{"subject": subject, "description": "webhook bench", "customer_email": email})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, wb.base+"/api/v1/tickets", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+wb.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := wb.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct{ Data struct{ ID string } }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("create ticket: %d %v", resp.StatusCode, err)
	}
	return out.Data.ID, nil
}

// latency creates n tickets, one every gap, and returns for each the time
// from sending its POST to its ticket.created reaching the first receiver.
func (wb *webhookBench) latency(ctx context.Context, n int, gap time.Duration) ([]time.Duration, error) {
	sent := map[string]time.Time{}
	tick := time.NewTicker(gap)
	defer tick.Stop()
	for i := range n {
		<-tick.C
		start := time.Now()
		id, err := wb.createTicket(ctx, fmt.Sprintf("latency %d", i), "latency@bench.test")
		if err != nil {
			return nil, err
		}
		sent[id] = start
	}
	return wb.waitArrivals(sent, 10*time.Second)
}

func (wb *webhookBench) waitArrivals(sent map[string]time.Time, within time.Duration) ([]time.Duration, error) {
	r := wb.rcv[0]
	deadline := time.Now().Add(within)
	for {
		r.mu.Lock()
		var lat []time.Duration
		for id, at := range sent {
			if got, ok := r.arrived[id]; ok {
				lat = append(lat, got.Sub(at))
			}
		}
		r.mu.Unlock()
		if len(lat) == len(sent) {
			return lat, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%d of %d events never arrived", len(sent)-len(lat), len(sent))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type throughputResult struct {
	deliveriesPerSec, ticketsPerSec, readRPS float64
	readP99, drain, loadP50, loadP99         time.Duration
	readErrors                               int
}

func (wb *webhookBench) throughput(ctx context.Context, d time.Duration) (*throughputResult, error) {
	lctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		sent    = map[string]time.Time{}
		reads   []time.Duration
		readErr atomic.Int64
		firstID = make(chan string, 1)
	)
	start := time.Now()
	for w := range 8 {
		wg.Go(func() {
			for i := 0; lctx.Err() == nil; i++ {
				t0 := time.Now()
				id, err := wb.createTicket(lctx, "load", fmt.Sprintf("w%d-%d@bench.test", w, i))
				if err != nil {
					continue
				}
				mu.Lock()
				sent[id] = t0
				mu.Unlock()
				select {
				case firstID <- id:
				default:
				}
			}
		})
	}
	var ticketID string
	select {
	case ticketID = <-firstID:
	case <-lctx.Done():
		return nil, fmt.Errorf("no ticket created")
	}
	for range 4 {
		wg.Go(func() {
			for lctx.Err() == nil {
				t0 := time.Now()
				req, _ := http.NewRequestWithContext(lctx, http.MethodGet, wb.base+"/api/v1/tickets/"+ticketID, nil)
				req.Header.Set("Authorization", "Bearer "+wb.key)
				resp, err := wb.client.Do(req)
				if err != nil {
					if lctx.Err() == nil {
						readErr.Add(1)
					}
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					readErr.Add(1)
				}
				mu.Lock()
				reads = append(reads, time.Since(t0))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	end := time.Now()

	// Successful deliveries that arrived within the window.
	n := 0
	for _, r := range wb.rcv {
		r.mu.Lock()
		for _, at := range r.times {
			if !at.Before(start) && at.Before(end) {
				n++
			}
		}
		r.mu.Unlock()
	}
	lat, err := wb.waitArrivals(sent, time.Minute)
	if err != nil {
		return nil, err
	}
	// Wait for the other endpoints' deliveries to stop coming.
	for prev := int64(-1); ; {
		var total int64
		for _, r := range wb.rcv {
			total += r.ok.Load()
		}
		if total == prev {
			break
		}
		prev = total
		time.Sleep(300 * time.Millisecond)
	}
	drainedAt := time.Time{}
	for _, r := range wb.rcv {
		r.mu.Lock()
		if last := r.times[len(r.times)-1]; last.After(drainedAt) {
			drainedAt = last
		}
		r.mu.Unlock()
	}
	slices.Sort(lat)
	slices.Sort(reads)
	secs := end.Sub(start).Seconds()
	return &throughputResult{
		deliveriesPerSec: float64(n) / secs,
		ticketsPerSec:    float64(len(sent)) / secs,
		readRPS:          float64(len(reads)) / secs,
		readP99:          quantile(reads, 0.99),
		readErrors:       int(readErr.Load()),
		drain:            max(0, drainedAt.Sub(end)),
		loadP50:          quantile(lat, 0.5),
		loadP99:          quantile(lat, 0.99),
	}, nil
}
