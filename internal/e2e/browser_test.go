package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The browser is started once for the package and shared: each test gets
// its own tab in its own browser context (separate cookies and storage), so
// the flows can run in parallel without seeing each other's sessions, even
// though cookies ignore the port and every test server is on 127.0.0.1.
var shared struct {
	once   sync.Once
	ctx    context.Context // the browser's first tab; parent of every test's tab
	cancel func()
	skip   string
	err    error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.cancel != nil {
		shared.cancel()
	}
	os.Exit(code)
}

// Viewport of every tab: the size of the committed screenshots.
const viewportW, viewportH = 1280, 800

// chromiumNames are the binaries looked for on PATH, Debian's first.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome-stable", "google-chrome", "headless-shell"}

// findChromium returns the browser to drive: $TIXALLO_CHROMIUM, or the first
// of chromiumNames on PATH, or /usr/lib/chromium/chromium.
func findChromium() (string, error) {
	if p := os.Getenv("TIXALLO_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("TIXALLO_CHROMIUM=%s: %w", p, err)
		}
		return p, nil
	}
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	if _, err := os.Stat("/usr/lib/chromium/chromium"); err == nil {
		return "/usr/lib/chromium/chromium", nil
	}
	return "", errors.New("not found")
}

func startBrowser() {
	path, err := findChromium()
	if err != nil && os.Getenv("TIXALLO_CHROMIUM") != "" {
		// A browser named on purpose but missing is a mistake, not a skip.
		shared.err = err
		return
	}
	if err != nil {
		shared.skip = fmt.Sprintf("no Chromium binary found (looked for $TIXALLO_CHROMIUM, %s on PATH and /usr/lib/chromium/chromium): %v; install Debian's chromium package to run the browser tests",
			strings.Join(chromiumNames, ", "), err)
		return
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		// CI runs as root, where Chromium's sandbox cannot start.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(viewportW, viewportH),
		chromedp.Flag("lang", "en-US"),
		chromedp.Flag("font-render-hinting", "none"),
		chromedp.Env("TZ=UTC"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	shared.ctx = ctx
	shared.cancel = func() { cancelCtx(); cancelAlloc() }
	// The first Do starts the browser and binds it to ctx, so it gets no
	// timeout of its own; the wait below bounds it.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err = <-started:
	case <-time.After(60 * time.Second):
		err = errors.New("Chromium did not start within 60 s")
	}
	if err != nil {
		shared.err = fmt.Errorf("start %s: %w", path, err)
	}
}

// tab is one browser tab in a fresh browser context, pointed at a server.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// newTab opens a tab for t with its own cookies. Everything it does must end
// within timeout.
func newTab(t *testing.T, base string, timeout time.Duration) *tab {
	t.Helper()
	shared.once.Do(startBrowser)
	if shared.skip != "" {
		t.Skip(shared.skip)
	}
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	tctx, cancelTimeout := context.WithTimeout(shared.ctx, timeout)
	ctx, cancel := chromedp.NewContext(tctx, chromedp.WithNewBrowserContext())
	t.Cleanup(func() { cancel(); cancelTimeout() })
	tb := &tab{t: t, ctx: ctx, base: base}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(viewportW, viewportH)); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	return tb
}

func (tb *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.t.Fatalf("%s: %v (at %s)", what, err, tb.where())
	}
}

// where is the tab's current URL, for failure messages (empty if unknown).
func (tb *tab) where() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 2*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

// open loads path and returns the document's HTTP status.
func (tb *tab) open(path string) int64 {
	tb.t.Helper()
	resp, err := chromedp.Run(tb.ctx, chromedp.NavigateResponse(tb.abs(path)))
	if err != nil {
		tb.t.Fatalf("open %s: %v", path, err)
	}
	return resp.Status
}

func (tb *tab) abs(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return tb.base + path
}

