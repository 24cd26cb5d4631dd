// Package config holds the settings of `tixallo serve`, read from flags and
// TIXALLO_* environment variables. A flag given on the command line wins over
// the environment, which wins over the default.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"

	"strconv"
	"strings"
	"time"
)

// Config is every setting of the server. It is a plain value: parse it once,
// pass it down, never mutate it per request.
type Config struct {
	Addr                string
	Database            string // a postgres:// URL or a SQLite file path
	APIRateLimit        int
	APIRateWindow       time.Duration
	AuthFailLimit       int // failed API authentications per client IP per minute
	WebhookAllowPrivate bool
	// WebhookLease is how long a webhook attempt is reserved for the
	// instance that claimed it: after a crash, the attempt is retried when
	// it runs out. It must exceed the 10 s attempt timeout.
	WebhookLease    time.Duration
	TLSCert         string
	TLSKey          string
	PublicURL       string
	LogFormat       string // text or json
	TrustProxy      bool   // honour X-Forwarded-Proto and X-Forwarded-For
	SecretKeyFile   string // 32-byte server key (cursor signing, webhook secret sealing)
	ShutdownTimeout time.Duration
}

// Default returns the settings a newcomer gets with no flags at all.
func Default() Config {
	return Config{
		Addr:            "127.0.0.1:8080",
		Database:        "tixallo.db",
		APIRateLimit:    60,
		APIRateWindow:   60 * time.Second,
		AuthFailLimit:   30,
		LogFormat:       "text",
		ShutdownTimeout: 15 * time.Second,
		WebhookLease:    30 * time.Second,
	}
}

// IsPostgres reports whether Database names a PostgreSQL server.
func (c Config) IsPostgres() bool { return IsPostgresURL(c.Database) }

// KeyFile is where the server key lives: the configured file, or beside the
// SQLite database so that one directory holds everything an install needs.
func (c Config) KeyFile() string {
	if c.SecretKeyFile != "" {
		return c.SecretKeyFile
	}
	if c.IsPostgres() {
		return "tixallo.key"
	}
	return c.Database + ".key"
}

// TLS reports whether the server speaks HTTPS itself.
func (c Config) TLS() bool { return c.TLSCert != "" }

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr %q: %w", c.Addr, err))
	}
	if c.Database == "" {
		errs = append(errs, errors.New("--database must not be empty"))
	}
	if c.APIRateLimit < 1 {
		errs = append(errs, errors.New("--api-rate-limit must be at least 1"))
	}
	if c.APIRateWindow < time.Second {
		errs = append(errs, errors.New("--api-rate-window must be at least 1s"))
	}
	if c.AuthFailLimit < 1 {
		errs = append(errs, errors.New("--auth-fail-limit must be at least 1"))
	}
	if c.WebhookLease < 11*time.Second {
		errs = append(errs, errors.New("--webhook-lease must be at least 11s (longer than the 10s attempt timeout)"))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key go together"))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format %q: want text or json", c.LogFormat))
	}
	if c.PublicURL != "" && !strings.HasPrefix(c.PublicURL, "http://") && !strings.HasPrefix(c.PublicURL, "https://") {
		errs = append(errs, fmt.Errorf("--public-url %q: want an http:// or https:// URL", c.PublicURL))
	}
	return errors.Join(errs...)
}

// FlagSet returns the flags of `tixallo serve`, bound to c and defaulted from
// the environment. Call Parse on it, then Validate.
func (c *Config) FlagSet(name string, getenv func(string) string, out io.Writer) (*flag.FlagSet, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	var errs []error
	str := func(p *string, flagName, env, usage string) {
		if v := getenv(env); v != "" {
			*p = v
		}
		fs.StringVar(p, flagName, *p, usage+" (env "+env+")")
	}
	num := func(p *int, flagName, env, usage string) {
		if v := getenv(env); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: not a number", env, v))
			}
			*p = n
		}
		fs.IntVar(p, flagName, *p, usage+" (env "+env+")")
	}
	dur := func(p *time.Duration, flagName, env, usage string) {
		if v := getenv(env); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: not a duration (like 60s)", env, v))
			}
			*p = d
		}
		fs.DurationVar(p, flagName, *p, usage+" (env "+env+")")
	}
	boolean := func(p *bool, flagName, env, usage string) {
		if v := getenv(env); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: want true or false", env, v))
			}
			*p = b
		}
		fs.BoolVar(p, flagName, *p, usage+" (env "+env+")")
	}
	str(&c.Addr, "addr", "TIXALLO_ADDR", "address to listen on")
	str(&c.Database, "database", "TIXALLO_DATABASE", "SQLite file path, or a postgres:// URL")
	num(&c.APIRateLimit, "api-rate-limit", "TIXALLO_API_RATE_LIMIT", "API requests admitted per key in any window")
	dur(&c.APIRateWindow, "api-rate-window", "TIXALLO_API_RATE_WINDOW", "sliding window of the per-key API rate limit")
	num(&c.AuthFailLimit, "auth-fail-limit", "TIXALLO_AUTH_FAIL_LIMIT", "failed API authentications per client IP per minute before 429")
	boolean(&c.WebhookAllowPrivate, "webhook-allow-private", "TIXALLO_WEBHOOK_ALLOW_PRIVATE", "let webhooks reach loopback and private addresses, and plain http")
	dur(&c.WebhookLease, "webhook-lease", "TIXALLO_WEBHOOK_LEASE", "how long a claimed webhook attempt is reserved; after a crash it is retried when this runs out")
	str(&c.TLSCert, "tls-cert", "TIXALLO_TLS_CERT", "TLS certificate file; serve HTTPS")
	str(&c.TLSKey, "tls-key", "TIXALLO_TLS_KEY", "TLS private key file")
	str(&c.PublicURL, "public-url", "TIXALLO_PUBLIC_URL", "the URL people use to reach Tixallo (links in invites)")
	str(&c.LogFormat, "log-format", "TIXALLO_LOG_FORMAT", "log format: text or json")
	boolean(&c.TrustProxy, "trust-proxy", "TIXALLO_TRUST_PROXY", "trust X-Forwarded-Proto and X-Forwarded-For from a reverse proxy")
	str(&c.SecretKeyFile, "secret-key-file", "TIXALLO_SECRET_KEY_FILE", "file holding the server key (created if missing; default beside the SQLite file)")
	dur(&c.ShutdownTimeout, "shutdown-timeout", "TIXALLO_SHUTDOWN_TIMEOUT", "how long a graceful shutdown waits for in-flight work")
	return fs, errors.Join(errs...)
}

// IsPostgresURL reports whether a database setting names a PostgreSQL server.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// RedactDatabase is a database setting as output and logs may show it: a
// postgres URL loses its passwords, the user's and any password parameter of
// its query (password, sslpassword); a SQLite path is shown as it is.
func RedactDatabase(dsn string) string {
	if !IsPostgresURL(dsn) {
		return dsn
	}
	scheme, rest, _ := strings.Cut(dsn, "://")
	rest, query, hasQuery := strings.Cut(rest, "?")
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if user, _, ok := strings.Cut(rest[:at], ":"); ok {
			rest = user + ":***@" + rest[at+1:]
		}
	}
	if !hasQuery {
		return scheme + "://" + rest
	}
	params := strings.Split(query, "&")
	for i, p := range params {
		if name, _, ok := strings.Cut(p, "="); ok && strings.Contains(strings.ToLower(name), "password") {
			params[i] = name + "=***"
		}
	}
	return scheme + "://" + rest + "?" + strings.Join(params, "&")
}
