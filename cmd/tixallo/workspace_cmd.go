package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/tixallo/tixallo/internal/app"
	"github.com/tixallo/tixallo/internal/config"
	"github.com/tixallo/tixallo/internal/helpdesk"
)

func workspaceCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprint(stderr, "Usage: tixallo workspace create --name NAME --owner-email EMAIL\n")
		return errUsage
	}
	fs := newFlagSet("tixallo workspace create", "tixallo workspace create --name NAME --owner-email EMAIL [--slug SLUG]\n\nCreates a workspace with its default inbox and prints it as JSON, with a one-time\nlink that lets the owner set a password (valid 7 days).", stderr)
	db := databaseFlag(fs, getenv)
	name := fs.String("name", "", "the workspace's name (required)")
	owner := fs.String("owner-email", "", "the owner's email address (required)")
	slug := fs.String("slug", "", "URL-safe short name (default: derived from the name)")
	publicURL := fs.String("public-url", getenv("TIXALLO_PUBLIC_URL"), "the URL people reach Tixallo at, for the link (env TIXALLO_PUBLIC_URL)")
	if help, err := parse(fs, args[1:]); help || err != nil {
		return err
	}
	if *name == "" || *owner == "" {
		fs.Usage()
		return errUsage
	}
	svc, closeStore, err := openService(ctx, *db)
	if err != nil {
		return err
	}
	defer closeStore()
	cw, err := svc.CreateWorkspace(ctx, helpdesk.NewWorkspace{Name: *name, Slug: *slug}, *owner)
	if err != nil {
		return userError(err)
	}
	base := *publicURL
	if base == "" {
		addr := config.Default().Addr
		if v := getenv("TIXALLO_ADDR"); v != "" {
			addr = v
		}
		base = "http://" + addr
	}
	out := struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		Slug       string `json:"slug"`
		CreatedAt  string `json:"created_at"`
		OwnerEmail string `json:"owner_email"`
		OwnerLink  string `json:"owner_link"`
	}{
		ID: cw.Workspace.ID, Name: cw.Workspace.Name, Slug: cw.Workspace.Slug,
		CreatedAt:  helpdesk.FormatTime(cw.Workspace.CreatedAt),
		OwnerEmail: helpdesk.NormalizeEmail(*owner),
		OwnerLink:  strings.TrimRight(base, "/") + "/invite/" + cw.InviteToken,
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// openService opens the store behind a command and the service over it.
func openService(ctx context.Context, dsn string) (*helpdesk.Service, func(), error) {
	s, err := app.OpenStore(ctx, dsn, true)
	if err != nil {
		return nil, nil, err
	}
	return helpdesk.NewService(s, helpdesk.Options{}), func() { s.Close() }, nil
}

// userError turns a domain error into a message an operator can act on.
func userError(err error) error {
	var e *helpdesk.Error
	if !asError(err, &e) || e.Code == helpdesk.EInternal {
		return err
	}
	if len(e.Fields) == 0 {
		return fmt.Errorf("%s", e.Message)
	}
	var parts []string
	for field, msgs := range e.Fields {
		parts = append(parts, fmt.Sprintf("%s: %s", strings.ReplaceAll(field, "_", "-"), strings.Join(msgs, "; ")))
	}
	return fmt.Errorf("%s", strings.Join(parts, ", "))
}
