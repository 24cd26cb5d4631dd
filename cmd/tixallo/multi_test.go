package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/tixallo/tixallo/internal/egress"
	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/serverkey"
	"github.com/tixallo/tixallo/internal/store/postgres"
	"github.com/tixallo/tixallo/internal/store/teststore"
)

// The multi-instance tests run three real `tixallo serve` processes on one
// PostgreSQL database (a fresh schema of TIXALLO_TEST_POSTGRES) and check
// that from the outside they behave as one: one rate limit per key, a
// revocation seen everywhere at once, gapless ticket numbers, nothing
// acknowledged lost when one is killed, and each webhook attempt made by
// exactly one of them.

// multiLimit is the per-key rate limit the instances run with, over an hour
// so that no slot frees during a test.
const multiLimit = 300

// cluster is several instances on one database, with the test's own
// in-process service on it for set-up (standing in for the app or the CLI).
type cluster struct {
	dsn     string
	keyFile string
	procs   []*process
	store   *postgres.Store
	svc     *helpdesk.Service
	ws      helpdesk.Workspace
}

func newCluster(t *testing.T, instances int) *cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("starts real processes; skipped with -short")
	}
	dsn := teststore.NewPostgresSchema(t) // skips without TIXALLO_TEST_POSTGRES
	bin, err := buildBinary()
	if err != nil {
		t.Fatalf("build tixallo: %v", err)
	}
	c := &cluster{dsn: dsn, keyFile: filepath.Join(t.TempDir(), "server.key")}
	key, err := serverkey.Load(c.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	c.store, err = postgres.Open(t.Context(), dsn, postgres.Options{Migrate: true, MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.store.Close() })
	c.svc = helpdesk.NewService(c.store, helpdesk.Options{Webhooks: helpdesk.WebhookOptions{
		Sealer: key, Egress: egress.Options{AllowPrivate: true},
	}})
	cw, err := c.svc.CreateWorkspace(t.Context(), helpdesk.NewWorkspace{Name: "Many"}, "owner@many.test")
	if err != nil {
		t.Fatal(err)
	}
	c.ws = cw.Workspace
	// Launched together, so that they also race to migrate.
	c.procs = make([]*process, instances)
	for i := range instances {
		c.procs[i] = c.launch(t, bin)
	}
	for _, p := range c.procs {
		c.wait(t, p)
	}
	t.Cleanup(func() {
		for _, p := range c.procs {
			if p.cmd.ProcessState == nil {
				p.stop(t)
			}
		}
	})
	return c
}

func (c *cluster) launch(t *testing.T, bin string) *process {
	t.Helper()
	log := &syncBuffer{}
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--database", c.dsn,
		"--secret-key-file", c.keyFile, "--api-rate-limit", fmt.Sprint(multiLimit), "--api-rate-window", "1h",
		"--webhook-allow-private")
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return &process{cmd: cmd, log: log}
}

// wait waits until p serves and is ready, and checks that its log does not
// hold the database password.
func (c *cluster) wait(t *testing.T, p *process) {
	t.Helper()
	p.base = "http://" + waitAddr(t, p.log, nil)
	waitReady(t, p.base)
	if u, err := url.Parse(c.dsn); err == nil {
		if pw, ok := u.User.Password(); ok && strings.Contains(p.log.String(), ":"+pw+"@") {
			t.Errorf("the server logged the database password:\n%s", p.log.String())
		}
	}
}

