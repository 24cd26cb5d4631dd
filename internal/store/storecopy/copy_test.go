package storecopy

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/fakeclock"
	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/store/postgres"
	"github.com/tixallo/tixallo/internal/store/sqlite"
	"github.com/tixallo/tixallo/internal/store/teststore"
)

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// dump is every row of the PostgreSQL schema, for comparing before and
// after a copy that must change nothing.
func dump(t *testing.T, url string) []teststore.Part {
	t.Helper()
	parts, err := teststore.DumpPostgres(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	return parts
}

func sameDump(a, b []teststore.Part) bool {
	return slices.EqualFunc(a, b, func(x, y teststore.Part) bool { return x.Name == y.Name && bytes.Equal(x.Text, y.Text) })
}

// TestCopyRefusesNonEmptyTarget: a database holding a workspace, or only a
// user, is refused before anything is written to it or to the SQLite file.
func TestCopyRefusesNonEmptyTarget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fill func(t *testing.T, url string)
	}{
		{"a workspace", func(t *testing.T, url string) {
			s, err := postgres.Open(t.Context(), url, postgres.Options{MaxConns: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			svc := helpdesk.NewService(s, helpdesk.Options{})
			if _, err := svc.CreateWorkspace(t.Context(), helpdesk.NewWorkspace{Name: "Already here"}, "o@here.test"); err != nil {
				t.Fatal(err)
			}
		}},
		{"only a user", func(t *testing.T, url string) {
			if _, err := pgConn(t, url).Exec(t.Context(), `INSERT INTO users (id, email, name, created_at, updated_at)
				VALUES ('u1', 'someone@here.test', 'Someone', now(), now())`); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := newSource(t)
			url := migratedTarget(t)
			tt.fill(t, url)
			before, sum := dump(t, url), fileSum(t, src.path)
			_, err := Copy(t.Context(), Options{SQLitePath: src.path, PostgresURL: url})
			if !errors.Is(err, ErrNotEmpty) {
				t.Fatalf("copy into a database holding %s: %v, want ErrNotEmpty", tt.name, err)
			}
			if !sameDump(before, dump(t, url)) {
				t.Error("the refused copy changed the PostgreSQL database")
			}
			if fileSum(t, src.path) != sum {
				t.Error("the refused copy changed the SQLite file")
			}
		})
	}
}

// TestCopyRollsBackMidway: a row PostgreSQL rejects (text holding a NUL,
// which SQLite stores and PostgreSQL cannot) fails the copy of a table
// copied after others, and nothing of the copy stays; with the row mended,
// the same database then takes the copy.
func TestCopyRollsBackMidway(t *testing.T) {
	t.Parallel()
	src := newSource(t)
	url := newTarget(t)
	sqliteExec(t, src.path, `UPDATE messages SET body = 'bad' || char(0) || 'byte' WHERE rowid = (SELECT max(rowid) FROM messages)`)
	_, err := Copy(t.Context(), Options{SQLitePath: src.path, PostgresURL: url})
	if err == nil || !strings.Contains(err.Error(), "copy messages") {
		t.Fatalf("copy with a NUL in a message: %v, want a failure copying messages", err)
	}
	counts := rowCounts(t, url)
	if len(counts) < 17 {
		t.Fatalf("the migrations did not run: tables %v", counts)
	}
	for table, n := range counts {
		if n != 0 {
			t.Errorf("%s holds %d rows after the failed copy", table, n)
		}
	}
	var seq int64
	if err := pgConn(t, url).QueryRow(t.Context(), `SELECT last_value FROM events_seq_seq`).Scan(&seq); err != nil || seq != 1 {
		t.Errorf("events_seq_seq at %d after the failed copy (%v), want untouched", seq, err)
	}

	sqliteExec(t, src.path, `UPDATE messages SET body = 'mended' WHERE body LIKE 'bad%'`)
	res, err := Copy(t.Context(), Options{SQLitePath: src.path, PostgresURL: url})
	if err != nil {
		t.Fatal(err)
	}
	if got := rowCounts(t, url)["messages"]; got != 3 || res.Rows == 0 {
		t.Errorf("messages copied: %d, want 3", got)
	}
}

// TestCopyValues: values that the types make easy to lose come through
// exactly: an empty BLOB stays empty and a NULL stays NULL, times keep
// their microseconds, booleans stay booleans; and the event seq continues
// after the highest one SQLite ever handed out, even when pruning left no
// event behind.
func TestCopyValues(t *testing.T) {
	t.Parallel()
	var lastSeq int64
	src := newSource(t, func(svc *helpdesk.Service, clock *fakeclock.Clock, src *source) {
		ctx := t.Context()
		evs, err := svc.Events(ctx, src.ws, 0, 100)
		if err != nil || len(evs) == 0 {
			t.Fatalf("events: %v %v", evs, err)
		}
		lastSeq = evs[len(evs)-1].Seq
		clock.Advance(helpdesk.EventRetention + time.Hour)
		if err := svc.Prune(ctx); err != nil {
			t.Fatal(err)
		}
	})
	sqliteExec(t, src.path,
		`INSERT INTO idempotency_records (workspace_id, key, fingerprint, status, body, created_at, locked_until)
			VALUES ('`+src.ws+`', 'empty', X'01', 204, X'', 1764200000123456, 1764200000123457),
			       ('`+src.ws+`', 'null', X'', 0, NULL, 1764200000000001, 1764200000000002)`)
	url := newTarget(t)
	if _, err := Copy(t.Context(), Options{SQLitePath: src.path, PostgresURL: url}); err != nil {
		t.Fatal(err)
	}
	c := pgConn(t, url)
	ctx := t.Context()
	type rec struct {
		fingerprint, body []byte
		created           time.Time
	}
	got := map[string]rec{}
	rows, err := c.Query(ctx, `SELECT key, fingerprint, body, created_at FROM idempotency_records`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var (
			k string
			r rec
		)
		if err := rows.Scan(&k, &r.fingerprint, &r.body, &r.created); err != nil {
			t.Fatal(err)
		}
		got[k] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if r := got["empty"]; r.body == nil || len(r.body) != 0 || r.created.UnixMicro() != 1764200000123456 {
		t.Errorf("empty body: %#v at %d", r.body, r.created.UnixMicro())
	}
	if r := got["null"]; r.body != nil || r.fingerprint == nil || len(r.fingerprint) != 0 {
		t.Errorf("NULL body %#v, empty fingerprint %#v", r.body, r.fingerprint)
	}
	var defaults int
	if err := c.QueryRow(ctx, `SELECT count(*) FROM inboxes WHERE is_default`).Scan(&defaults); err != nil || defaults != 1 {
		t.Errorf("default inboxes: %d (%v), want 1", defaults, err)
	}
	var events int
	if err := c.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&events); err != nil || events != 0 {
		t.Fatalf("events copied: %d (%v), want none: they were pruned", events, err)
	}

	// A new event on PostgreSQL, through its store, takes a seq after the
	// pruned ones, so a feed cursor kept from SQLite never skips it.
	st, err := postgres.Open(ctx, url, postgres.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := helpdesk.NewService(st, helpdesk.Options{})
	if _, err := svc.CreateTicket(ctx, src.ws, helpdesk.NewTicket{Subject: "After", Description: "d", CustomerEmail: "c@example.com", Source: helpdesk.SourceAPI}); err != nil {
		t.Fatal(err)
	}
	evs, err := svc.Events(ctx, src.ws, lastSeq, 10)
	if err != nil || len(evs) == 0 || evs[0].Seq <= lastSeq {
		t.Fatalf("events after seq %d on PostgreSQL: %v (%v)", lastSeq, evs, err)
	}
}

// holdEnv names the SQLite file that TestCopyHelperHoldOpen, run as a
// child process, keeps open.
const holdEnv = "STORECOPY_TEST_HOLD_OPEN"

// TestCopyHelperHoldOpen is not a test: TestCopyRefusesOpenFile runs the
// test binary again with only it, as another process holding the database
// open the way a server does, until its stdin closes.
func TestCopyHelperHoldOpen(t *testing.T) {
	path := os.Getenv(holdEnv)
	if path == "" {
		t.Skip("runs only as TestCopyRefusesOpenFile's child process")
	}
	st, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("open\n")
	bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes it
	st.Close()
}

// TestCopyRefusesOpenFile: while another process has the SQLite file open,
// as a server still running on it would, the copy is refused before it
// connects anywhere; once that process is gone, it goes ahead.
func TestCopyRefusesOpenFile(t *testing.T) {
	t.Parallel()
	src := newSource(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestCopyHelperHoldOpen$")
	cmd.Env = append(os.Environ(), holdEnv+"="+src.path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "open\n" {
		t.Fatalf("child process: %q, %v", line, err)
	}

	// Nothing listens on port 1: the refusal must come before any connection.
	_, err = Copy(t.Context(), Options{SQLitePath: src.path, PostgresURL: "postgres://nobody@127.0.0.1:1/none"})
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("copy of a file open in another process: %v, want ErrInUse", err)
	}

	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child process: %v", err)
	}
	if teststore.PostgresURL() == "" {
		return
	}
	if _, err := Copy(t.Context(), Options{SQLitePath: src.path, PostgresURL: newTarget(t)}); err != nil {
		t.Fatalf("copy once the other process is gone: %v", err)
	}
}

// TestCopyRefusesForcedRowSecurity: where the policies would apply to the
// URL's role too (FORCE ROW LEVEL SECURITY), the copy would see and write
// only what they allow; it refuses, naming the table, and changes nothing.
func TestCopyRefusesForcedRowSecurity(t *testing.T) {
	t.Parallel()
	src := newSource(t)
	url := migratedTarget(t)
	if _, err := pgConn(t, url).Exec(t.Context(), `ALTER TABLE tickets FORCE ROW LEVEL SECURITY`); err != nil {
		t.Fatal(err)
	}
	before := dump(t, url)
	_, err := Copy(t.Context(), Options{SQLitePath: src.path, PostgresURL: url})
	if err == nil || !strings.Contains(err.Error(), "row-level security applies to this role on table") || !strings.Contains(err.Error(), ".tickets") {
		t.Fatalf("copy into FORCEd tables: %v", err)
	}
	if !sameDump(before, dump(t, url)) {
		t.Error("the refused copy changed the PostgreSQL database")
	}
}
