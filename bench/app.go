package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// The agent app's two busiest pages, measured like the API: a closed loop
// over keep-alive connections, each request carrying the session cookie of
// the big workspace's owner (who logs in through the real form first).
// The target is a server-side render p99 of at most 20 ms at 8
// connections; the latency measured here is the whole round trip over
// loopback, so it bounds the server's time from above.
const (
	appConns    = 8
	appP99Goal  = 20 * time.Millisecond
	appMessages = 200 // messages on the measured ticket
	appNotes    = 20  // of which internal notes, written through the app
)

var (
	ticketRowRE = regexp.MustCompile(`data-test="ticket-row"`)
	messageRE   = regexp.MustCompile(`data-test="message"`)
	csrfRE      = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
)

// appClient is the set-up's client: the bench's transport, no redirects
// followed, so the log-in's Set-Cookie and each 303 are seen.
func (b *Bench) appClient() *http.Client {
	return &http.Client{
		Transport:     b.rt,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// appLogin logs the big workspace's owner in through POST /login and
// returns the Cookie header value of the session.
func (b *Bench) appLogin(ctx context.Context) (string, error) {
	form := url.Values{"email": {b.fx.OwnerEmail}, "password": {b.fx.OwnerPassword}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.appClient().Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("log in as %s: status %d", b.fx.OwnerEmail, resp.StatusCode)
	}
	for _, c := range resp.Cookies() {
		if strings.HasSuffix(c.Name, "tixallo_session") && c.Value != "" {
			return c.Name + "=" + c.Value, nil
		}
	}
	return "", errors.New("log in: no session cookie")
}

// appGet fetches one app page with the session and returns its body.
func (b *Bench) appGet(ctx context.Context, cookie, path string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.base+path, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Cookie", cookie)
	resp, err := b.appClient().Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
	}
	return string(body), nil
}

// appRings gives each of the appConns workers its own copy of the request
// (to its instance: the session lives in the database, so any instance
// accepts it).
func (b *Bench) appRings(path, cookie string) ([][]*prepared, error) {
	rings := make([][]*prepared, appConns)
	for w := range rings {
		p, err := newPrepared(http.MethodGet, b.baseFor(w)+path, "", nil)
		if err != nil {
			return nil, err
		}
		p.req.Header.Set("Accept", "text/html")
		p.req.Header.Set("Cookie", cookie)
		rings[w] = []*prepared{p}
	}
	return rings, nil
}

// measureApp runs one page's load and says how its p99 compares with the
// target.
func (b *Bench) measureApp(ctx context.Context, name, path, cookie string) error {
	rings, err := b.appRings(path, cookie)
	if err != nil {
		return err
	}
	r := b.measure(ctx, name, Load{Rings: rings, WantStatus: http.StatusOK})
	verdict := "PASS"
	if r.Quantile(0.99) > appP99Goal || r.Errors > 0 || r.Requests == 0 {
		verdict = "MISS"
	}
	b.cfg.progress(fmt.Sprintf("%-8s GET %s at %d connections: p99 %s, target ≤ %s: %s",
		name, path, appConns, ms(r.Quantile(0.99)), ms(appP99Goal), verdict))
	return nil
}

// runAppList: GET /tickets, the list as an agent first sees it (unresolved
// tickets, newest first, 25 a page, the status tabs with their counts) in
// the big workspace.
func runAppList(ctx context.Context, b *Bench) error {
	cookie, err := b.appLogin(ctx)
	if err != nil {
		return err
	}
	body, err := b.appGet(ctx, cookie, "/tickets")
	if err != nil {
		return err
	}
	if n := len(ticketRowRE.FindAllStringIndex(body, -1)); n != 25 {
		return fmt.Errorf("GET /tickets shows %d ticket rows, want 25", n)
	}
	b.cfg.progress(fmt.Sprintf("app-list: the workspace holds %d tickets; the page is %d bytes", b.cfg.seed.Tickets, len(body)))
	return b.measureApp(ctx, "app-list", "/tickets", cookie)
}

// runAppTicket: GET /tickets/{number} of a ticket with appMessages messages:
// a long conversation between a customer and agents, made through the API,
// with internal notes written through the app.
func runAppTicket(ctx context.Context, b *Bench) error {
	cookie, err := b.appLogin(ctx)
	if err != nil {
		return err
	}
	number, err := b.longTicket(ctx, cookie)
	if err != nil {
		return err
	}
	path := fmt.Sprintf("/tickets/%d", number)
	body, err := b.appGet(ctx, cookie, path)
	if err != nil {
		return err
	}
	// The description is shown as the first entry of the conversation.
	if n := len(messageRE.FindAllStringIndex(body, -1)); n != appMessages+1 {
		return fmt.Errorf("GET %s shows %d conversation entries, want %d", path, n, appMessages+1)
	}
	b.cfg.progress(fmt.Sprintf("app-ticket: ticket #%d has %d messages (%d internal notes); the page is %d bytes", number, appMessages, appNotes, len(body)))
	return b.measureApp(ctx, "app-ticket", path, cookie)
}

// longTicket creates the measured ticket and its conversation and returns
// its number.
func (b *Bench) longTicket(ctx context.Context, cookie string) (int64, error) {
	key := b.fx.Keys[0]
	in, _ := json.Marshal(map[string]any{
		"subject":        "Orders from our EU shop fail at checkout since the update",
		"description":    b.text.paragraphs(2, 60, 120),
		"customer_email": pick(b.text.rng, b.fx.CustomerEmail),
		"priority":       "high",
	})
	p, err := newPrepared(http.MethodPost, b.base+"/api/v1/tickets", key, in)
	if err != nil {
		return 0, err
	}
	status, body, err := fetch(b.rt, p)
	if err != nil {
		return 0, err
	}
	if status != http.StatusCreated {
		return 0, fmt.Errorf("create the long ticket: status %d: %s", status, body)
	}
	var created struct {
		Data struct {
			ID     string `json:"id"`
			Number int64  `json:"ticket_number"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &created); err != nil {
		return 0, err
	}
	path := fmt.Sprintf("/tickets/%d", created.Data.Number)
	page, err := b.appGet(ctx, cookie, path)
	if err != nil {
		return 0, err
	}
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		return 0, fmt.Errorf("GET %s: no csrf_token", path)
	}
	token := m[1]
	every := appMessages / appNotes
	for i := range appMessages {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		text := b.text.paragraphs(1+b.text.rng.IntN(2), 20, 80)
		if i%every == every-1 {
			if err := b.appNote(ctx, cookie, token, created.Data.Number, text); err != nil {
				return 0, err
			}
			continue
		}
		msg := map[string]any{"body": text}
		if i%2 == 1 {
			msg["author_type"], msg["author_name"] = "agent", pick(b.text.rng, firstNames)
		}
		in, _ := json.Marshal(msg)
		p, err := newPrepared(http.MethodPost, b.base+"/api/v1/tickets/"+created.Data.ID+"/messages", key, in)
		if err != nil {
			return 0, err
		}
		status, body, err := fetch(b.rt, p)
		if err != nil {
			return 0, err
		}
		if status != http.StatusCreated {
			return 0, fmt.Errorf("add message %d: status %d: %s", i, status, body)
		}
	}
	return created.Data.Number, nil
}

// appNote adds an internal note through the app's form, as an agent does.
func (b *Bench) appNote(ctx context.Context, cookie, token string, number int64, text string) error {
	form := url.Values{"csrf_token": {token}, "kind": {"note"}, "body": {text}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf("%s/tickets/%d/messages", b.base, number), strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", cookie)
	resp, err := b.appClient().Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("add a note through the app: status %d", resp.StatusCode)
	}
	return nil
}
