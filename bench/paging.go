package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// pagingResult compares the first page of the cursor paging with a deep one.
type pagingResult struct {
	Page          int
	First, Deep   []time.Duration // sorted latencies of page 1 and page Page
	Errors        int
	FirstErr      string
	WalkElapsed   time.Duration
	DeepFirstNum  int64 // ticket_number of the first ticket on the deep page
	FirstFirstNum int64
}

// runPaging walks the cursor from page 1 to page cfg.page once, then times
// GETs of page 1 and of that page, alternating, one at a time on one
// connection, so each figure is the server's own time for the page and not
// queueing behind other requests.
func runPaging(ctx context.Context, b *Bench) error {
	res := &pagingResult{Page: b.cfg.page}
	key := b.keyFor(0, 0)
	first, err := newPrepared(http.MethodGet, b.base+listPath, key, nil)
	if err != nil {
		return err
	}
	type page struct {
		Data []struct {
			TicketNumber int64 `json:"ticket_number"`
		} `json:"data"`
		NextCursor *string `json:"next_cursor"`
	}
	get := func(p *prepared) (*page, error) {
		status, body, err := fetch(b.rt, p)
		if err != nil {
			return nil, err
		}
		if status != http.StatusOK {
			return nil, fmt.Errorf("%s: status %d: %s", p.req.URL, status, body)
		}
		var pg page
		if err := json.Unmarshal(body, &pg); err != nil {
			return nil, err
		}
		if len(pg.Data) == 0 {
			return nil, fmt.Errorf("%s: empty page", p.req.URL)
		}
		return &pg, nil
	}

	t0 := time.Now()
	pg, err := get(first)
	if err != nil {
		return err
	}
	res.FirstFirstNum = pg.Data[0].TicketNumber
	deepQuery := "" // the cursor of the deep page
	for n := 2; n <= b.cfg.page; n++ {
		if pg.NextCursor == nil {
			return fmt.Errorf("the list ends at page %d, before page %d", n-1, b.cfg.page)
		}
		deepQuery = "&cursor=" + *pg.NextCursor
		// With several instances the walk goes from one to the next, so a
		// cursor signed by one instance is also read by another (they share
		// the server key); the timed GETs below are all on the first.
		p, err := newPrepared(http.MethodGet, b.baseFor(n-1)+listPath+deepQuery, key, nil)
		if err != nil {
			return err
		}
		if pg, err = get(p); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	res.DeepFirstNum = pg.Data[0].TicketNumber
	deep, err := newPrepared(http.MethodGet, b.base+listPath+deepQuery, key, nil)
	if err != nil {
		return err
	}
	res.WalkElapsed = time.Since(t0)
	b.cfg.progress(fmt.Sprintf("paging   walked to page %d in %v (its first ticket is #%d; page 1 starts at #%d)",
		b.cfg.page, res.WalkElapsed.Round(time.Millisecond), res.DeepFirstNum, res.FirstFirstNum))

	// Warm both pages up, then alternate, bounded in count and in time.
	for range 50 {
		_, _, _ = fetch(b.rt, first)
		_, _, _ = fetch(b.rt, deep)
	}
	res.First = make([]time.Duration, 0, b.cfg.pagingN)
	res.Deep = make([]time.Duration, 0, b.cfg.pagingN)
	deadline := time.Now().Add(2 * time.Minute)
	for i := 0; i < b.cfg.pagingN && time.Now().Before(deadline); i++ {
		for _, p := range []*prepared{first, deep} {
			p.reset()
			s := time.Now()
			status, err := roundTrip(b.rt, p.req)
			d := time.Since(s)
			if err != nil || status != http.StatusOK {
				res.Errors++
				if res.FirstErr == "" {
					res.FirstErr = fmt.Sprint(status, err)
				}
				continue
			}
			if p == first {
				res.First = append(res.First, d)
			} else {
				res.Deep = append(res.Deep, d)
			}
		}
	}
	sortDurations(res.First)
	sortDurations(res.Deep)
	if len(res.First) == 0 || len(res.Deep) == 0 {
		return errors.New("paging: no successful requests")
	}
	b.paging = res
	b.cfg.progress(fmt.Sprintf("paging   page 1 p50 %v, page %d p50 %v (%d each, %d errors)",
		quantile(res.First, 0.5).Round(time.Microsecond), res.Page, quantile(res.Deep, 0.5).Round(time.Microsecond),
		len(res.First), res.Errors))
	return nil
}
