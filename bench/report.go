package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// machine describes where the run happened.
type machine struct {
	Date, Uname, CPU, Go string
	Cores                int
}

func describeMachine() machine {
	m := machine{Date: time.Now().UTC().Format("2006-01-02 15:04 MST"), Cores: runtime.NumCPU(), Go: runtime.Version()}
	if out, err := exec.Command("uname", "-a").Output(); err == nil {
		m.Uname = strings.TrimSpace(string(out))
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

type report struct {
	cfg     benchConfig
	bench   *Bench
	fx      *Fixture
	machine machine
	store   string           // "SQLite …" or "PostgreSQL <server_version>"
	mem     []instanceMemory // one per server instance
	dbSize  int64            // the database file (PostgreSQL: the database) after seeding
	walSize int64            // its write-ahead log then (SQLite)
}

// instanceMemory is one server's resident set.
type instanceMemory struct {
	peak int64 // VmHWM
	err  error
	what string // what peak measures
	now  string // the resident set at the end, in parts
}

// peakRSS is the largest instance's peak, the figure held against the
// target: each instance is a server that must fit it.
func (r *report) peakRSS() (int64, error) {
	var peak int64
	for _, m := range r.mem {
		if m.err != nil {
			return 0, m.err
		}
		peak = max(peak, m.peak)
	}
	return peak, nil
}

// goals are the targets of the store in use: SQLite's from the first
// benchmark issue, PostgreSQL's from issue #5 (2-core machine, PostgreSQL on
// it: list ≥ 0.25 × the ceiling, ≥ 1,500 creates/s).
type goals struct {
	listRatio   float64
	createsPerS float64
	readP99     bool // SQLite's list and get p99 ≤ 10 ms
}

func (r *report) goals() goals {
	if r.cfg.database != "" {
		return goals{listRatio: 0.25, createsPerS: 1500}
	}
	return goals{listRatio: 0.35, createsPerS: 3000, readP99: true}
}

// row is one line of a table.
type row []string

// target is one figure held against its goal.
type target struct {
	figure, measured, goal string
	ok, known              bool
}

func (t target) verdict() string {
	switch {
	case !t.known:
		return "n/a"
	case t.ok:
		return "PASS"
	}
	return "MISS"
}

var scenarioLabels = map[string]string{
	"ceiling": "bare net/http, same-size body",
	"list":    "GET /api/v1/tickets?limit=20",
	"get":     "GET /api/v1/tickets/{id}",
	"create":  "POST /api/v1/tickets",
	"message": "POST /api/v1/tickets/{id}/messages",
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func (r *report) scenarioRows() []row {
	var rows []row
	for _, name := range r.scenarioOrder() {
		label, ok := scenarioLabels[name]
		if !ok {
			label = name // scenarios added later (-app)
		}
		rows = append(rows, r.scenarioRow(name, label, r.bench.results[name]))
	}
	return rows
}

// header is the scenario table's: on PostgreSQL with a column for the
// database's CPU per request, which is then a large part of the cost.
func (r *report) header() row {
	h := row{"scenario", "request", "req/s", "p50", "p99", "errors", "server CPU/req", "bench CPU/req"}
	if r.cfg.database != "" {
		h = append(h, "PostgreSQL CPU/req")
	}
	return append(h, "other procs")
}

func (r *report) scenarioRow(name, label string, res *Result) row {
	cpu, bench, db, others := "—", "—", "—", "—"
	perReq := func(d time.Duration) string {
		return fmt.Sprintf("%.0f µs", float64(d/time.Duration(res.Requests))/float64(time.Microsecond))
	}
	if res.CPU.OK && res.Requests > 0 {
		if res.CPU.ServerKnown {
			bench = perReq(res.CPU.Bench)
		}
		cpu = fmt.Sprintf("%.0f µs", float64(res.ServerCPUPerRequest())/float64(time.Microsecond))
		db = perReq(res.CPU.DB)
		if name == "ceiling" {
			cpu, db = "—", "—" // the ceiling runs in the bench process, not the server
		}
		others = fmt.Sprintf("%.0f %%", 100*res.OthersShare(r.machine.Cores))
	}
	rw := row{name, label, fmt.Sprintf("%.0f", res.RPS()), ms(res.Quantile(0.50)), ms(res.Quantile(0.99)),
		fmt.Sprint(res.Errors), cpu, bench}
	if r.cfg.database != "" {
		rw = append(rw, db)
	}
	return append(rw, others)
}

func (r *report) targets() []target {
	res := r.bench.results
	var ts []target
	clean := func(rs ...*Result) bool {
		for _, x := range rs {
			if x.Errors > 0 {
				return false
			}
		}
		return true
	}

	g := r.goals()
	list, okL := res["list"]
	ceil, okC := res["ceiling"]
	t := target{figure: "list throughput / ceiling", goal: fmt.Sprintf("≥ %.2f", g.listRatio), measured: "—"}
	if okL && okC && ceil.RPS() > 0 {
		ratio := list.RPS() / ceil.RPS()
		t.measured = fmt.Sprintf("%.2f (%.0f / %.0f req/s)", ratio, list.RPS(), ceil.RPS())
		t.known, t.ok = true, ratio >= g.listRatio && clean(list, ceil)
	}
	ts = append(ts, t)

	figure := "create throughput (synchronous=FULL)"
	if r.cfg.database != "" {
		figure = "create throughput (synchronous_commit as configured)"
	}
	t = target{figure: figure, goal: fmt.Sprintf("≥ %s tickets/s", thousands(g.createsPerS)), measured: "—"}
	if c, ok := res["create"]; ok {
		t.measured = fmt.Sprintf("%.0f tickets/s", c.RPS())
		t.known, t.ok = true, c.RPS() >= g.createsPerS && clean(c)
	}
	ts = append(ts, t)

	for _, name := range []string{"list", "get"} {
		if !g.readP99 {
			break
		}
		t = target{figure: name + " p99", goal: "≤ 10 ms", measured: "—"}
		if x, ok := res[name]; ok {
			p99 := x.Quantile(0.99)
			t.measured = ms(p99)
			t.known, t.ok = true, p99 <= 10*time.Millisecond && clean(x)
		}
		ts = append(ts, t)
	}

	t = target{figure: "server peak RSS", goal: "≤ 100 MB", measured: "—"}
	if len(r.mem) > 1 {
		t.figure = "server peak RSS (largest instance)"
	}
	if rss, err := r.peakRSS(); err == nil && rss > 0 {
		t.measured = fmt.Sprintf("%.1f MB", float64(rss)/1e6)
		t.known, t.ok = true, rss <= 100e6
	}
	ts = append(ts, t)

	t = target{figure: fmt.Sprintf("page %d p50 / page 1 p50", r.cfg.page), goal: "≤ 1.5", measured: "—"}
	if p := r.bench.paging; p != nil {
		a, b := quantile(p.First, 0.5), quantile(p.Deep, 0.5)
		ratio := float64(b) / float64(a)
		t.measured = fmt.Sprintf("%.2f (%s / %s)", ratio, ms(b), ms(a))
		t.known, t.ok = true, ratio <= 1.5 && p.Errors == 0
	}
	ts = append(ts, t)
	return ts
}

// instanceSplit says, per scenario, what share of the answered requests each
// instance gave (worker w talks to instance w mod N), or "" with one.
func (r *report) instanceSplit() string {
	n := len(r.mem)
	if n < 2 {
		return ""
	}
	var parts []string
	for _, name := range r.scenarioOrder() {
		res := r.bench.results[name]
		if name == "ceiling" || res.Requests == 0 {
			continue
		}
		per := make([]int, n)
		for w, k := range res.PerWorker {
			per[w%n] += k
		}
		shares := make([]string, n)
		for i, k := range per {
			shares[i] = fmt.Sprintf("%.0f %%", 100*float64(k)/float64(res.Requests))
		}
		parts = append(parts, name+" "+strings.Join(shares, " / "))
	}
	return strings.Join(parts, "; ")
}

// scenarioOrder lists the scenarios that ran, the API's in their fixed
// order first, then the rest by name.
func (r *report) scenarioOrder() []string {
	var names, later []string
	for _, name := range []string{"ceiling", "list", "get", "create", "message"} {
		if _, ok := r.bench.results[name]; ok {
			names = append(names, name)
		}
	}
	for name := range r.bench.results {
		if _, known := scenarioLabels[name]; !known {
			later = append(later, name)
		}
	}
	slices.Sort(later)
	return append(names, later...)
}

// thousands writes a whole number with comma separators, as the docs do.
func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// disturbed names the scenarios during which other processes used more than
// 10 % of the machine's CPU.
func (r *report) disturbed() string {
	var names []string
	for _, name := range []string{"ceiling", "list", "get", "create", "message"} {
		if res, ok := r.bench.results[name]; ok && res.OthersShare(r.machine.Cores) > 0.10 {
			names = append(names, name)
		}
	}
	return strings.Join(names, ", ")
}

func (r *report) writeText(w io.Writer) {
	fmt.Fprintf(w, "store: %s; server instances: %d\n", r.store, len(r.mem))
	if split := r.instanceSplit(); split != "" {
		fmt.Fprintf(w, "requests answered by each instance: %s\n", split)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(r.header(), "\t"))
	for _, rw := range r.scenarioRows() {
		fmt.Fprintln(tw, strings.Join(rw, "\t"))
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "figure\tmeasured\ttarget\tresult\n")
	for _, t := range r.targets() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.figure, t.measured, t.goal, t.verdict())
	}
	tw.Flush()
	if busy := r.disturbed(); busy != "" {
		fmt.Fprintf(w, "\nWARNING: other processes used more than 10%% of the CPU during %s.\n", busy)
	}
}

func (r *report) markdown() string {
	var b strings.Builder
	m := r.machine
	c := r.cfg
	fmt.Fprintf(&b, "### Run of %s\n\n", m.Date)
	fmt.Fprintf(&b, "- Machine: `%s`\n", m.Uname)
	fmt.Fprintf(&b, "- CPU: %s, %d cores\n", m.CPU, m.Cores)
	fmt.Fprintf(&b, "- Go: %s\n", m.Go)
	server := "child process (`tixallo serve`, built by the bench)"
	switch {
	case c.inProcess:
		server = "in the bench process"
	case len(r.mem) > 1:
		server = fmt.Sprintf("%d instances, each a child process (`tixallo serve`, built by the bench), on one database; "+
			"no load balancer: the load generator's connections are spread over their ports round-robin", len(r.mem))
	}
	fmt.Fprintf(&b, "- Server: %s; store: %s; `--api-rate-limit 1000000 --api-rate-window 60s`\n", server, r.store)
	s := r.fx.Counts
	size := fmt.Sprintf("database file %.0f MB (+ %.0f MB WAL)", float64(r.dbSize)/1e6, float64(r.walSize)/1e6)
	if c.database != "" {
		size = fmt.Sprintf("database %.0f MB (`pg_database_size`)", float64(r.dbSize)/1e6)
	}
	fmt.Fprintf(&b, "- Data: %d workspaces, %d API keys, %d tickets (%d in the big workspace, from %d of its customers), %d customers in all, %d messages, %d events; %s; seeded in %v\n",
		s.Workspaces, s.Keys, s.Tickets, c.seed.Tickets, len(r.fx.CustomerEmail), s.Customers, s.Messages, s.Events,
		size, s.Elapsed.Round(time.Second))
	fmt.Fprintf(&b, "- Load: %d connections, closed loop, %v warm-up + %v measured per scenario, requests spread over %d keys; response of the list: %d bytes\n",
		c.conns, c.warmup, c.duration, min(c.keys, len(r.fx.Keys)), len(r.bench.listBody))
	if p := r.bench.paging; p != nil {
		fmt.Fprintf(&b, "- Paging: cursor walked to page %d once (%v); then %d GETs of each page, alternating, on one connection\n",
			p.Page, p.WalkElapsed.Round(time.Millisecond), len(p.First))
	}
	for i, m := range r.mem {
		label := "Peak RSS"
		if len(r.mem) > 1 {
			label = fmt.Sprintf("Peak RSS, instance %d", i+1)
		}
		fmt.Fprintf(&b, "- %s: %s: %.1f MB; at the end: %s\n", label, m.what, float64(m.peak)/1e6, m.now)
	}
	if split := r.instanceSplit(); split != "" {
		fmt.Fprintf(&b, "- Requests answered by each instance: %s\n", split)
	}
	b.WriteString("- server CPU/req, bench CPU/req: CPU time (all cores) of the server process")
	if len(r.mem) > 1 {
		b.WriteString("es (summed over the instances)")
	}
	b.WriteString(" and of the bench process (load generator, and the ceiling's handler) over the measured period, divided by the requests")
	if c.inProcess {
		b.WriteString(" (in-process run: the whole process, load generator included)")
	}
	if c.database != "" {
		b.WriteString("; PostgreSQL CPU/req: the same for every process named `postgres` on the machine (the cluster's backends and background workers, also any other client's)")
	}
	b.WriteString("; other procs: the share of the machine's cores that processes other than these used meanwhile (0 % on a quiet machine)\n\n")

	h := r.header()
	b.WriteString("| " + strings.Join(h, " | ") + " |\n|---|---" + strings.Repeat("|---:", len(h)-2) + "|\n")
	for _, rw := range r.scenarioRows() {
		rw[1] = "`" + rw[1] + "`"
		b.WriteString("| " + strings.Join(rw, " | ") + " |\n")
	}
	if busy := r.disturbed(); busy != "" {
		b.WriteString("\n**Warning:** other processes used a noticeable share of the CPU during " + busy +
			"; those figures understate what the server does on a quiet machine. Run again when the machine is idle.\n")
	}
	b.WriteString("\n| figure | measured | target | result |\n|---|---|---|---|\n")
	for _, t := range r.targets() {
		v := t.verdict()
		if v != "n/a" {
			v = "**" + v + "**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", t.figure, t.measured, t.goal, v)
	}
	return b.String()
}
