package helpdesk

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// MaxWorkspaceName bounds a workspace's name.
const MaxWorkspaceName = 100

// InviteTTL is how long an invite or set-password link stays valid.
const InviteTTL = 7 * 24 * time.Hour

// NewWorkspace is the input for creating a workspace.
type NewWorkspace struct {
	Name string
	Slug string // "" → derived from the name
}

// CreateWorkspace creates a workspace and its default inbox inside tx. The
// sign-up flow and the CLI both build on it, each adding its owner.
func (s *Service) createWorkspace(ctx context.Context, tx Tx, in NewWorkspace) (*Workspace, error) {
	errs := FieldErrors{}
	name := text(errs, "workspace_name", in.Name, 1, MaxWorkspaceName)
	slug := strings.TrimSpace(in.Slug)
	if slug == "" {
		slug = Slugify(name)
	} else if slug != Slugify(slug) {
		errs.Add("slug", "Use lower-case letters, digits and dashes")
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if slug == "" {
		slug = "workspace"
	}
	now := s.Now()
	w := &Workspace{ID: s.newID(), Name: name, Slug: slug, CreatedAt: now}
	// Two teams may well both call themselves "Support": add a short suffix
	// instead of refusing the name.
	for i := 0; ; i++ {
		if i > 0 {
			w.Slug = fmt.Sprintf("%s-%d", slug, i+1)
		}
		if _, err := tx.WorkspaceBySlug(ctx, w.Slug); errors.Is(err, ErrNotFound) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("check slug: %w", err)
		}
		if i > 1000 {
			return nil, errors.New("no free slug")
		}
	}
	if err := tx.CreateWorkspace(ctx, w); err != nil {
		return nil, fmt.Errorf("create workspace: %w", err)
	}
	inbox := &Inbox{ID: s.newID(), WorkspaceID: w.ID, Name: "Support", IsDefault: true, CreatedAt: now}
	if err := tx.CreateInbox(ctx, inbox); err != nil {
		return nil, fmt.Errorf("create default inbox: %w", err)
	}
	return w, nil
}

// CreatedWorkspace is the answer to CreateWorkspace: the workspace and the
// one-time token of the owner's set-password link.
type CreatedWorkspace struct {
	Workspace   Workspace
	InviteToken string
}

// CreateWorkspace is the operator's path (tixallo workspace create): a
// workspace, its default inbox, and an owner invite for ownerEmail whose
// link lets the owner set a password.
func (s *Service) CreateWorkspace(ctx context.Context, in NewWorkspace, ownerEmail string) (*CreatedWorkspace, error) {
	errs := FieldErrors{}
	owner := email(errs, "owner_email", ownerEmail)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return write(ctx, s, func(tx Tx) (*CreatedWorkspace, error) {
		w, err := s.createWorkspace(ctx, tx, in)
		if err != nil {
			return nil, err
		}
		token, err := s.createInvite(ctx, tx, w.ID, owner, RoleOwner, Actor{})
		if err != nil {
			return nil, err
		}
		return &CreatedWorkspace{Workspace: *w, InviteToken: token}, nil
	})
}

// createInvite stores an invite and returns its one-time token.
func (s *Service) createInvite(ctx context.Context, tx Tx, workspaceID, email string, role Role, by Actor) (string, error) {
	token, hash, err := s.NewToken()
	if err != nil {
		return "", err
	}
	now := s.Now()
	inv := &Invite{
		ID: s.newID(), WorkspaceID: workspaceID, Email: email, Role: role, TokenHash: hash,
		InvitedBy: by.id(), CreatedAt: now, ExpiresAt: now.Add(InviteTTL),
	}
	if err := tx.CreateInvite(ctx, inv); err != nil {
		return "", fmt.Errorf("create invite: %w", err)
	}
	if err := s.audit(ctx, tx, workspaceID, by, AuditMemberInvited, email, string(role)); err != nil {
		return "", err
	}
	return token, nil
}

// NewToken returns a random URL-safe token of 256 bits and its SHA-256, the
// only form in which sessions and invites are stored.
func (s *Service) NewToken() (token string, hash []byte, err error) {
	b := make([]byte, 32)
	if _, err := s.random.Read(b); err != nil {
		return "", nil, fmt.Errorf("random token: %w", err)
	}
	token = base64URL(b)
	return token, TokenHash(token), nil
}

// TokenHash is how session and invite tokens are stored.
func TokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Slugify turns a name into a URL-safe slug: lower-case ASCII letters and
// digits joined by single dashes.
func Slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		default:
			dash = true
		}
		if b.Len() >= 48 {
			break
		}
	}
	return b.String()
}

// Workspace returns a workspace by id or, failing that, by slug: the CLI
// accepts either.
func (s *Service) Workspace(ctx context.Context, idOrSlug string) (*Workspace, error) {
	w, err := s.store.WorkspaceBySlug(ctx, idOrSlug)
	if errors.Is(err, ErrNotFound) {
		return s.store.Workspace(ctx, idOrSlug)
	}
	return w, err
}
