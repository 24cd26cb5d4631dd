package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

// Scenario is one named measurement. Run builds everything it sends first,
// then measures, and records what it found in b.
type Scenario struct {
	Name string
	Run  func(ctx context.Context, b *Bench) error
}

// apiScenarios are the public API's, in the order they run: the reads first
// on the data as seeded (and the paging comparison among them), then the
// writes.
func apiScenarios() []Scenario {
	return []Scenario{
		{"ceiling", runCeiling},
		{"list", runList},
		{"get", runGet},
		{"paging", runPaging},
		{"create", runCreate},
		{"message", runMessage},
	}
}

// appScenarios are the agent app's pages, run with -app. The app-page
// benchmark adds them here; they can log in as Fixture.OwnerEmail with
// Fixture.OwnerPassword.
func appScenarios() []Scenario {
	return []Scenario{
		{"app-list", runAppList},
		{"app-ticket", runAppTicket},
	}
}

// Bench is the state the scenarios share: the server, the seeded data, the
// load generator's transport and the results.
type Bench struct {
	cfg  benchConfig
	base string // http://127.0.0.1:port of the (first) server under test
	// bases are every instance's base URL (just base, unless -instances):
	// worker w of a scenario talks to bases[w mod N], so the load
	// generator's connections are spread over the instances round-robin,
	// as a load balancer with per-connection stickiness would.
	bases   []string
	fx      *Fixture
	rt      *http.Transport
	cpu     cpuSampler
	srv     *server
	text    textGen
	results map[string]*Result
	paging  *pagingResult
	// listBody is one real answer of the list scenario's request; the
	// ceiling handler serves exactly these bytes.
	listBody []byte
}

// keyFor spreads requests over the first cfg.keys keys of the big workspace:
// worker w's i-th prepared request uses a different key than its neighbours.
func (b *Bench) keyFor(w, i int) string {
	n := min(b.cfg.keys, len(b.fx.Keys))
	return b.fx.Keys[(w+i*b.cfg.conns)%n]
}

// baseFor is the base URL worker w sends to.
func (b *Bench) baseFor(w int) string { return b.bases[w%len(b.bases)] }

// rings builds one ring of n prepared requests per connection.
func (b *Bench) rings(n int, build func(w, i int) (*prepared, error)) ([][]*prepared, error) {
	rings := make([][]*prepared, b.cfg.conns)
	for w := range rings {
		rings[w] = make([]*prepared, n)
		for i := range n {
			p, err := build(w, i)
			if err != nil {
				return nil, err
			}
			rings[w][i] = p
		}
	}
	return rings, nil
}

func (b *Bench) measure(ctx context.Context, name string, load Load) *Result {
	stopProfile := b.startProfile(name)
	r := runClosedLoop(ctx, b.rt, b.cpu, name, load, b.cfg.warmup, b.cfg.duration)
	stopProfile()
	b.results[name] = r
	peak, _ := b.srv.peakRSS()
	b.cfg.progress(fmt.Sprintf("%-8s %8.0f req/s  p50 %-9v p99 %-9v errors %d  other processes %.0f%% of the CPU  server peak RSS so far %.0f MB", name, r.RPS(),
		r.Quantile(0.50).Round(time.Microsecond), r.Quantile(0.99).Round(time.Microsecond), r.Errors,
		100*r.OthersShare(runtime.NumCPU()), float64(peak)/1e6))
	if r.FirstErr != "" {
		b.cfg.progress("         first error: " + r.FirstErr)
	}
	return r
}

// startProfile starts a CPU profile of one scenario, written to the
// -cpuprofile path with the scenario's name appended, and returns its stop.
func (b *Bench) startProfile(name string) func() {
	if b.cfg.cpuProfile == "" {
		return func() {}
	}
	path := b.cfg.cpuProfile + "." + name
	f, err := os.Create(path)
	if err != nil {
		b.cfg.progress("cpuprofile: " + err.Error())
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		b.cfg.progress("cpuprofile: " + err.Error())
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		b.cfg.progress("wrote " + path)
	}
}

const listPath = "/api/v1/tickets?limit=20"

func (b *Bench) listRings(baseFor func(w int) string) ([][]*prepared, error) {
	return b.rings(64, func(w, i int) (*prepared, error) {
		return newPrepared(http.MethodGet, baseFor(w)+listPath, b.keyFor(w, i), nil)
	})
}

