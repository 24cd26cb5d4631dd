package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// prepared is one request built before the run. A worker replays its ring of
// prepared requests, so the measured loop allocates nothing beyond what
// net/http itself does: the *http.Request, its URL and headers are reused,
// and a POST body is a bytes.Reader reset over the same bytes.
type prepared struct {
	req  *http.Request
	body []byte
	rd   bytes.Reader
	rc   nopCloser
}

type nopCloser struct{ r *bytes.Reader }

func (c *nopCloser) Read(p []byte) (int, error) { return c.r.Read(p) }
func (c *nopCloser) Close() error               { return nil }

// newPrepared builds a request with the headers every API call carries.
func newPrepared(method, url, key string, body []byte) (*prepared, error) {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return nil, err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("Accept", "application/json")
	p := &prepared{req: req, body: body}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
		req.ContentLength = int64(len(body))
		p.rc.r = &p.rd
	}
	return p, nil
}

// reset readies p to be sent again.
func (p *prepared) reset() {
	if p.body != nil {
		p.rd.Reset(p.body)
		p.req.Body = &p.rc
	}
}

// Load is what a scenario sends: one ring of prepared requests per worker
// (workers never share a request), and the status every answer must have.
type Load struct {
	Rings      [][]*prepared
	WantStatus int
}

// Result is one scenario's measurement.
type Result struct {
	Name     string
	Requests int           // completed within the measured period
	Errors   int           // transport errors and unexpected statuses
	Elapsed  time.Duration // measured period, from its start until the last worker stopped
	Lat      []time.Duration
	FirstErr string
	CPU      cpuUse // over the measured period
	// PerWorker counts each worker's answered requests: with several
	// instances, worker w talks to instance w mod N, so this gives each
	// instance's share.
	PerWorker []int
}

// ServerCPUPerRequest is the server's CPU time per completed request, or in
// process mode the whole process's (server and load generator together).
func (r *Result) ServerCPUPerRequest() time.Duration {
	if !r.CPU.OK || r.Requests == 0 {
		return 0
	}
	cpu := r.CPU.Server
	if !r.CPU.ServerKnown {
		cpu = r.CPU.Bench
	}
	return cpu / time.Duration(r.Requests)
}

// OthersShare is the share of the machine's cores that other processes used
// during the measured period.
func (r *Result) OthersShare(cores int) float64 {
	if !r.CPU.OK || r.CPU.Wall <= 0 {
		return 0
	}
	return float64(r.CPU.Others) / (float64(r.CPU.Wall) * float64(cores))
}

// RPS is completed requests per second.
func (r *Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Quantile returns the q-quantile of the latencies (nearest rank).
func (r *Result) Quantile(q float64) time.Duration { return quantile(r.Lat, q) }

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// newTransport returns the load generator's HTTP/1.1 transport: keep-alive
// connections to loopback, enough idle ones that no worker ever dials after
// its first request, no compression, no proxy.
func newTransport(conns int) *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns * 2,
		MaxIdleConnsPerHost: conns * 2,
		MaxConnsPerHost:     conns * 2,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
		WriteBufferSize:     16 << 10,
		ReadBufferSize:      32 << 10,
	}
}

// runClosedLoop drives load with len(load.Rings) workers, each sending its
// next request as soon as the previous answer is read, for warm-up and then
// duration. Only requests started in the measured period count, and the CPU
// the server, the bench and other processes used is sampled around it.
func runClosedLoop(ctx context.Context, rt http.RoundTripper, cpu cpuSampler, name string, load Load, warmup, duration time.Duration) *Result {
	workers := len(load.Rings)
	// Room for 100,000 requests/s in all: no worker grows its slice while measuring.
	perWorker := int(duration.Seconds()*100_000)/workers + 1024
	const maxPerWorker = 10_000_000

	type workerResult struct {
		lat      []time.Duration
		errs     int
		firstErr string
		last     time.Time
	}
	results := make([]workerResult, workers)
	var (
		ready   sync.WaitGroup
		done    sync.WaitGroup
		startCh = make(chan struct{})
	)
	var measureFrom, stopAt time.Time
	for w := range workers {
		ready.Add(1)
		done.Go(func() {
			res := &results[w]
			res.lat = make([]time.Duration, 0, perWorker)
			ring := load.Rings[w]
			ready.Done()
			<-startCh
			for i := 0; i < maxPerWorker; i++ {
				if i%256 == 0 && ctx.Err() != nil {
					break
				}
				p := ring[i%len(ring)]
				p.reset()
				t0 := time.Now()
				if !t0.Before(stopAt) {
					break
				}
				status, err := roundTrip(rt, p.req)
				t1 := time.Now()
				if t0.Before(measureFrom) {
					continue
				}
				if err != nil || status != load.WantStatus {
					res.errs++
					if res.firstErr == "" {
						if err != nil {
							res.firstErr = err.Error()
						} else {
							res.firstErr = fmt.Sprintf("%s %s: status %d", p.req.Method, p.req.URL.Path, status)
						}
					}
					continue
				}
				res.lat = append(res.lat, t1.Sub(t0))
				res.last = t1
			}
		})
	}
	ready.Wait()
	now := time.Now()
	measureFrom = now.Add(warmup)
	stopAt = measureFrom.Add(duration)
	close(startCh)
	time.Sleep(time.Until(measureFrom))
	cpu0 := cpu.sample()
	done.Wait()
	cpu1 := cpu.sample()

	r := &Result{Name: name, CPU: cpu0.until(cpu1)}
	last := stopAt
	total := 0
	for _, wr := range results {
		total += len(wr.lat)
	}
	r.Lat = make([]time.Duration, 0, total)
	r.PerWorker = make([]int, workers)
	for w, wr := range results {
		r.PerWorker[w] = len(wr.lat)
		r.Lat = append(r.Lat, wr.lat...)
		r.Errors += wr.errs
		if r.FirstErr == "" {
			r.FirstErr = wr.firstErr
		}
		if wr.last.After(last) {
			last = wr.last
		}
	}
	slices.Sort(r.Lat)
	r.Requests = len(r.Lat)
	r.Elapsed = last.Sub(measureFrom)
	return r
}

// roundTrip sends req and reads the whole answer, so the connection goes back
// to the pool. It uses the transport directly: http.Client adds redirect and
// timeout bookkeeping (and allocations) that a benchmark does not need.
func roundTrip(rt http.RoundTripper, req *http.Request) (int, error) {
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

// fetch sends one request and returns the status and the body (for the
// set-up steps, not for measured loops).
func fetch(rt http.RoundTripper, p *prepared) (int, []byte, error) {
	p.reset()
	resp, err := rt.RoundTrip(p.req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	return resp.StatusCode, b, err
}
