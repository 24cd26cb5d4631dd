package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkTicketReads serves the API's two reads through the whole server
// (router, authentication, access log, store), without the network: the
// list's first page of 20 and one ticket with two messages. Descriptions are
// about 1 KB of prose, as in the bench's seed. The harness logs every
// request into memory, so keep the runs short:
//
//	go test -run '^$' -bench TicketReads -benchtime 2000x -benchmem ./internal/api
func BenchmarkTicketReads(b *testing.B) {
	e := newEnv(b)
	tn := e.newTenant()
	prose := strings.Repeat("The printer on floor three stopped working after the update. It shows an error "+
		"and the queue is stuck. Could you please have a look at it today? ", 6)
	var id string
	for i := range 30 {
		body, _ := json.Marshal(map[string]string{"subject": fmt.Sprintf("Printer %d is broken", i),
			"description": prose, "customer_email": fmt.Sprintf("c%d@example.com", i%7), "customer_name": "Zoë"})
		w := e.do("POST", "/api/v1/tickets", tn.key, string(body))
		if w.Code != http.StatusCreated {
			b.Fatalf("create ticket: %d %s", w.Code, w.Body)
		}
		var out dataObject[ticketObject]
		mustUnmarshal(b, w.Body.Bytes(), &out)
		id = out.Data.ID
	}
	for range 2 {
		w := e.do("POST", "/api/v1/tickets/"+id+"/messages", tn.key, `{"body":"`+prose+`","author_type":"customer"}`)
		if w.Code != http.StatusCreated {
			b.Fatalf("create message: %d %s", w.Code, w.Body)
		}
	}
	for _, tc := range []struct{ name, path string }{
		{"list", "/api/v1/tickets?limit=20"},
		{"get", "/api/v1/tickets/" + id},
	} {
		b.Run(tc.name, func(b *testing.B) {
			start := processCPU(b)
			for b.Loop() {
				if w := e.do("GET", tc.path, tn.key, ""); w.Code != http.StatusOK {
					b.Fatalf("%d %s", w.Code, w.Body)
				}
			}
			b.ReportMetric(float64((processCPU(b)-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPU is the CPU time the process has used, GC included. Divided by
// the requests it is a steadier figure than ns/op on a machine that other
// work shares: time spent waiting for a core is not in it.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
