package sqlite

import (
	"context"
	"strings"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/store/rowmap"
)

// customerSelect is rowmap's; the statements add their WHERE clause on c.
const customerSelect = rowmap.CustomerSelect

func scanCustomer(row scanner) (helpdesk.Customer, error) {
	var r rowmap.Customer
	if err := row.Scan(r.Dest(scanners{})...); err != nil {
		return helpdesk.Customer{}, err
	}
	return r.Value(), nil
}

func (r reader) Customer(ctx context.Context, workspaceID, id string) (*helpdesk.Customer, error) {
	c, err := scanCustomer(r.queryRow(ctx, customerSelect+` WHERE c.workspace_id = ? AND c.id = ?`, workspaceID, id))
	if err != nil {
		return nil, wrapErr(err, "customer %s", id)
	}
	return &c, nil
}

func (r reader) CustomerByEmail(ctx context.Context, workspaceID, email string) (*helpdesk.Customer, error) {
	c, err := scanCustomer(r.queryRow(ctx, customerSelect+` WHERE c.workspace_id = ? AND c.email = ?`, workspaceID, email))
	if err != nil {
		return nil, wrapErr(err, "customer with email %q", email)
	}
	return &c, nil
}

// Customers lists customers by email, which is unique in the workspace and
// so gives stable pages.
func (r reader) Customers(ctx context.Context, workspaceID string, f helpdesk.CustomerFilter) ([]helpdesk.Customer, error) {
	where := []string{`c.workspace_id = ?`}
	args := []any{workspaceID}
	if f.CompanyID != "" {
		where = append(where, `c.company_id = ?`)
		args = append(args, f.CompanyID)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where = append(where, `(c.email LIKE ? ESCAPE '\' OR c.name LIKE ? ESCAPE '\')`)
		pattern := likePattern(q)
		args = append(args, pattern, pattern)
	}
	args = append(args, noLimit(f.Limit), max(f.Offset, 0))
	return list(ctx, r, "customers", scanCustomer,
		customerSelect+` WHERE `+strings.Join(where, ` AND `)+` ORDER BY c.email LIMIT ? OFFSET ?`, args...)
}

func (t *txn) CreateCustomer(ctx context.Context, c *helpdesk.Customer) error {
	_, err := t.exec(ctx, `INSERT INTO customers (id, workspace_id, email, name, company_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.WorkspaceID, c.Email, c.Name, c.CompanyID, micros(c.CreatedAt), micros(c.UpdatedAt))
	if err != nil {
		return wrapErr(err, "create customer")
	}
	return nil
}

// UpdateCustomer writes the customer's email, name, company and updated_at.
func (t *txn) UpdateCustomer(ctx context.Context, c *helpdesk.Customer) error {
	return t.execOne(ctx, "update customer "+c.ID,
		`UPDATE customers SET email = ?, name = ?, company_id = ?, updated_at = ? WHERE workspace_id = ? AND id = ?`,
		c.Email, c.Name, c.CompanyID, micros(c.UpdatedAt), c.WorkspaceID, c.ID)
}

// likePattern matches s anywhere, with LIKE's wildcards in s taken literally
// (escaped with a backslash; every LIKE here says ESCAPE '\').
func likePattern(s string) string {
	s = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
	return "%" + s + "%"
}