// click clicks what sel finds and waits for the page that it loads; it
// returns that page's HTTP status (after redirects).
func (tb *tab) click(sel string) int64 {
	tb.t.Helper()
	return tb.navigating("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

func (tb *tab) navigating(what string, action chromedp.Action[chromedp.Void]) int64 {
	tb.t.Helper()
	resp, err := chromedp.RunResponse(tb.ctx, action)
	if err != nil {
		tb.t.Fatalf("%s: %v (at %s)", what, err, tb.where())
	}
	if resp == nil {
		tb.t.Fatalf("%s: no response", what)
	}
	return resp.Status
}

// fill types value into the field that sel finds, replacing what was there.
func (tb *tab) fill(sel, value string) {
	tb.t.Helper()
	// Empty the field first (chromedp's Clear fails on an empty textarea),
	// then type the text key by key.
	if !eval[bool](tb, fmt.Sprintf(`(el => el ? (el.value = '', true) : false)(document.querySelector(%q))`, sel)) {
		tb.t.Fatalf("fill: no %s at %s", sel, tb.where())
	}
	tb.do("fill "+sel, chromedp.SendKeys(chromedp.CSS(sel), value))
}

// choose selects the option with value in the <select> that sel finds.
func (tb *tab) choose(sel, value string) {
	tb.t.Helper()
	tb.do("choose "+sel, chromedp.SetValue(chromedp.CSS(sel), value))
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.TextContent(chromedp.CSS(sel)))
	if err != nil {
		tb.t.Fatalf("text of %s: %v (at %s)", sel, err, tb.where())
	}
	return strings.TrimSpace(s)
}

func (tb *tab) value(sel string) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		tb.t.Fatalf("value of %s: %v (at %s)", sel, err, tb.where())
	}
	return s
}

func (tb *tab) attr(sel, name string) string {
	tb.t.Helper()
	return eval[string](tb, fmt.Sprintf(`(document.querySelector(%q) || {getAttribute: () => ""}).getAttribute(%q) || ""`, sel, name))
}

// count is how many elements sel finds now (it does not wait).
func (tb *tab) count(sel string) int {
	tb.t.Helper()
	return eval[int](tb, fmt.Sprintf(`document.querySelectorAll(%q).length`, sel))
}

func (tb *tab) has(sel string) bool { tb.t.Helper(); return tb.count(sel) > 0 }

// path is the current URL's path and query.
func (tb *tab) path() string {
	tb.t.Helper()
	return eval[string](tb, `location.pathname + location.search`)
}

func eval[T any](tb *tab, js string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v (at %s)", js, err, tb.where())
	}
	return v
}

// key sends keys to whatever has the focus, as a person at the keyboard.
func (tb *tab) key(keys string) {
	tb.t.Helper()
	tb.do("press keys", chromedp.KeyEvent(keys))
}

// focused is the id of the focused element ("" for none or no id).
func (tb *tab) focused() string {
	tb.t.Helper()
	return eval[string](tb, `document.activeElement ? document.activeElement.id : ""`)
}

// tabTo presses Tab until the element with this id has the focus, and fails
// if it is not reached within limit presses: the keyboard order must reach
// every control.
func (tb *tab) tabTo(id string, limit int) int {
	tb.t.Helper()
	for i := 1; i <= limit; i++ {
		tb.key(kb.Tab)
		if tb.focused() == id {
			return i
		}
	}
	tb.t.Fatalf("#%s not reached with %d presses of Tab (focus on #%s, at %s)", id, limit, tb.focused(), tb.where())
	return 0
}

// pressEnter presses Enter on the focused element and waits for the page it
// loads.
func (tb *tab) pressEnter() int64 {
	tb.t.Helper()
	return tb.navigating("press Enter on #"+tb.focused(), chromedp.KeyEvent(kb.Enter))
}

// wantPage fails unless the tab shows path (without the query) with the h1.
func (tb *tab) wantPage(path, h1 string) {
	tb.t.Helper()
	got := tb.path()
	if p, _, _ := strings.Cut(got, "?"); p != path {
		tb.t.Fatalf("at %s, want %s", got, path)
	}
	if h1 != "" {
		if got := tb.text("h1"); !strings.Contains(got, h1) {
			tb.t.Fatalf("%s: h1 %q, want %q", path, got, h1)
		}
	}
}

