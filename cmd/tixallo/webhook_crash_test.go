package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/tixallo/tixallo/internal/app"
	"github.com/tixallo/tixallo/internal/egress"
	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/serverkey"
	"github.com/tixallo/tixallo/internal/store/teststore"
)

// crashLease is the shortest lease the server accepts: a delivery claimed by
// a process that is then killed is retried this long after the claim.
const crashLease = 11 * time.Second

// TestWebhookCrashDelivery kills `tixallo serve` with SIGKILL again and again
// while tickets are created and their events delivered to a loopback
// receiver, then restarts it once more and waits: every committed event
// reaches the receiver at least once (distinct webhook-ids), with a valid
// signature, and duplicates only ever repeat a webhook-id.
func TestWebhookCrashDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("kills real processes; skipped with -short")
	}
	t.Parallel()
	webhookCrash(t, newCLI(t))
}

// TestWebhookCrashDeliveryPostgres is the same proof on PostgreSQL, where
// claims are FOR UPDATE SKIP LOCKED and wake-ups come through LISTEN/NOTIFY.
func TestWebhookCrashDeliveryPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("kills real processes; skipped with -short")
	}
	t.Parallel()
	dsn := teststore.NewPostgresSchema(t) // skips without TIXALLO_TEST_POSTGRES
	webhookCrash(t, &cli{t: t, db: dsn, keyFile: filepath.Join(t.TempDir(), "server.key")})
}

