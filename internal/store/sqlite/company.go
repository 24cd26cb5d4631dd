package sqlite

import (
	"context"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

const companyColumns = `id, workspace_id, name, domain, created_at`

func scanCompany(row scanner) (helpdesk.Company, error) {
	var c helpdesk.Company
	err := row.Scan(&c.ID, &c.WorkspaceID, &c.Name, &c.Domain, timeCol{&c.CreatedAt})
	return c, err
}

func (r reader) Company(ctx context.Context, workspaceID, id string) (*helpdesk.Company, error) {
	c, err := scanCompany(r.queryRow(ctx, `SELECT `+companyColumns+` FROM companies WHERE workspace_id = ? AND id = ?`,
		workspaceID, id))
	if err != nil {
		return nil, wrapErr(err, "company %s", id)
	}
	return &c, nil
}

// Companies lists a workspace's companies by name.
func (r reader) Companies(ctx context.Context, workspaceID string) ([]helpdesk.Company, error) {
	return list(ctx, r, "companies", scanCompany,
		`SELECT `+companyColumns+` FROM companies WHERE workspace_id = ? ORDER BY name, id`, workspaceID)
}

func (t *txn) CreateCompany(ctx context.Context, c *helpdesk.Company) error {
	_, err := t.exec(ctx, `INSERT INTO companies (`+companyColumns+`) VALUES (?, ?, ?, ?, ?)`,
		c.ID, c.WorkspaceID, c.Name, c.Domain, micros(c.CreatedAt))
	if err != nil {
		return wrapErr(err, "create company %q", c.Name)
	}
	return nil
}
