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
	busy, steal     time.Duration // whole machine, all cores
	at              time.Time
	serverKnown, ok bool
}

// cpuSampler samples /proc for the server process (0: in-process, so the
// server is the bench process itself).
type cpuSampler struct{ serverPID int }

func (c cpuSampler) sample() cpuSample {
	s := cpuSample{at: time.Now()}
	var err error
	if s.bench, err = procCPU("/proc/self/stat"); err != nil {
		return s
	}
	if c.serverPID > 0 {
		if s.server, err = procCPU(fmt.Sprintf("/proc/%d/stat", c.serverPID)); err != nil {
			return s
		}
		s.serverKnown = true
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
	u.Others = max(0, (b.busy-a.busy)-u.Server-u.Bench)
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