// newKey makes a read_write key of the workspace.
func (c *cluster) newKey(t *testing.T, name string) (secret, keyID string) {
	t.Helper()
	k, err := c.svc.CreateAPIKey(t.Context(), c.ws.ID, helpdesk.Actor{}, helpdesk.NewAPIKey{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return k.Secret, k.Key.KeyID
}

func get(client *http.Client, url, key string) (int, error) {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// TestMultiInstanceRateLimit: 1,000 concurrent requests with one key, spread
// over three instances, admit exactly the configured limit.
func TestMultiInstanceRateLimit(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3)
	key, _ := c.newKey(t, "limited")
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var ok, limited, other atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 96)
	for i := range 1000 {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			code, err := get(client, c.procs[i%len(c.procs)].base+"/api/v1/tickets?limit=1", key)
			switch {
			case err != nil:
				t.Error(err)
			case code == http.StatusOK:
				ok.Add(1)
			case code == http.StatusTooManyRequests:
				limited.Add(1)
			default:
				other.Add(1)
			}
		})
	}
	wg.Wait()
	if ok.Load() != multiLimit || limited.Load() != 1000-multiLimit || other.Load() != 0 {
		t.Fatalf("1,000 requests over 3 instances: %d admitted, %d refused with 429, %d other; want exactly %d admitted",
			ok.Load(), limited.Load(), other.Load(), multiLimit)
	}
}

