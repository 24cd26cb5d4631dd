package config

import (
	"io"
	"strings"
	"testing"
	"time"
)

func parse(t *testing.T, env map[string]string, args ...string) (Config, error) {
	t.Helper()
	c := Default()
	fs, err := c.FlagSet("serve", func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		return c, err
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	return c, c.Validate()
}

func TestDefaultsNeedNoSetup(t *testing.T) {
	c, err := parse(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.Database != "tixallo.db" || c.APIRateLimit != 60 || c.APIRateWindow != time.Minute {
		t.Fatalf("defaults: %+v", c)
	}
	if c.KeyFile() != "tixallo.db.key" || c.IsPostgres() || c.TLS() {
		t.Fatalf("derived defaults: key=%s pg=%v tls=%v", c.KeyFile(), c.IsPostgres(), c.TLS())
	}
}

func TestFlagBeatsEnvironmentBeatsDefault(t *testing.T) {
	env := map[string]string{
		"TIXALLO_ADDR":                  "127.0.0.1:9000",
		"TIXALLO_API_RATE_LIMIT":        "100",
		"TIXALLO_API_RATE_WINDOW":       "30s",
		"TIXALLO_WEBHOOK_ALLOW_PRIVATE": "true",
		"TIXALLO_DATABASE":              "postgres://tixallo@localhost/tixallo",
	}
	c, err := parse(t, env, "--addr", "127.0.0.1:9100")
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9100" {
		t.Errorf("flag should win: %s", c.Addr)
	}
	if c.APIRateLimit != 100 || c.APIRateWindow != 30*time.Second || !c.WebhookAllowPrivate {
		t.Errorf("environment ignored: %+v", c)
	}
	if !c.IsPostgres() || c.KeyFile() != "tixallo.key" {
		t.Errorf("postgres URL not recognised: pg=%v key=%s", c.IsPostgres(), c.KeyFile())
	}
}

func TestBadSettingsAreExplained(t *testing.T) {
	cases := []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"TIXALLO_API_RATE_LIMIT": "lots"}, nil, "TIXALLO_API_RATE_LIMIT"},
		{map[string]string{"TIXALLO_API_RATE_WINDOW": "60"}, nil, "not a duration"},
		{map[string]string{"TIXALLO_TRUST_PROXY": "yes please"}, nil, "want true or false"},
		{nil, []string{"--addr", "nonsense"}, "--addr"},
		{nil, []string{"--api-rate-limit", "0"}, "at least 1"},
		{nil, []string{"--api-rate-window", "10ms"}, "at least 1s"},
		{nil, []string{"--tls-cert", "c.pem"}, "go together"},
		{nil, []string{"--log-format", "xml"}, "text or json"},
		{nil, []string{"--public-url", "ftp://x"}, "--public-url"},
		{nil, []string{"--database", ""}, "must not be empty"},
	}
	for _, c := range cases {
		_, err := parse(t, c.env, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("env=%v args=%v: err=%v, want it to mention %q", c.env, c.args, err, c.want)
		}
	}
}

// TestRedactDatabase: a URL printed by migrate or copy shows no password, in
// its user part or in its query.
func TestRedactDatabase(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"postgres://tix:s3cret@db:5432/tixallo?sslmode=disable", "postgres://tix:***@db:5432/tixallo?sslmode=disable"},
		{"postgres://tix@db/tixallo?password=s3cret&sslmode=require", "postgres://tix@db/tixallo?password=***&sslmode=require"},
		{"postgresql://tix:a:b@c@h1,h2/tixallo?sslpassword=k3y", "postgresql://tix:***@h1,h2/tixallo?sslpassword=***"},
		{"postgres://db/tixallo", "postgres://db/tixallo"},
		{"tixallo.db", "tixallo.db"},
	} {
		if got := RedactDatabase(c.in); got != c.want {
			t.Errorf("RedactDatabase(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
