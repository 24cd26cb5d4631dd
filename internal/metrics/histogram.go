package metrics

import (
	"fmt"
	"io"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultBuckets suit request latencies in seconds, from 1 ms to 10 s.
var DefaultBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// HistogramVec is a family of histograms with fixed upper bounds.
type HistogramVec struct {
	name, help string
	labels     []string
	buckets    []float64
	mu         sync.RWMutex
	series     map[string]*histSeries
}

type histSeries struct {
	values []string
	counts []atomic.Uint64 // one per bucket, not cumulative; +Inf is count
	count  atomic.Uint64
	sum    atomic.Uint64 // float64 bits, updated by CAS
}

// NewHistogramVec registers a histogram family.
func (r *Registry) NewHistogramVec(name, help string, buckets []float64, labels ...string) *HistogramVec {
	h := &HistogramVec{name: name, help: help, labels: labels, buckets: buckets, series: map[string]*histSeries{}}
	r.add(h)
	return h
}

// Observe records one value.
func (h *HistogramVec) Observe(v float64, values ...string) {
	key := labelKey(values)
	h.mu.RLock()
	s, ok := h.series[key]
	h.mu.RUnlock()
	if !ok {
		h.mu.Lock()
		if s, ok = h.series[key]; !ok {
			s = &histSeries{values: append([]string(nil), values...), counts: make([]atomic.Uint64, len(h.buckets))}
			h.series[key] = s
		}
		h.mu.Unlock()
	}
	for i, ub := range h.buckets {
		if v <= ub {
			s.counts[i].Add(1)
			break
		}
	}
	s.count.Add(1)
	for {
		old := s.sum.Load()
		if s.sum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			break
		}
	}
}

// ObserveDuration records d in seconds.
func (h *HistogramVec) ObserveDuration(d time.Duration, values ...string) {
	h.Observe(d.Seconds(), values...)
}

func (h *HistogramVec) write(w io.Writer) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s histogram\n", h.name, h.help, h.name)
	h.mu.RLock()
	all := make([]*histSeries, 0, len(h.series))
	for _, s := range h.series {
		all = append(all, s)
	}
	h.mu.RUnlock()
	sortHist(all)
	for _, s := range all {
		var cum uint64
		for i, ub := range h.buckets {
			cum += s.counts[i].Load()
			fmt.Fprintf(w, "%s_bucket%s %d\n", h.name, formatLabels(h.labels, s.values, "le", formatFloat(ub)), cum)
		}
		n := s.count.Load()
		fmt.Fprintf(w, "%s_bucket%s %d\n", h.name, formatLabels(h.labels, s.values, "le", "+Inf"), n)
		fmt.Fprintf(w, "%s_sum%s %s\n", h.name, formatLabels(h.labels, s.values), formatFloat(math.Float64frombits(s.sum.Load())))
		fmt.Fprintf(w, "%s_count%s %d\n", h.name, formatLabels(h.labels, s.values), n)
	}
}

func sortHist(s []*histSeries) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && labelKey(s[j].values) < labelKey(s[j-1].values); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
