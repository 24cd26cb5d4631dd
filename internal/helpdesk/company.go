package helpdesk

import (
	"context"
	"fmt"
	"strings"
)

// MaxDomain bounds a company's domain (the DNS limit).
const MaxDomain = 253

// Companies lists the workspace's companies.
func (s *Service) Companies(ctx context.Context, workspaceID string) ([]Company, error) {
	return s.store.Companies(ctx, workspaceID)
}

// Company returns one company of the workspace.
func (s *Service) Company(ctx context.Context, workspaceID, id string) (*Company, error) {
	return s.store.Company(ctx, workspaceID, id)
}

// CreateCompany adds a company. A company with the same name (ignoring
// case) is returned instead of a duplicate.
func (s *Service) CreateCompany(ctx context.Context, workspaceID, name, domain string) (*Company, error) {
	errs := FieldErrors{}
	name = text(errs, "name", name, 1, MaxCompanyName)
	d := companyDomain(errs, "domain", domain)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return write(ctx, s, func(tx Tx) (*Company, error) {
		return s.companyByName(ctx, tx, workspaceID, name, d)
	})
}

// companyByName finds the workspace's company with this name or creates it.
func (s *Service) companyByName(ctx context.Context, tx Tx, workspaceID, name string, domain *string) (*Company, error) {
	all, err := tx.Companies(ctx, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("list companies: %w", err)
	}
	for i := range all {
		if strings.EqualFold(all[i].Name, name) {
			return &all[i], nil
		}
	}
	co := &Company{ID: s.newID(), WorkspaceID: workspaceID, Name: name, Domain: domain, CreatedAt: s.Now()}
	if err := tx.CreateCompany(ctx, co); err != nil {
		return nil, fmt.Errorf("create company: %w", err)
	}
	return co, nil
}

// companyDomain validates an optional domain name like "example.com".
func companyDomain(errs FieldErrors, field, v string) *string {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "" {
		return nil
	}
	ok := len(v) <= MaxDomain && strings.Contains(v, ".") && !strings.HasPrefix(v, ".") && !strings.HasSuffix(v, ".")
	for _, label := range strings.Split(v, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			ok = false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				ok = false
			}
		}
	}
	if !ok {
		errs.Add(field, "Must be a domain name like example.com")
		return nil
	}
	return &v
}