// a11yScript lists what a page gets wrong among the basics that every page
// must have: lang, exactly one h1, a non-empty accessible name for every
// form control (a <label for> with text, a wrapping label, aria-label or
// aria-labelledby), for every button and link, and a submit button in every
// form that posts (so Enter submits it). It runs in the browser, on the DOM
// the browser built, after the script ran.
const a11yScript = `(() => {
  const problems = [];
  const name = el => (el.getAttribute('aria-label') || '').trim() || (el.textContent || '').trim() ||
    [...el.querySelectorAll('img[alt], svg[aria-label]')].map(i => i.getAttribute('alt') || i.getAttribute('aria-label')).join('').trim();
  const desc = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.name ? '[name=' + el.name + ']' : '');
  if (document.documentElement.lang !== 'en') problems.push('<html> lang is ' + JSON.stringify(document.documentElement.lang));
  const h1 = document.querySelectorAll('h1').length;
  if (h1 !== 1) problems.push(h1 + ' h1 elements');
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden') continue;
    const labels = [...(el.labels || [])].filter(l => l.textContent.trim() !== '');
    const byIDs = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean)
      .map(id => document.getElementById(id)).filter(n => n && n.textContent.trim() !== '');
    if (labels.length === 0 && byIDs.length === 0 && !(el.getAttribute('aria-label') || '').trim()) {
      problems.push(desc(el) + ' has no label');
    }
    for (const id of (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean)) {
      if (!document.getElementById(id)) problems.push(desc(el) + ' aria-describedby names missing #' + id);
    }
  }
  for (const el of document.querySelectorAll('button, a[href]')) {
    if (el.hidden || el.closest('[hidden]')) continue;
    if (!name(el)) problems.push(desc(el) + ' has no accessible name');
  }
  for (const el of document.querySelectorAll('[tabindex]')) {
    if (el.tabIndex > 0) problems.push(desc(el) + ' has a positive tabindex');
  }
  for (const f of document.querySelectorAll('form')) {
    if ((f.getAttribute('method') || '').toLowerCase() !== 'post') continue;
    if (![...f.elements].some(e => e.type === 'submit')) problems.push('form ' + desc(f) + ' has no submit button');
  }
  return problems;
})()`

// audit fails the test for every accessibility basic the current page misses.
func (tb *tab) audit() {
	tb.t.Helper()
	for _, p := range eval[[]string](tb, a11yScript) {
		tb.t.Errorf("%s: %s", tb.path(), p)
	}
}

// screenshot saves the viewport as name.png into $TIXALLO_SCREENSHOTS, when
// it is set.
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	dir := os.Getenv("TIXALLO_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	// Scroll to the top and take the focus ring off whatever was clicked last.
	eval[bool](tb, `(window.scrollTo(0, 0), document.activeElement && document.activeElement.blur(), true)`)
	png, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Logf("wrote %s", path)
}

// TestAuditCatchesProblems proves the accessibility audit fails pages that
// miss the basics, so its silence on the app's pages means something.
func TestAuditCatchesProblems(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="en"><title>x</title><h1>One</h1><h1>Two</h1>
<form method="post"><input name="q"><label for="e"></label><input id="e" name="e">
<label>Wrapped <input name="w"></label><input aria-label="Named" name="n">
<select name="s" aria-describedby="nope"></select><button type="button"></button><a href="/x" tabindex="3">x</a></form>`)
	}))
	defer srv.Close()
	tb := newTab(t, srv.URL, 30*time.Second)
	tb.open("/")
	got := strings.Join(eval[[]string](tb, a11yScript), "\n")
	for _, want := range []string{
		"2 h1 elements",
		"input[name=q] has no label",
		"input#e[name=e] has no label",
		"select[name=s] has no label",
		"aria-describedby names missing #nope",
		"button has no accessible name",
		"a has a positive tabindex",
		"has no submit button",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("audit missed %q; it said:\n%s", want, got)
		}
	}
	for _, ok := range []string{"[name=w]", "[name=n]"} {
		if strings.Contains(got, ok) {
			t.Errorf("audit flagged the labelled %s:\n%s", ok, got)
		}
	}
}