// TestMultiInstanceRevocation: a key revoked by one process is refused by
// every instance within a second (each instance's key cache is dropped by
// the revocation's NOTIFY, with a 1 s expiry behind it).
func TestMultiInstanceRevocation(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3)
	key, keyID := c.newKey(t, "doomed")
	client := &http.Client{Timeout: 10 * time.Second}
	for _, p := range c.procs {
		if code, err := get(client, p.base+"/api/v1/tickets", key); err != nil || code != 200 {
			t.Fatalf("before revocation: %d %v", code, err)
		}
	}
	if _, err := c.svc.RevokeAPIKey(t.Context(), c.ws.ID, keyID, helpdesk.Actor{}); err != nil {
		t.Fatal(err)
	}
	revoked := time.Now()
	for i, p := range c.procs {
		for {
			code, err := get(client, p.base+"/api/v1/tickets", key)
			if err != nil {
				t.Fatal(err)
			}
			if code == http.StatusUnauthorized {
				break
			}
			if time.Since(revoked) > time.Second {
				t.Fatalf("instance %d still admits the key %v after its revocation", i, time.Since(revoked))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// TestMultiInstanceTicketsAndKill: clients create tickets on three instances
// at once; one instance is killed with SIGKILL halfway. Every ticket that was
// answered 201 is there with its ticket.created event, and the workspace's
// ticket numbers are exactly 1…n: gapless and unique across instances, a
// transaction cut off by the kill giving its number back.
func TestMultiInstanceTicketsAndKill(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3)
	var keys []string
	for i := range 4 {
		k, _ := c.newKey(t, fmt.Sprintf("writer %d", i))
		keys = append(keys, k)
	}
	var (
		mu    sync.Mutex
		acked = map[string]string{}
		wg    sync.WaitGroup
	)
	stop := make(chan struct{})
	for w := range 12 {
		wg.Go(func() {
			client := &http.Client{Timeout: 5 * time.Second}
			p := c.procs[w%len(c.procs)]
			for i := 0; i < multiLimit/3-1; i++ {
				select {
				case <-stop:
					return
				default:
				}
				subject := fmt.Sprintf("writer %d ticket %d", w, i)
				id, ok := createTicket(client, p.base, keys[w%len(keys)], subject)
				if ok {
					mu.Lock()
					acked[id] = subject
					mu.Unlock()
				}
			}
		})
	}
	// Kill one instance once writes are flowing, and go on writing through
	// the others for a while: by acknowledgements, not by the clock, so a
	// busy machine still tests the same thing.
	waitAcked := func(n int) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			mu.Lock()
			got := len(acked)
			mu.Unlock()
			if got >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("only %d tickets acknowledged, waiting for %d; the load did not run", got, n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitAcked(60)
	victim := c.procs[2]
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = victim.cmd.Wait()
	mu.Lock()
	atKill := len(acked)
	mu.Unlock()
	waitAcked(atKill + 60)
	close(stop)
	wg.Wait()

	// Every acknowledged ticket, read back through the survivors.
	client := &http.Client{Timeout: 10 * time.Second}
	reader, _ := c.newKey(t, "reader")
	all, err := c.store.Tickets(t.Context(), c.ws.ID, helpdesk.TicketFilter{IncludeMerged: true})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]helpdesk.TicketRow{}
	numbers := make([]int64, 0, len(all))
	for _, tk := range all {
		byID[tk.ID] = tk
		numbers = append(numbers, tk.Number)
	}
	for id, subject := range acked {
		if tk, ok := byID[id]; !ok || tk.Subject != subject {
			t.Fatalf("acknowledged ticket %s (%q) is missing", id, subject)
		}
	}
	slices.Sort(numbers)
	for i, n := range numbers {
		if n != int64(i+1) {
			t.Fatalf("ticket numbers are not 1…%d: position %d holds %d", len(numbers), i, n)
		}
	}
	created := createdEvents(t, client, c.procs[0].base, reader)
	for id := range acked {
		if !created[id] {
			t.Fatalf("acknowledged ticket %s has no ticket.created event", id)
		}
	}
	t.Logf("%d tickets acknowledged across 3 instances (one killed), numbers 1…%d without a gap", len(acked), len(numbers))
}

// TestMultiInstanceWebhooks: 5,000 events committed while three instances
// dispatch are each delivered exactly once: every attempt was made by one
// instance only (the receiver always answers 204, so any second delivery of
// an event would be two instances taking the same attempt).
func TestMultiInstanceWebhooks(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3)
	var (
		mu       sync.Mutex
		seen     = map[string]int{}
		bad      int
		verifier *standardwebhooks.Webhook
	)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if verifier == nil || verifier.Verify(body, r.Header) != nil {
			bad++
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		seen[r.Header.Get("webhook-id")]++
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rcv.Close()
	ctx := t.Context()
	ep, err := c.svc.CreateWebhookEndpoint(ctx, c.ws.ID, helpdesk.Actor{}, helpdesk.WebhookEndpointInput{
		URL: rcv.URL + "/hooks", EventTypes: helpdesk.EventTypes,
	})
	if err != nil {
		t.Fatal(err)
	}
	secret, err := c.svc.RevealWebhookSecret(ctx, c.ws.ID, ep.ID, helpdesk.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	verifier = wh
	mu.Unlock()

	// 2,500 tickets, each for a new customer: ticket.created and
	// customer.created, 5,000 events, written by 8 writers at once.
	const tickets = 2500
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 8 {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > tickets {
					return
				}
				_, err := c.svc.CreateTicket(context.WithoutCancel(ctx), c.ws.ID, helpdesk.NewTicket{
					Subject: fmt.Sprintf("hook %d", i), Description: "d", Source: helpdesk.SourceAPI,
					CustomerEmail: fmt.Sprintf("c%d@many.test", i),
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	events, err := c.store.Events(ctx, c.ws.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2*tickets {
		t.Fatalf("%d events written, want %d", len(events), 2*tickets)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if n >= len(events) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 2 minutes %d of %d events delivered", n, len(events))
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // let any duplicate arrive
	mu.Lock()
	defer mu.Unlock()
	if bad > 0 {
		t.Errorf("%d deliveries had a bad signature", bad)
	}
	dups := 0
	for _, e := range events {
		switch seen[e.ID] {
		case 0:
			t.Errorf("event %s never delivered", e.ID)
		case 1:
		default:
			dups++
		}
	}
	if dups > 0 || len(seen) != len(events) {
		t.Fatalf("%d events delivered more than once; %d distinct ids for %d events", dups, len(seen), len(events))
	}
	// Each instance took part, so the exclusivity was really tested.
	var body strings.Builder
	for i, p := range c.procs {
		resp, err := http.Get(p.base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Fprintf(&body, "instance %d: %s\n", i, attemptLines(string(b)))
	}
	t.Logf("%d events, each delivered once, over 3 instances:\n%s", len(events), body.String())
}

// attemptLines picks the webhook attempt counters out of a /metrics page.
func attemptLines(metrics string) string {
	var out []string
	for _, l := range strings.Split(metrics, "\n") {
		if strings.HasPrefix(l, "tixallo_webhook_attempts") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "; ")
}
