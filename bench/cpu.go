package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// The server and the load generator share the machine's cores, and so does
// anything else running on it. A CPU sample taken at both ends of a measured
// period splits the machine's busy time into the server's, the bench's and
// everyone else's, so a result disturbed by other work says so, and the
// server's CPU time per request is a figure that does not depend on it.

// clockTick is USER_HZ, the unit of /proc's CPU times: 100 on every Linux
// build Go supports.
const clockTick = 10 * time.Millisecond

type cpuSample struct {
	server, bench   time.Duration // process CPU time (user + system)
	db              time.Duration // all PostgreSQL processes' (when sampled)
	busy, steal     time.Duration // whole machine, all cores
	at              time.Time
	serverKnown, ok bool
}

// cpuSampler samples /proc for the server processes (none: in-process, so
// the server is the bench process itself). With several instances their CPU
// times are summed: CPU per request is then what the whole deployment spent
// on a request, whichever instance answered it.
type cpuSampler struct {
	serverPIDs []int
	// postgres: also sum the CPU time of every process named postgres
	// (the cluster's backends and background workers), so that
	// PostgreSQL's share is told apart from other processes'. Any other
	// client's backends on the same cluster count too.
	postgres bool
}

func (c cpuSampler) sample() cpuSample {
	s := cpuSample{at: time.Now()}
	var err error
	if s.bench, err = procCPU("/proc/self/stat"); err != nil {
		return s
	}
	if len(c.serverPIDs) > 0 {
		for _, pid := range c.serverPIDs {
			t, err := procCPU(fmt.Sprintf("/proc/%d/stat", pid))
			if err != nil {
				return s
			}
			s.server += t
		}
		s.serverKnown = true
	}
	if c.postgres {
		if s.db, err = commandCPU("postgres"); err != nil {
			return s
		}
	}
	if s.busy, s.steal, err = machineCPU(); err != nil {
		return s
	}
	s.ok = true
	return s
}

// cpuUse is what happened between two samples.
type cpuUse struct {
	Server, Bench, Others, Steal time.Duration
	DB                           time.Duration // PostgreSQL's processes (0 on SQLite)
	Wall                         time.Duration
	ServerKnown, OK              bool
}

func (a cpuSample) until(b cpuSample) cpuUse {
	u := cpuUse{OK: a.ok && b.ok, ServerKnown: a.serverKnown && b.serverKnown, Wall: b.at.Sub(a.at)}
	if !u.OK {
		return u
	}
	u.Server, u.Bench = b.server-a.server, b.bench-a.bench
	u.Steal = b.steal - a.steal
	// A backend that exited between the samples takes its CPU time with
	// it; the server's pool keeps its connections, so that is rare.
	u.DB = max(0, b.db-a.db)
	u.Others = max(0, (b.busy-a.busy)-u.Server-u.Bench-u.DB)
	return u
}

// procCPU reads utime + stime of a process (all its threads) from its stat file.
func procCPU(path string) (time.Duration, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, fmt.Errorf("%s: no command name", path)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("%s: short", path)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("%s: bad times", path)
	}
	return time.Duration(ut+st) * clockTick, nil
}

// commandCPU sums the CPU time of every process whose command name is comm.
// Processes that vanish while it reads are skipped.
func commandCPU(comm string) (time.Duration, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	var sum time.Duration
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/comm")
		if err != nil || strings.TrimSpace(string(b)) != comm {
			continue
		}
		if t, err := procCPU("/proc/" + e.Name() + "/stat"); err == nil {
			sum += t
		}
	}
	return sum, nil
}

// machineCPU reads the busy time of all cores (user, nice, system, irq,
// softirq) and the time the hypervisor stole, from /proc/stat.
func machineCPU() (busy, steal time.Duration, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0, fmt.Errorf("/proc/stat: unexpected first line %q", line)
	}
	var v [8]int64
	for i := range v {
		if v[i], err = strconv.ParseInt(f[i+1], 10, 64); err != nil {
			return 0, 0, fmt.Errorf("/proc/stat: %w", err)
		}
	}
	// user nice system idle iowait irq softirq steal
	busy = time.Duration(v[0]+v[1]+v[2]+v[5]+v[6]) * clockTick
	return busy, time.Duration(v[7]) * clockTick, nil
}
