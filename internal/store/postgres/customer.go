package postgres

import (
	"context"
	"strconv"
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
	c, err := scanCustomer(r.queryRow(ctx, workspaceID,
		customerSelect+` WHERE c.workspace_id = $1 AND c.id = $2`, workspaceID, id))
	if err != nil {
		return nil, wrapErr(err, "customer %s", id)
	}
	return &c, nil
}

func (r reader) CustomerByEmail(ctx context.Context, workspaceID, email string) (*helpdesk.Customer, error) {
	c, err := scanCustomer(r.queryRow(ctx, workspaceID,
		customerSelect+` WHERE c.workspace_id = $1 AND c.email = $2`, workspaceID, email))
	if err != nil {
		return nil, wrapErr(err, "customer with email %q", email)
	}
	return &c, nil
}

// Customers lists customers by email, which is unique in the workspace and
// so gives stable pages. The search is ILIKE, which under the "C"
// collation folds ASCII case only, like SQLite's LIKE.
func (r reader) Customers(ctx context.Context, workspaceID string, f helpdesk.CustomerFilter) ([]helpdesk.Customer, error) {
	var q query
	where := []string{`c.workspace_id = ` + q.arg(workspaceID)}
	if f.CompanyID != "" {
		where = append(where, `c.company_id = `+q.arg(f.CompanyID))
	}
	if s := strings.TrimSpace(f.Query); s != "" {
		p := q.arg(likePattern(s))
		where = append(where, `(c.email ILIKE `+p+` OR c.name ILIKE `+p+`)`)
	}
	limit, offset := q.arg(noLimit(f.Limit)), q.arg(max(f.Offset, 0))
	return list(ctx, r, workspaceID, "customers", scanCustomer,
		customerSelect+` WHERE `+strings.Join(where, ` AND `)+` ORDER BY c.email LIMIT `+limit+` OFFSET `+offset,
		q.args...)
}

func (t *txn) CreateCustomer(ctx context.Context, c *helpdesk.Customer) error {
	return t.insert(ctx, c.WorkspaceID, "create customer",
		`INSERT INTO customers (id, workspace_id, email, name, company_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		c.ID, c.WorkspaceID, c.Email, c.Name, c.CompanyID, c.CreatedAt, c.UpdatedAt)
}

// UpdateCustomer writes the customer's email, name, company and updated_at.
func (t *txn) UpdateCustomer(ctx context.Context, c *helpdesk.Customer) error {
	return t.execOne(ctx, c.WorkspaceID, "update customer "+c.ID,
		`UPDATE customers SET email = $1, name = $2, company_id = $3, updated_at = $4 WHERE workspace_id = $5 AND id = $6`,
		c.Email, c.Name, c.CompanyID, c.UpdatedAt, c.WorkspaceID, c.ID)
}

// likePattern matches s anywhere, with LIKE's wildcards in s taken literally
// (escaped with a backslash, PostgreSQL's default LIKE escape).
func likePattern(s string) string {
	s = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
	return "%" + s + "%"
}

// query collects the arguments of a statement built piece by piece.
type query struct{ args []any }

// arg adds an argument and returns its placeholder.
func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}
