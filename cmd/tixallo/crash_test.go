package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestCrashSafety kills a real tixallo process with SIGKILL again and again
// while clients create tickets, restarts it on the same SQLite file, and then
// proves that every ticket that was answered 201, and its ticket.created
// event, is there: an acknowledged write survives the process dying at any
// instant (synchronous=FULL, event in the same transaction).
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("kills real processes; skipped with -short")
	}
	t.Parallel()
	bin, err := buildBinary()
	if err != nil {
		t.Fatalf("build tixallo: %v", err)
	}
	rounds := 6
	if v, err := strconv.Atoi(os.Getenv("TIXALLO_CRASH_ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	c := newCLI(t)
	c.must("workspace", "create", "--name", "Crash", "--owner-email", "o@crash.test")
	key := strings.TrimSpace(c.must("key", "create", "--workspace", "crash", "--name", "load"))

	acked := map[string]string{} // ticket id → subject
	var mu sync.Mutex
	for round := range rounds {
		p := startProcess(t, bin, c.db)
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for w := range 6 {
			wg.Go(func() {
				client := &http.Client{Timeout: 5 * time.Second}
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					subject := fmt.Sprintf("round %d worker %d ticket %d", round, w, i)
					id, ok := createTicket(client, p.base, key, subject)
					if !ok {
						continue
					}
					mu.Lock()
					acked[id] = subject
					mu.Unlock()
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
	if len(acked) < rounds {
		t.Fatalf("only %d tickets were acknowledged over %d rounds; the load did not run", len(acked), rounds)
	}

	p := startProcess(t, bin, c.db)
	defer p.stop(t)
	client := &http.Client{Timeout: 10 * time.Second}
	for id, subject := range acked {
		req, _ := http.NewRequest("GET", p.base+"/api/v1/tickets/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Data struct{ Subject string }
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != 200 || err != nil || body.Data.Subject != subject {
			t.Fatalf("acknowledged ticket %s: status %d, subject %q, err %v", id, resp.StatusCode, body.Data.Subject, err)
		}
	}
	created := createdEvents(t, client, p.base, key)
	for id := range acked {
		if !created[id] {
			t.Fatalf("acknowledged ticket %s has no ticket.created event", id)
		}
	}
	t.Logf("%d rounds of SIGKILL, %d acknowledged tickets, all present with their events", rounds, len(acked))
}

type process struct {
	cmd  *exec.Cmd
	base string
	log  *syncBuffer
}

func startProcess(t *testing.T, bin, db string) *process {
	t.Helper()
	log := &syncBuffer{}
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--database", db, "--api-rate-limit", "1000000")
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	base := "http://" + waitAddr(t, log, nil)
	waitReady(t, base)
	return &process{cmd: cmd, base: base, log: log}
}

func (p *process) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("tixallo exited with %v after SIGTERM:\n%s", err, p.log.String())
	}
}

// createTicket returns the id of a ticket the server acknowledged with 201.
func createTicket(client *http.Client, base, key, subject string) (string, bool) {
	body, _ := json.Marshal(map[string]string{
		"subject": subject, "description": "created under SIGKILL", "customer_email": "crash@example.test",
	})
	req, _ := http.NewRequest("POST", base+"/api/v1/tickets", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	var out struct {
		Data struct{ ID string }
	}
	if resp.StatusCode != http.StatusCreated || json.NewDecoder(resp.Body).Decode(&out) != nil || out.Data.ID == "" {
		return "", false
	}
	return out.Data.ID, true
}

// feedEvent is what the crash tests read of an events-feed entry.
type feedEvent struct {
	EventID   string `json:"event_id"`
	EventType string `json:"event_type"`
	TicketID  string `json:"ticket_id"`
}

// readEvents pages through the whole events feed, oldest first.
func readEvents(t *testing.T, client *http.Client, base, key string) []feedEvent {
	t.Helper()
	var all []feedEvent
	cursor := ""
	for {
		url := base + "/api/v1/events?limit=100"
		if cursor != "" {
			url += "&after=" + cursor
		}
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Data       []feedEvent `json:"data"`
			NextCursor string      `json:"next_cursor"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if resp.StatusCode != 200 || err != nil {
			t.Fatalf("events feed: %d %v", resp.StatusCode, err)
		}
		if len(page.Data) == 0 {
			return all
		}
		all = append(all, page.Data...)
		cursor = page.NextCursor
	}
}

// createdEvents returns the ticket ids of every ticket.created event.
func createdEvents(t *testing.T, client *http.Client, base, key string) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	for _, e := range readEvents(t, client, base, key) {
		if e.EventType == "ticket.created" {
			seen[e.TicketID] = true
		}
	}
	return seen
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}
