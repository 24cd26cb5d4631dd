package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tixallo/tixallo/internal/apikey"
)

var keyPattern = regexp.MustCompile(`^tix_[0-9A-Za-z]{46}$`)

// cli runs the program in-process with a private database.
type cli struct {
	t  *testing.T
	db string
	// keyFile is the server key file, set when db is a PostgreSQL URL (on
	// SQLite the key lives beside the database file).
	keyFile string
}

// keyPath is where the server key of c's database lives.
func (c *cli) keyPath() string {
	if c.keyFile != "" {
		return c.keyFile
	}
	return c.db + ".key"
}

func newCLI(t *testing.T) *cli {
	return &cli{t: t, db: filepath.Join(t.TempDir(), "tixallo.db")}
}

func (c *cli) run(args ...string) (stdout, stderr string, err error) {
	c.t.Helper()
	var out, errb bytes.Buffer
	env := map[string]string{"TIXALLO_DATABASE": c.db, "TIXALLO_SECRET_KEY_FILE": c.keyFile}
	err = run(context.Background(), args, func(k string) string { return env[k] }, &out, &errb)
	return out.String(), errb.String(), err
}

func (c *cli) must(args ...string) string {
	c.t.Helper()
	out, errOut, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("tixallo %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

func TestWorkspaceAndKeyCommands(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	var ws struct {
		ID, Name, Slug, CreatedAt, OwnerEmail, OwnerLink string
	}
	out := c.must("workspace", "create", "--name", "Acme Support", "--owner-email", " Owner@Acme.test ")
	if err := json.Unmarshal([]byte(out), &ws); err != nil {
		t.Fatalf("workspace create printed %q: %v", out, err)
	}
	if ws.Slug != "acme-support" || ws.Name != "Acme Support" || !strings.Contains(out, `"owner_email": "owner@acme.test"`) {
		t.Fatalf("workspace = %+v", ws)
	}
	if !strings.Contains(out, `"owner_link": "http://127.0.0.1:8080/invite/`) {
		t.Fatalf("no owner link in %s", out)
	}

	key := strings.TrimSuffix(c.must("key", "create", "--workspace", "acme-support", "--name", "ci"), "\n")
	if !keyPattern.MatchString(key) {
		t.Fatalf("key create printed %q, want the key alone", key)
	}
	keyID, ok := apikey.Parse(key)
	if !ok {
		t.Fatal("printed key does not parse")
	}
	readKey := c.must("key", "create", "--workspace", ws.ID, "--name", "dashboard", "--scope", "read", "--expires-in", "30d")
	if !keyPattern.MatchString(strings.TrimSpace(readKey)) {
		t.Fatalf("second key %q", readKey)
	}

	list := c.must("key", "list", "--workspace", "acme-support")
	lines := strings.Split(strings.TrimSpace(list), "\n")
	if len(lines) != 3 {
		t.Fatalf("key list printed %d lines:\n%s", len(lines), list)
	}
	if !strings.Contains(list, keyID) || !strings.Contains(list, "read_write") || !strings.Contains(list, "never") || strings.Contains(list, key) {
		t.Fatalf("key list:\n%s", list)
	}

	if out := c.must("key", "revoke", "--workspace", "acme-support", keyID); !strings.Contains(out, "revoked tix_"+keyID) {
		t.Fatalf("revoke printed %q", out)
	}
	if list := c.must("key", "list", "--workspace", "acme-support"); !strings.Contains(list, "revoked") {
		t.Fatalf("revoked key not shown as revoked:\n%s", list)
	}
}

func TestCommandErrors(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.must("workspace", "create", "--name", "Acme", "--owner-email", "o@acme.test")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"key", "create", "--workspace", "nope", "--name", "x"}, `no workspace with id or slug "nope"`},
		{[]string{"key", "create", "--workspace", "acme", "--name", ""}, "name: Required"},
		{[]string{"key", "create", "--workspace", "acme", "--name", "x", "--scope", "admin"}, "scope: Must be read or read_write"},
		{[]string{"key", "create", "--workspace", "acme", "--name", "x", "--expires-in", "-5d"}, "want a positive duration"},
		{[]string{"key", "revoke", "--workspace", "acme", "AAAAAAAA"}, `no key "AAAAAAAA"`},
		{[]string{"workspace", "create", "--name", "X", "--owner-email", "not-an-email"}, "owner-email: Must be a valid email address"},
	}
	for _, tt := range tests {
		_, _, err := c.run(tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("tixallo %s: err = %v, want %q", strings.Join(tt.args, " "), err, tt.want)
		}
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	for _, args := range [][]string{
		{"--help"}, {"serve", "--help"}, {"migrate", "--help"}, {"workspace", "create", "--help"},
		{"key", "create", "--help"}, {"key", "list", "--help"}, {"key", "revoke", "--help"}, {"copy", "--help"},
	} {
		out, errOut, err := c.run(args...)
		if err != nil {
			t.Errorf("tixallo %s: %v", strings.Join(args, " "), err)
		}
		if text := out + errOut; !strings.Contains(text, "Usage") || len(text) < 80 {
			t.Errorf("tixallo %s printed too little help:\n%s", strings.Join(args, " "), text)
		}
	}
	if _, _, err := c.run("frobnicate"); err == nil {
		t.Error("unknown command succeeded")
	}
}
