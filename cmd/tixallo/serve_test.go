package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer that a server's log and a test can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var servingAddr = regexp.MustCompile(`msg="tixallo serving" addr=(\S+)`)

// waitAddr waits for the "tixallo serving" log line and returns the address.
func waitAddr(t *testing.T, log interface{ String() string }, done <-chan struct{}) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := servingAddr.FindStringSubmatch(log.String()); m != nil {
			return m[1]
		}
		select {
		case <-done:
			t.Fatalf("server exited before serving:\n%s", log.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("server did not start:\n%s", log.String())
	return ""
}

// waitReady polls /readyz, as a load balancer would.
func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s/readyz never answered 200", base)
}

// TestServeGracefulShutdown starts the real server in-process on a free
// loopback port, checks the operator endpoints, and shuts it down the way
// SIGTERM does: run returns nil once in-flight work is done.
func TestServeGracefulShutdown(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var log syncBuffer
	done := make(chan struct{})
	var runErr error
	go func() {
		defer close(done)
		env := map[string]string{"TIXALLO_DATABASE": filepath.Join(dir, "t.db"), "TIXALLO_LOG_FORMAT": "text"}
		runErr = run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, func(k string) string { return env[k] }, io.Discard, &log)
	}()
	base := "http://" + waitAddr(t, &log, done)
	waitReady(t, base)
	for path, want := range map[string]string{"/healthz": "ok", "/metrics": "tixallo_http_requests_total"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s = %d %q", path, resp.StatusCode, body)
		}
		if resp.Header.Get("X-Request-Id") == "" {
			t.Errorf("GET %s has no X-Request-Id", path)
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after its context ended")
	}
	if runErr != nil {
		t.Fatalf("serve returned %v", runErr)
	}
	if !strings.Contains(log.String(), "shutting down") {
		t.Errorf("no shutdown line in the log:\n%s", log.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "t.db.key")); err != nil {
		t.Errorf("server key file not created beside the database: %v", err)
	}
}

// binDir holds the test binary's build of tixallo; TestMain removes it.
var binDir string

// buildBinary compiles tixallo once per test binary for the tests that
// need a real process to kill.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "tixallo-bin-")
	if err != nil {
		return "", err
	}
	binDir = dir
	bin := filepath.Join(dir, "tixallo")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", &buildError{out: string(out), err: err}
	}
	return bin, nil
})

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }
