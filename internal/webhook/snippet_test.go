package webhook

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/tixallo/tixallo/internal/egress"
	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/store/teststore"
)

// The verification snippets of docs/webhooks.md are files under testdata,
// quoted in the doc byte for byte. These tests run each one as a receiver
// and send it deliveries made by Tixallo's own Sender: signed ones must
// pass, tampered, stale or wrongly signed ones must be refused.

// snippetOnce runs the snippet tests in the SQLite pass only: they use no
// store, and building and starting programs twice proves nothing more.
func snippetOnce(t *testing.T) {
	t.Helper()
	if teststore.Current() != teststore.SQLite {
		t.Skip("the snippets use no store; they ran in the SQLite pass")
	}
}

// needTool skips the test when a program the snippet needs is missing,
// unless the environment variable require is 1 (CI sets it), and then fails.
func needTool(t *testing.T, require, why string, ok bool) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv(require) == "1" {
		t.Fatalf("%s, and %s=1", why, require)
	}
	t.Skipf("%s (set %s=1 to make this a failure)", why, require)
}

// inDoc checks that docs/webhooks.md quotes the file as a fenced block.
func inDoc(t *testing.T, file, lang string) {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "webhooks.md"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(doc, []byte("```"+lang+"\n"+string(src)+"```\n")) {
		t.Fatalf("docs/webhooks.md does not quote %s exactly (a ```%s block); copy the file into the doc", file, lang)
	}
}

// output collects a program's stdout and stderr.
type output struct {
	mu    sync.Mutex
	lines []string
	addr  chan string
}

var listening = regexp.MustCompile(`listening on (?:port )?(\S+)$`)

func (o *output) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		o.mu.Lock()
		o.lines = append(o.lines, line)
		o.mu.Unlock()
		if m := listening.FindStringSubmatch(line); m != nil {
			select {
			case o.addr <- m[1]:
			default:
			}
		}
	}
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return strings.Join(o.lines, "\n")
}

// startReceiver starts a snippet program, which listens on 127.0.0.1 at a
// port of its choosing and says which, and returns its URL.
func startReceiver(t *testing.T, secret string, name string, args ...string) (string, *output) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "TIXALLO_WEBHOOK_SECRET="+secret,
		"LISTEN_ADDR=127.0.0.1:0", "HOST=127.0.0.1", "PORT=0")
	out := &output{addr: make(chan string, 1)}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	go out.read(pr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); pw.Close(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	select {
	case addr := <-out.addr:
		if !strings.Contains(addr, ":") {
			addr = "127.0.0.1:" + addr // a port alone
		}
		return "http://" + addr + "/tixallo", out
	case <-exited:
		t.Fatalf("%s exited:\n%s", name, out)
	case <-time.After(20 * time.Second):
		t.Fatalf("%s did not say where it listens:\n%s", name, out)
	}
	return "", nil
}

// checkReceiver sends the receiver what Tixallo sends, and what it does
// not: the receiver must take exactly the genuine deliveries.
func checkReceiver(t *testing.T, url, secret string, out *output) {
	t.Helper()
	other, err := NewSecret(strings.NewReader(strings.Repeat("x", 32)))
	if err != nil {
		t.Fatal(err)
	}
	sender := NewSender(egress.NewClient(egress.Options{AllowPrivate: true}))
	body := func(id string) []byte {
		// Non-ASCII text proves the raw bytes are verified, not a re-decoding.
		return []byte(`{"event_type":"ticket.created","event_id":"` + id + `","created_at":"2026-11-26T10:15:02Z",` +
			`"subject":"Drucker brennt – 🔥","status":"new"}`)
	}
	send := func(what string, want int, id string, at time.Time, secrets ...string) {
		t.Helper()
		res := sender.SendWebhook(t.Context(), helpdesk.WebhookMessage{URL: url, ID: id, Timestamp: at,
			Body: body(id), Secrets: secrets})
		if res.StatusCode != want {
			t.Errorf("%s: %d %s %s, want %d\nreceiver output:\n%s", what, res.StatusCode, res.Error, res.Response, want, out)
		}
	}
	now := time.Now()
	genuine, rotating := uuid.NewString(), uuid.NewString()
	send("a delivery", http.StatusNoContent, genuine, now, secret)
	send("a delivery during a rotation", http.StatusNoContent, rotating, now, other, secret)
	send("another endpoint's secret", http.StatusUnauthorized, uuid.NewString(), now, other)
	send("a replay 10 minutes old", http.StatusUnauthorized, uuid.NewString(), now.Add(-10*time.Minute), secret)

	// A body changed on the way, under the original's headers.
	id := uuid.NewString()
	headers, err := Headers(id, now, body(id), secret)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url,
		bytes.NewReader(bytes.Replace(body(id), []byte(`"new"`), []byte(`"old"`), 1)))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a tampered body: %d, want 401\nreceiver output:\n%s", resp.StatusCode, out)
	}

	// The receiver handled the genuine ones: it printed their ids.
	waitFor(t, "the receiver to print the genuine event ids", 5*time.Second, func() bool {
		s := out.String()
		return strings.Contains(s, genuine) && strings.Contains(s, rotating)
	})
}

func TestGoSnippet(t *testing.T) {
	t.Parallel()
	snippetOnce(t)
	src := filepath.Join("testdata", "goreceiver", "main.go")
	inDoc(t, src, "go")
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the Go snippet: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "receiver")
	build := exec.Command(gobin, "build", "-o", bin, "./"+filepath.Dir(src))
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", src, err, out)
	}
	secret := newTestSecret(t)
	url, out := startReceiver(t, secret, bin)
	checkReceiver(t, url, secret, out)
}

func TestNodeSnippet(t *testing.T) {
	t.Parallel()
	snippetOnce(t)
	dir := filepath.Join("testdata", "node")
	src := filepath.Join(dir, "receiver.mjs")
	inDoc(t, src, "js")
	node, err := exec.LookPath("node")
	needTool(t, "TIXALLO_REQUIRE_NODE", "node is not on PATH", err == nil)
	_, err = os.Stat(filepath.Join(dir, "node_modules", "standardwebhooks", "package.json"))
	needTool(t, "TIXALLO_REQUIRE_NODE",
		"the Node snippet's packages are not installed: npm ci --prefix internal/webhook/testdata/node", err == nil)
	secret := newTestSecret(t)
	url, out := startReceiver(t, secret, node, src)
	checkReceiver(t, url, secret, out)
}

func TestPythonSnippet(t *testing.T) {
	t.Parallel()
	snippetOnce(t)
	src := filepath.Join("testdata", "python", "receiver.py")
	inDoc(t, src, "python")
	python, err := exec.LookPath("python3")
	needTool(t, "TIXALLO_REQUIRE_PYTHON", "python3 is not on PATH", err == nil)
	secret := newTestSecret(t)
	url, out := startReceiver(t, secret, python, "-u", src)
	checkReceiver(t, url, secret, out)
}

func newTestSecret(t *testing.T) string {
	t.Helper()
	s, err := NewSecret(strings.NewReader(uuid.NewString()))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