// webhookCrash SIGKILLs a server over and over while clients create tickets
// and the server delivers their events, then proves after a restart that
// every committed event reached the receiver with a valid signature.
func webhookCrash(t *testing.T, c *cli) {
	bin, err := buildBinary()
	if err != nil {
		t.Fatalf("build tixallo: %v", err)
	}
	rounds := 6
	if v, err := strconv.Atoi(os.Getenv("TIXALLO_WEBHOOK_CRASH_ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	c.must("workspace", "create", "--name", "Hooks", "--owner-email", "o@hooks.test")
	key := strings.TrimSpace(c.must("key", "create", "--workspace", "hooks", "--name", "load"))

	rcv := newCountingReceiver(t)
	verifier := createEndpoint(t, c, rcv.srv.URL+"/hooks")
	rcv.mu.Lock()
	rcv.verifier = verifier
	rcv.mu.Unlock()

	acked := 0
	for round := range rounds {
		p := startWebhookProcess(t, bin, c)
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			stop = make(chan struct{})
		)
		for w := range 4 {
			wg.Go(func() {
				client := &http.Client{Timeout: 5 * time.Second}
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					email := fmt.Sprintf("c%d-%d-%d@hooks.test", round, w, i%5)
					if _, ok := createTicketFor(client, p.base, key, fmt.Sprintf("r%d w%d #%d", round, w, i), email); ok {
						mu.Lock()
						acked++
						mu.Unlock()
					}
					time.Sleep(time.Duration(rand.IntN(5)) * time.Millisecond)
				}
			})
		}
		time.Sleep(time.Duration(300+rand.IntN(700)) * time.Millisecond)
		if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = p.cmd.Wait()
		close(stop)
		wg.Wait()
	}
	if acked < rounds {
		t.Fatalf("only %d tickets were acknowledged over %d rounds; the load did not run", acked, rounds)
	}

	p := startWebhookProcess(t, bin, c)
	defer p.stop(t)
	client := &http.Client{Timeout: 10 * time.Second}
	events := allEventIDs(t, client, p.base, key)
	deadline := time.Now().Add(crashLease + 15*time.Second)
	var missing []string
	for {
		missing = missing[:0]
		for _, id := range events {
			if !rcv.has(id) {
				missing = append(missing, id)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(missing) > 0 {
		t.Fatalf("%d of %d committed events never reached the receiver (e.g. %s)\n%s",
			len(missing), len(events), missing[0], p.log.String())
	}
	if bad := rcv.badSignatures(); bad > 0 {
		t.Fatalf("%d deliveries failed signature verification", bad)
	}
	if extra := rcv.unknown(events); len(extra) > 0 {
		t.Fatalf("the receiver got %d webhook-ids that are not events, e.g. %s", len(extra), extra[0])
	}
	total, distinct := rcv.counts()
	t.Logf("%d rounds of SIGKILL, %d acknowledged tickets, %d events; receiver got %d requests, %d distinct webhook-ids",
		rounds, acked, len(events), total, distinct)
}

// createEndpoint adds a webhook endpoint for every event type, the way the
// app does, straight into the database the server uses, and returns a
// verifier holding its secret.
func createEndpoint(t *testing.T, c *cli, url string) *standardwebhooks.Webhook {
	t.Helper()
	ctx := t.Context()
	st, err := app.OpenStore(ctx, c.db, true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, err := serverkey.Load(c.keyPath())
	if err != nil {
		t.Fatal(err)
	}
	svc := helpdesk.NewService(st, helpdesk.Options{Webhooks: helpdesk.WebhookOptions{
		Sealer: key, Egress: egress.Options{AllowPrivate: true},
	}})
	ws, err := st.WorkspaceBySlug(ctx, "hooks")
	if err != nil {
		t.Fatal(err)
	}
	ep, err := svc.CreateWebhookEndpoint(ctx, ws.ID, helpdesk.Actor{}, helpdesk.WebhookEndpointInput{
		URL: url, Description: "crash test", EventTypes: helpdesk.EventTypes,
	})
	if err != nil {
		t.Fatal(err)
	}
	secret, err := svc.RevealWebhookSecret(ctx, ws.ID, ep.ID, helpdesk.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	return wh
}

func startWebhookProcess(t *testing.T, bin string, c *cli) *process {
	t.Helper()
	log := &syncBuffer{}
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--database", c.db, "--secret-key-file", c.keyPath(),
		"--api-rate-limit", "1000000", "--webhook-allow-private", "--webhook-lease", crashLease.String())
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	base := "http://" + waitAddr(t, log, nil)
	waitReady(t, base)
	return &process{cmd: cmd, base: base, log: log}
}

// createTicketFor is createTicket with a chosen customer, so that some
// tickets also fire customer.created.
func createTicketFor(client *http.Client, base, key, subject, email string) (string, bool) {
	body, _ := json.Marshal(map[string]string{"subject": subject, "description": "webhook crash", "customer_email": email})
	req, _ := http.NewRequest("POST", base+"/api/v1/tickets", strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	var out struct{ Data struct{ ID string } }
	if resp.StatusCode != http.StatusCreated || json.NewDecoder(resp.Body).Decode(&out) != nil {
		return "", false
	}
	return out.Data.ID, true
}

// allEventIDs returns the id of every event in the feed.
func allEventIDs(t *testing.T, client *http.Client, base, key string) []string {
	t.Helper()
	var ids []string
	for _, e := range readEvents(t, client, base, key) {
		ids = append(ids, e.EventID)
	}
	return ids
}

// countingReceiver records every webhook-id it is sent and checks each
// signature with the Standard Webhooks library.
type countingReceiver struct {
	srv      *httptest.Server
	verifier *standardwebhooks.Webhook
	mu       sync.Mutex
	seen     map[string]int
	total    int
	bad      int
}

func newCountingReceiver(t *testing.T) *countingReceiver {
	r := &countingReceiver{seen: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		// A little latency, so that kills land on attempts in flight.
		time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.total++
		if r.verifier == nil || r.verifier.Verify(body, req.Header) != nil {
			r.bad++
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		r.seen[req.Header.Get("webhook-id")]++
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *countingReceiver) has(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen[id] > 0
}

func (r *countingReceiver) badSignatures() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bad
}

func (r *countingReceiver) counts() (total, distinct int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total, len(r.seen)
}

func (r *countingReceiver) unknown(events []string) []string {
	known := map[string]bool{}
	for _, id := range events {
		known[id] = true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for id := range r.seen {
		if !known[id] {
			out = append(out, id)
		}
	}
	return out
}
