package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
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
	rss     int64
	rssErr  error
	rssWhat string
	memNow  string // the resident set at the end, in parts
	dbSize  int64  // the database file after seeding
	walSize int64  // its write-ahead log then
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
	for _, name := range []string{"ceiling", "list", "get", "create", "message"} {
		res, ok := r.bench.results[name]
		if !ok {
			continue
		}
		rows = append(rows, r.scenarioRow(name, scenarioLabels[name], res))
	}
	for name, res := range r.bench.results { // scenarios added later (-app)
		if _, known := scenarioLabels[name]; !known {
			rows = append(rows, r.scenarioRow(name, name, res))
		}
	}
	return rows
}

var scenarioHeader = row{"scenario", "request", "req/s", "p50", "p99", "errors", "server CPU/req", "bench CPU/req", "other procs"}

func (r *report) scenarioRow(name, label string, res *Result) row {
	cpu, bench, others := "—", "—", "—"
	if res.CPU.OK && res.Requests > 0 {
		if res.CPU.ServerKnown {
			bench = fmt.Sprintf("%.0f µs", float64(res.CPU.Bench/time.Duration(res.Requests))/float64(time.Microsecond))
		}
		cpu = fmt.Sprintf("%.0f µs", float64(res.ServerCPUPerRequest())/float64(time.Microsecond))
		if name == "ceiling" {
			cpu = "—" // the ceiling runs in the bench process, not the server
		}
		others = fmt.Sprintf("%.0f %%", 100*res.OthersShare(r.machine.Cores))
	}
	return row{name, label, fmt.Sprintf("%.0f", res.RPS()), ms(res.Quantile(0.50)), ms(res.Quantile(0.99)),
		fmt.Sprint(res.Errors), cpu, bench, others}
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

	list, okL := res["list"]
	ceil, okC := res["ceiling"]
	t := target{figure: "list throughput / ceiling", goal: "≥ 0.35", measured: "—"}
	if okL && okC && ceil.RPS() > 0 {
		ratio := list.RPS() / ceil.RPS()
		t.measured = fmt.Sprintf("%.2f (%.0f / %.0f req/s)", ratio, list.RPS(), ceil.RPS())
		t.known, t.ok = true, ratio >= 0.35 && clean(list, ceil)
	}
	ts = append(ts, t)

	t = target{figure: "create throughput (synchronous=FULL)", goal: "≥ 3,000 tickets/s", measured: "—"}
	if c, ok := res["create"]; ok {
		t.measured = fmt.Sprintf("%.0f tickets/s", c.RPS())
		t.known, t.ok = true, c.RPS() >= 3000 && clean(c)
	}
	ts = append(ts, t)

	for _, name := range []string{"list", "get"} {
		t = target{figure: name + " p99", goal: "≤ 10 ms", measured: "—"}
		if x, ok := res[name]; ok {
			p99 := x.Quantile(0.99)
			t.measured = ms(p99)
			t.known, t.ok = true, p99 <= 10*time.Millisecond && clean(x)
		}
		ts = append(ts, t)
	}

	t = target{figure: "server peak RSS", goal: "≤ 100 MB", measured: "—"}
	if r.rssErr == nil && r.rss > 0 {
		t.measured = fmt.Sprintf("%.1f MB", float64(r.rss)/1e6)
		t.known, t.ok = true, r.rss <= 100e6
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
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(scenarioHeader, "\t"))
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
	if c.inProcess {
		server = "in the bench process"
	}
	fmt.Fprintf(&b, "- Server: %s; SQLite `synchronous=FULL`, WAL; `--api-rate-limit 1000000 --api-rate-window 60s`\n", server)
	s := r.fx.Counts
	fmt.Fprintf(&b, "- Data: %d workspaces, %d API keys, %d tickets (%d in the big workspace, from %d of its customers), %d customers in all, %d messages, %d events; database file %.0f MB (+ %.0f MB WAL); seeded in %v\n",
		s.Workspaces, s.Keys, s.Tickets, c.seed.Tickets, len(r.fx.CustomerEmail), s.Customers, s.Messages, s.Events,
		float64(r.dbSize)/1e6, float64(r.walSize)/1e6, s.Elapsed.Round(time.Second))
	fmt.Fprintf(&b, "- Load: %d connections, closed loop, %v warm-up + %v measured per scenario, requests spread over %d keys; response of the list: %d bytes\n",
		c.conns, c.warmup, c.duration, min(c.keys, len(r.fx.Keys)), len(r.bench.listBody))
	if p := r.bench.paging; p != nil {
		fmt.Fprintf(&b, "- Paging: cursor walked to page %d once (%v); then %d GETs of each page, alternating, on one connection\n",
			p.Page, p.WalkElapsed.Round(time.Millisecond), len(p.First))
	}
	fmt.Fprintf(&b, "- Peak RSS: %s; at the end: %s\n", r.rssWhat, r.memNow)
	b.WriteString("- server CPU/req, bench CPU/req: CPU time (all cores) of the server process and of the bench process (load generator, and the ceiling's handler) over the measured period, divided by the requests")
	if c.inProcess {
		b.WriteString(" (in-process run: the whole process, load generator included)")
	}
	b.WriteString("; other procs: the share of the machine's cores that processes other than the server and the bench used meanwhile (0 % on a quiet machine)\n\n")

	b.WriteString("| " + strings.Join(scenarioHeader, " | ") + " |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
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
