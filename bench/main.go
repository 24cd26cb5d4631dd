// Command bench measures Tixallo's public API under load on this machine:
// it seeds a fresh SQLite database (1,000 workspaces, 2,000+ keys, 100,000
// tickets in one workspace), starts the real server on a 127.0.0.1 port (by
// default the built tixallo binary as a child process, so that its memory is
// measured alone), drives it over loopback with a closed loop per scenario,
// and prints each figure against its target.
//
//	go run ./bench                 # the whole run, a few minutes
//	go run ./bench -out result.md  # also write the markdown table to a file
//	go run ./bench -cpuprofile cpu.out   # server in-process; cpu.out.list, cpu.out.get, …
//
// All traffic goes to listeners this program opens on 127.0.0.1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/tixallo/tixallo/internal/app"
	"github.com/tixallo/tixallo/internal/helpdesk"
)

type benchConfig struct {
	database   string // a postgres:// URL; "" for a fresh SQLite file in dir
	instances  int    // servers on the one database (more than one: PostgreSQL only)
	conns      int
	keys       int
	warmup     time.Duration
	duration   time.Duration
	page       int
	pagingN    int
	seed       SeedOptions
	inProcess  bool
	cpuProfile string
	out        string
	dir        string
	keep       bool
	app        bool
	only       string
	bin        string
	progress   func(string)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := benchConfig{seed: DefaultSeedOptions()}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&cfg.conns, "conns", 32, "concurrent connections (closed-loop workers) per scenario")
	fs.IntVar(&cfg.keys, "keys", 200, "API keys of the big workspace the requests are spread over")
	fs.DurationVar(&cfg.warmup, "warmup", 2*time.Second, "unmeasured warm-up of each scenario")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "measured period of each scenario")
	fs.IntVar(&cfg.page, "page", 1000, "the deep page compared with page 1")
	fs.IntVar(&cfg.pagingN, "paging-n", 1000, "timed GETs of each of the two pages")
	fs.IntVar(&cfg.seed.Workspaces, "workspaces", cfg.seed.Workspaces, "workspaces to seed, the big one included")
	fs.IntVar(&cfg.seed.KeysBig, "keys-big", cfg.seed.KeysBig, "API keys to seed in the big workspace")
	fs.IntVar(&cfg.seed.KeysPerSmall, "keys-per-workspace", cfg.seed.KeysPerSmall, "API keys to seed in every other workspace")
	fs.IntVar(&cfg.seed.Tickets, "tickets", cfg.seed.Tickets, "tickets to seed in the big workspace")
	fs.IntVar(&cfg.seed.Customers, "customers", cfg.seed.Customers, "customers to seed in the big workspace")
	fs.BoolVar(&cfg.inProcess, "inprocess", false, "run the server in this process instead of as a child (peak RSS then covers the whole bench process)")
	fs.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write a CPU profile of each load scenario to this path plus .<scenario> (implies -inprocess)")
	fs.StringVar(&cfg.out, "out", "", "also write the markdown report to this file")
	fs.StringVar(&cfg.dir, "dir", "", "directory for the database, the server binary and its log (default: a new temporary directory)")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the directory afterwards")
	fs.StringVar(&cfg.database, "database", "", "bench on PostgreSQL: a postgres:// URL of an empty database or schema (default: a fresh SQLite file)")
	fs.IntVar(&cfg.instances, "instances", 1, "run this many `tixallo serve` children on the one PostgreSQL database and spread the connections over them round-robin (PostgreSQL only)")
	fs.StringVar(&cfg.bin, "bin", "", "run this tixallo binary instead of building ./cmd/tixallo")
	fs.BoolVar(&cfg.app, "app", false, "also run the agent app page scenarios (reserved for the app-page benchmark)")
	fs.StringVar(&cfg.only, "only", "", "comma-separated scenarios to run (default all): "+scenarioNames(apiScenarios()))
	webhooks := fs.Bool("webhooks", false, "run only the webhook benchmark (bench/webhook.go) instead of the API scenarios")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.conns < 1 || cfg.keys < 1 || cfg.page < 2 || cfg.pagingN < 1 || cfg.duration <= 0 || cfg.warmup < 0 {
		return errors.New("want -conns ≥ 1, -keys ≥ 1, -page ≥ 2, -paging-n ≥ 1, -duration > 0, -warmup ≥ 0")
	}
	if cfg.cpuProfile != "" {
		cfg.inProcess = true
	}
	switch {
	case cfg.instances < 1:
		return errors.New("want -instances ≥ 1")
	case cfg.instances > 1 && cfg.database == "":
		return errInstancesSQLite
	case cfg.instances > 1 && cfg.inProcess:
		return errors.New("-instances > 1 runs children; it cannot be combined with -inprocess or -cpuprofile")
	case cfg.instances > 1 && *webhooks:
		return errors.New("-instances applies to the API scenarios, not to -webhooks")
	}
	start := time.Now()
	cfg.progress = func(s string) {
		fmt.Fprintf(stderr, "[%6.1fs] %s\n", time.Since(start).Seconds(), s)
	}
	if *webhooks {
		return runWebhooks(ctx, cfg, stdout)
	}

	scenarios := apiScenarios()
	if cfg.app {
		if len(appScenarios()) == 0 {
			cfg.progress("-app: there are no app-page scenarios yet")
		}
		scenarios = append(scenarios, appScenarios()...)
	}
	if cfg.only != "" {
		want := strings.Split(cfg.only, ",")
		scenarios = slices.DeleteFunc(scenarios, func(s Scenario) bool { return !slices.Contains(want, s.Name) })
		if len(scenarios) == 0 {
			return fmt.Errorf("-only %q names no scenario", cfg.only)
		}
	}

	moduleDir, err := findModuleDir()
	if err != nil {
		return err
	}
	dir := cfg.dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "tixallo-bench-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	dbPath := filepath.Join(dir, "bench.db")
	if cfg.database != "" {
		dbPath = cfg.database
	}
	logPath := instanceLog(dir, 0)
	keyFile := filepath.Join(dir, "server.key")
	// Only the bench's own files, never the rest of a directory given by -dir.
	var files []string
	if cfg.database == "" {
		files = append(files, dbPath, dbPath+"-wal", dbPath+"-shm")
	}
	files = append(files, keyFile)
	for _, f := range files {
		_ = os.Remove(f) // a fresh database and key every run
	}
	for i := range cfg.instances {
		files = append(files, instanceLog(dir, i))
	}
	files = append(files, filepath.Join(dir, "tixallo"))
	switch {
	case cfg.keep:
		cfg.progress("keeping " + dir)
	case cfg.dir == "":
		defer os.RemoveAll(dir)
	default:
		defer func() {
			for _, f := range files {
				_ = os.Remove(f)
			}
		}()
	}

	fx, err := seed(ctx, dbPath, cfg)
	if err != nil {
		return err
	}
	dbSize, walSize := fileSize(dbPath), fileSize(dbPath+"-wal")

	store := "SQLite `synchronous=FULL`, WAL"
	if cfg.database != "" {
		if err := settlePostgres(ctx, cfg.database); err != nil {
			return err
		}
		desc, size, err := postgresInfo(ctx, cfg.database)
		if err != nil {
			return err
		}
		store, dbSize, walSize = desc, size, 0
	}

	var srvs []*server
	if cfg.inProcess {
		srv, err := startInProcess(ctx, dbPath, logPath, keyFile)
		if err != nil {
			return err
		}
		srvs = []*server{srv}
		cfg.progress("server listening on " + srv.addr + "; log in " + logPath)
	} else {
		bin := cfg.bin
		if bin == "" {
			if bin, err = buildServer(ctx, moduleDir, dir); err != nil {
				return err
			}
		}
		if srvs, err = startInstances(bin, dir, dbPath, keyFile, cfg.instances, cfg.progress); err != nil {
			return err
		}
	}
	stopped := false
	defer func() {
		if !stopped {
			stopAll(srvs, cfg.progress)
		}
	}()
	srv := srvs[0]
	bases := make([]string, len(srvs))
	for i, s := range srvs {
		bases[i] = "http://" + s.addr
	}

	b := &Bench{
		cfg: cfg, base: bases[0], bases: bases, fx: fx,
		rt:      newTransport(cfg.conns),
		cpu:     cpuSampler{serverPIDs: serverPIDs(srvs), postgres: cfg.database != ""},
		srv:     srv,
		text:    newTextGen(cfg.seed.Seed + 1),
		results: map[string]*Result{},
	}
	defer b.rt.CloseIdleConnections()

	for _, sc := range scenarios {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := sc.Run(ctx, b); err != nil {
			return fmt.Errorf("scenario %s: %w", sc.Name, err)
		}
	}

	mem := make([]instanceMemory, len(srvs))
	for i, s := range srvs {
		mem[i].peak, mem[i].err = s.peakRSS()
		mem[i].what, mem[i].now = s.what, memoryDetail(s.status)
	}
	if cfg.inProcess {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		mem[0].now += fmt.Sprintf("; of which the Go runtime holds %d MB (heap in use %d MB), the rest is SQLite's (C) memory and the binary",
			ms.Sys>>20, ms.HeapInuse>>20)
	}
	stopped = true
	stopAll(srvs, cfg.progress)
	rep := &report{
		cfg: cfg, bench: b, fx: fx, machine: describeMachine(), store: store,
		mem: mem, dbSize: dbSize, walSize: walSize,
	}
	fmt.Fprintln(stdout)
	rep.writeText(stdout)
	md := rep.markdown()
	fmt.Fprintln(stdout)
	fmt.Fprint(stdout, md)
	if cfg.out != "" {
		if err := os.WriteFile(cfg.out, []byte(md), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// seed creates and fills the database, then closes it so that the server
// opens it as operators' servers do: at start-up, with its migrations run.
func seed(ctx context.Context, dbPath string, cfg benchConfig) (*Fixture, error) {
	store, err := app.OpenStore(ctx, dbPath, true)
	if err != nil {
		return nil, err
	}
	svc := helpdesk.NewService(store, helpdesk.Options{Logger: slog.New(slog.DiscardHandler)})
	fx, err := Seed(ctx, store, svc, cfg.seed, cfg.progress)
	if cerr := store.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	c := fx.Counts
	cfg.progress(fmt.Sprintf("seeded %d workspaces, %d keys, %d tickets, %d customers in the big one, %d messages, %d events in %v",
		c.Workspaces, c.Keys, c.Tickets, len(fx.CustomerEmail), c.Messages, c.Events, c.Elapsed.Round(time.Millisecond)))
	return fx, nil
}

// findModuleDir walks up from the working directory to go.mod.
func findModuleDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory; run from the repository: go run ./bench")
		}
		dir = parent
	}
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func scenarioNames(ss []Scenario) string {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = s.Name
	}
	return strings.Join(names, ",")
}

func sortDurations(d []time.Duration) { slices.Sort(d) }
