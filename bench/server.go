package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tixallo/tixallo/internal/app"
	"github.com/tixallo/tixallo/internal/config"
)

// server is a running Tixallo under test.
type server struct {
	addr string // host:port on 127.0.0.1
	pid  int    // of the child; 0 when the server runs in this process
	// peakRSS returns the high-water mark of the resident set of what is
	// measured: the child process alone, or the whole bench process.
	peakRSS func() (int64, error)
	status  string // the /proc status file of what is measured
	what    string // what peakRSS measures
	stop    func() error
}

// serverFlags are the settings of the server under test: the product's
// defaults except a per-key limit high enough never to bind (it is still
// checked on every request), and the server key in the bench's directory
// (on PostgreSQL the default is tixallo.key in the working directory, which
// would be the repository; instances on one database must share it anyway,
// or a cursor signed by one would be refused by another).
func serverFlags(dbPath, addr, keyFile string) []string {
	return []string{
		"--addr", addr,
		"--database", dbPath,
		"--secret-key-file", keyFile,
		"--api-rate-limit", "1000000",
		"--api-rate-window", "60s",
		"--log-format", "text",
	}
}

// buildServer builds cmd/tixallo into workDir and returns the binary's path.
func buildServer(ctx context.Context, moduleDir, workDir string) (string, error) {
	bin := filepath.Join(workDir, "tixallo")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/tixallo")
	build.Dir = moduleDir
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/tixallo: %w", err)
	}
	return bin, nil
}

// startChild runs `tixallo serve` from bin as a child process, so its
// resident set is measured alone. Its log goes to logPath.
func startChild(bin, dbPath, logPath, keyFile string) (*server, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, append([]string{"serve"}, serverFlags(dbPath, "127.0.0.1:0", keyFile)...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// The child must not inherit TIXALLO_* settings from the shell that runs
	// the benchmark: the flags above are the whole configuration.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TIXALLO_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	// exited is closed once the child has been waited for, and waitErr then
	// holds what Wait returned: both waitForAddr and stop watch it, and a
	// child that fails at start (a database it refuses) must not leave stop
	// waiting for a value waitForAddr already took.
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); logFile.Close(); close(exited) }()
	stop := func() error {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
			return waitErr
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			return errors.New("server did not stop within 30 s of SIGTERM")
		}
	}
	addr, err := waitForAddr(logPath, exited, &waitErr, 60*time.Second)
	if err != nil {
		_ = stop()
		return nil, err
	}
	pid := cmd.Process.Pid
	s := &server{
		addr:    addr,
		pid:     pid,
		peakRSS: func() (int64, error) { return vmHWM(fmt.Sprintf("/proc/%d/status", pid)) },
		status:  fmt.Sprintf("/proc/%d/status", pid),
		what:    fmt.Sprintf("VmHWM of the server process (pid %d)", pid),
		stop:    stop,
	}
	return s, waitReady(addr, 30*time.Second)
}

var servingAddr = regexp.MustCompile(`msg="tixallo serving" addr=(127\.0\.0\.1:\d+)`)

// waitForAddr reads the child's log until it says where it listens.
func waitForAddr(logPath string, exited <-chan struct{}, waitErr *error, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return "", fmt.Errorf("server exited before listening (%v); see %s", *waitErr, logPath)
		default:
		}
		f, err := os.Open(logPath)
		if err == nil {
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				if m := servingAddr.FindStringSubmatch(sc.Text()); m != nil {
					f.Close()
					return m[1], nil
				}
			}
			f.Close()
		}
		time.Sleep(50 * time.Millisecond)
	}
	return "", fmt.Errorf("server did not report its address within %v; see %s", timeout, logPath)
}

// startInProcess runs app.New and Serve in this process, on a 127.0.0.1:0
// listener: what -cpuprofile needs. The resident set then includes the seeding
// and the load generator, and is reported as such.
func startInProcess(ctx context.Context, dbPath, logPath, keyFile string) (*server, error) {
	cfg := config.Default()
	fs, err := cfg.FlagSet("bench", func(string) string { return "" }, os.Stderr)
	if err != nil {
		return nil, err
	}
	if err := fs.Parse(serverFlags(dbPath, "127.0.0.1:0", keyFile)); err != nil {
		return nil, err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(logFile, nil))
	a, err := app.New(ctx, cfg, log, app.Options{})
	if err != nil {
		logFile.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		a.Store.Close()
		logFile.Close()
		return nil, err
	}
	serveCtx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- a.Serve(serveCtx, ln) }()
	s := &server{
		addr:    ln.Addr().String(),
		peakRSS: func() (int64, error) { return vmHWM("/proc/self/status") },
		status:  "/proc/self/status",
		what:    "VmHWM of the whole bench process (in-process server, seeding and load generator included)",
		stop: func() error {
			cancel()
			err := <-served
			logFile.Close()
			return err
		},
	}
	return s, waitReady(s.addr, 30*time.Second)
}

// waitReady polls /readyz until the server answers 200.
func waitReady(addr string, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		resp, err := client.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("server at %s not ready within %v", addr, timeout)
}

// memoryDetail returns the current VmRSS, RssAnon and RssFile lines of a
// /proc status file, to tell the Go heap and SQLite's caches (anonymous
// memory) from mapped files.
func memoryDetail(statusPath string) string {
	b, err := os.ReadFile(statusPath)
	if err != nil {
		return ""
	}
	var parts []string
	for line := range strings.Lines(string(b)) {
		for _, k := range []string{"VmRSS:", "RssAnon:", "RssFile:", "Threads:"} {
			if rest, ok := strings.CutPrefix(line, k); ok {
				parts = append(parts, strings.TrimSuffix(k, ":")+" "+strings.Join(strings.Fields(rest), " "))
			}
		}
	}
	return strings.Join(parts, ", ")
}

// vmHWM reads the peak resident set size, in bytes, from a /proc status file.
func vmHWM(statusPath string) (int64, error) {
	b, err := os.ReadFile(statusPath)
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				return kb << 10, err
			}
		}
	}
	return 0, fmt.Errorf("no VmHWM in %s", statusPath)
}