// runList: GET /api/v1/tickets?limit=20, the first page, over many keys.
func runList(ctx context.Context, b *Bench) error {
	rings, err := b.listRings(b.baseFor)
	if err != nil {
		return err
	}
	b.measure(ctx, "list", Load{Rings: rings, WantStatus: http.StatusOK})
	return nil
}

// runCeiling: the same requests against a bare net/http handler in this
// process that answers with a copy of a real list response. Nothing can
// serve that response over HTTP on this machine faster, so list/ceiling says
// how much of the machine the server's own work takes.
func runCeiling(ctx context.Context, b *Bench) error {
	probe, err := newPrepared(http.MethodGet, b.base+listPath, b.keyFor(0, 0), nil)
	if err != nil {
		return err
	}
	status, body, err := fetch(b.rt, probe)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("list: status %d: %s", status, body)
	}
	var page struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &page); err != nil || len(page.Data) != 20 {
		return fmt.Errorf("list: want 20 tickets, got %d (%v)", len(page.Data), err)
	}
	b.listBody = body

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	contentType := []string{"application/json; charset=utf-8"}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header()["Content-Type"] = contentType
			_, _ = w.Write(body)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	ceiling := "http://" + ln.Addr().String()
	rings, err := b.listRings(func(int) string { return ceiling })
	if err != nil {
		return err
	}
	b.measure(ctx, "ceiling", Load{Rings: rings, WantStatus: http.StatusOK})
	return nil
}

// runGet: GET /api/v1/tickets/{id} of random existing tickets.
func runGet(ctx context.Context, b *Bench) error {
	rings, err := b.rings(512, func(w, i int) (*prepared, error) {
		id := pick(b.text.rng, b.fx.TicketIDs)
		return newPrepared(http.MethodGet, b.baseFor(w)+"/api/v1/tickets/"+id, b.keyFor(w, i), nil)
	})
	if err != nil {
		return err
	}
	b.measure(ctx, "get", Load{Rings: rings, WantStatus: http.StatusOK})
	return nil
}

// runCreate: POST /api/v1/tickets. Nine in ten come from existing customers,
// the rest from new ones (which also creates the customer and fires
// customer.created).
func runCreate(ctx context.Context, b *Bench) error {
	rings, err := b.rings(256, func(w, i int) (*prepared, error) {
		in := map[string]any{
			"subject":     b.text.subject(),
			"description": b.text.paragraphs(1+b.text.rng.IntN(2), 30, 120),
			"priority":    string(weighted(b.text.rng, priorities)),
		}
		if b.text.rng.IntN(10) == 0 {
			in["customer_email"] = fmt.Sprintf("new.customer.%d.%d@bench.example", w, i)
			in["customer_name"] = pick(b.text.rng, firstNames) + " " + pick(b.text.rng, lastNames)
		} else {
			in["customer_email"] = pick(b.text.rng, b.fx.CustomerEmail)
		}
		body, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		return newPrepared(http.MethodPost, b.baseFor(w)+"/api/v1/tickets", b.keyFor(w, i), body)
	})
	if err != nil {
		return err
	}
	b.measure(ctx, "create", Load{Rings: rings, WantStatus: http.StatusCreated})
	return nil
}

// runMessage: POST /api/v1/tickets/{id}/messages to random existing tickets,
// half from the customer, half from an agent.
func runMessage(ctx context.Context, b *Bench) error {
	rings, err := b.rings(256, func(w, i int) (*prepared, error) {
		id := pick(b.text.rng, b.fx.TicketIDs)
		in := map[string]any{"body": b.text.paragraphs(1+b.text.rng.IntN(2), 20, 120)}
		if b.text.rng.IntN(2) == 0 {
			in["author_type"], in["author_name"] = "agent", pick(b.text.rng, firstNames)
		}
		body, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		return newPrepared(http.MethodPost, b.baseFor(w)+"/api/v1/tickets/"+id+"/messages", b.keyFor(w, i), body)
	})
	if err != nil {
		return err
	}
	b.measure(ctx, "message", Load{Rings: rings, WantStatus: http.StatusCreated})
	return nil
}
