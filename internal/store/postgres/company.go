package postgres

import (
	"context"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

const companyColumns = `id, workspace_id, name, domain, created_at`

func scanCompany(row scanner) (helpdesk.Company, error) {
	var c helpdesk.Company
	err := row.Scan(&c.ID, &c.WorkspaceID, &c.Name, &c.Domain, &c.CreatedAt)
	return c, err
}

func (r reader) Company(ctx context.Context, workspaceID, id string) (*helpdesk.Company, error) {
	c, err := scanCompany(r.queryRow(ctx, workspaceID,
		`SELECT `+companyColumns+` FROM companies WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
	if err != nil {
		return nil, wrapErr(err, "company %s", id)
	}
	return &c, nil
}

// Companies lists a workspace's companies by name.
func (r reader) Companies(ctx context.Context, workspaceID string) ([]helpdesk.Company, error) {
	return list(ctx, r, workspaceID, "companies", scanCompany,
		`SELECT `+companyColumns+` FROM companies WHERE workspace_id = $1 ORDER BY name, id`, workspaceID)
}

func (t *txn) CreateCompany(ctx context.Context, c *helpdesk.Company) error {
	return t.insert(ctx, c.WorkspaceID, "create company "+c.Name,
		`INSERT INTO companies (`+companyColumns+`) VALUES ($1, $2, $3, $4, $5)`,
		c.ID, c.WorkspaceID, c.Name, c.Domain, c.CreatedAt)
}
