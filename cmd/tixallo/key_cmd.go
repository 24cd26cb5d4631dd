package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tixallo/tixallo/internal/apikey"
	"github.com/tixallo/tixallo/internal/helpdesk"
)

func asError(err error, target **helpdesk.Error) bool { return errors.As(err, target) }

const keyUsage = `Usage:
  tixallo key create --workspace ID|SLUG --name NAME [--scope read|read_write] [--expires-in DURATION]
  tixallo key list --workspace ID|SLUG
  tixallo key revoke --workspace ID|SLUG KEY_ID
`

func keyCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, keyUsage)
		return errUsage
	}
	switch args[0] {
	case "create":
		return keyCreate(ctx, args[1:], getenv, stdout, stderr)
	case "list":
		return keyList(ctx, args[1:], getenv, stdout, stderr)
	case "revoke":
		return keyRevoke(ctx, args[1:], getenv, stdout, stderr)
	}
	fmt.Fprint(stderr, keyUsage)
	return errUsage
}

// workspaceOf opens the service and resolves --workspace.
func workspaceOf(ctx context.Context, db, ws string) (*helpdesk.Service, *helpdesk.Workspace, func(), error) {
	if ws == "" {
		return nil, nil, nil, errors.New("--workspace is required")
	}
	svc, closeStore, err := openService(ctx, db)
	if err != nil {
		return nil, nil, nil, err
	}
	w, err := svc.Workspace(ctx, ws)
	if err != nil {
		closeStore()
		if helpdesk.IsCode(err, helpdesk.ENotFound) {
			return nil, nil, nil, fmt.Errorf("no workspace with id or slug %q", ws)
		}
		return nil, nil, nil, err
	}
	return svc, w, closeStore, nil
}

func keyCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("tixallo key create", "tixallo key create --workspace ID|SLUG --name NAME [--scope read|read_write] [--expires-in DURATION]\n\nCreates an API key and prints it alone on stdout, so KEY=$(tixallo key create ...) works.\nThe key is shown this once; Tixallo keeps only its hash.", stderr)
	db := databaseFlag(fs, getenv)
	ws := fs.String("workspace", "", "workspace id or slug (required)")
	name := fs.String("name", "", "a name that says where the key is used, 1-100 characters (required)")
	scope := fs.String("scope", string(helpdesk.ScopeReadWrite), "read or read_write")
	expiresIn := fs.String("expires-in", "", "lifetime, like 90d, 12h or 30m (default: never expires)")
	if help, err := parse(fs, args); help || err != nil {
		return err
	}
	var expires *time.Time
	if *expiresIn != "" {
		d, err := parseLifetime(*expiresIn)
		if err != nil {
			return err
		}
		t := time.Now().Add(d)
		expires = &t
	}
	svc, w, closeStore, err := workspaceOf(ctx, *db, *ws)
	if err != nil {
		return err
	}
	defer closeStore()
	ck, err := svc.CreateAPIKey(ctx, w.ID, helpdesk.Actor{}, helpdesk.NewAPIKey{Name: *name, Scope: helpdesk.Scope(*scope), ExpiresAt: expires})
	if err != nil {
		return userError(err)
	}
	fmt.Fprintln(stdout, ck.Secret)
	return nil
}

// parseLifetime accepts Go durations plus a "d" suffix for days, which is
// how people think about key lifetimes.
func parseLifetime(s string) (time.Duration, error) {
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		n, err = strconv.Atoi(days)
		d = time.Duration(n) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--expires-in %q: want a positive duration like 90d, 12h or 30m", s)
	}
	return d, nil
}

func keyList(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("tixallo key list", "tixallo key list --workspace ID|SLUG\n\nPrints one line per key: key id, name, scope, created, last used, status.", stderr)
	db := databaseFlag(fs, getenv)
	ws := fs.String("workspace", "", "workspace id or slug (required)")
	if help, err := parse(fs, args); help || err != nil {
		return err
	}
	svc, w, closeStore, err := workspaceOf(ctx, *db, *ws)
	if err != nil {
		return err
	}
	defer closeStore()
	keys, err := svc.APIKeys(ctx, w.ID)
	if err != nil {
		return err
	}
	now := time.Now()
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY ID\tNAME\tSCOPE\tCREATED\tLAST USED\tSTATUS")
	for _, k := range keys {
		last := "never"
		if k.LastUsedAt != nil {
			last = helpdesk.FormatTime(*k.LastUsedAt)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.KeyID, k.Name, k.Scope, helpdesk.FormatTime(k.CreatedAt), last, k.KeyState(now))
	}
	return tw.Flush()
}

func keyRevoke(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("tixallo key revoke", "tixallo key revoke --workspace ID|SLUG KEY_ID\n\nRevokes a key by its 8-character key id (the part after tix_ that key list shows).\nThe key stops working on the next request.", stderr)
	db := databaseFlag(fs, getenv)
	ws := fs.String("workspace", "", "workspace id or slug (required)")
	if help, err := parse(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	keyID := strings.TrimSuffix(strings.TrimPrefix(fs.Arg(0), apikey.Prefix), "…")
	svc, w, closeStore, err := workspaceOf(ctx, *db, *ws)
	if err != nil {
		return err
	}
	defer closeStore()
	k, err := svc.RevokeAPIKey(ctx, w.ID, keyID, helpdesk.Actor{})
	if err != nil {
		if helpdesk.IsCode(err, helpdesk.ENotFound) {
			return fmt.Errorf("no key %q in workspace %s", keyID, w.Slug)
		}
		return err
	}
	fmt.Fprintf(stdout, "revoked %s (%s)\n", apikey.Display(k.KeyID), k.Name)
	return nil
}
