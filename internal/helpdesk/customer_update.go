package helpdesk

import (
	"context"
	"errors"
	"fmt"
)

// MaxCustomerPage is the largest page of customers the app lists.
const MaxCustomerPage = 100

// Customers lists the workspace's customers matching f, and whether more
// follow. It asks for one row more than the limit to know.
func (s *Service) Customers(ctx context.Context, workspaceID string, f CustomerFilter) (rows []Customer, more bool, err error) {
	if f.Limit <= 0 || f.Limit > MaxCustomerPage {
		f.Limit = 50
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
	want := f.Limit
	f.Limit++
	rows, err = s.store.Customers(ctx, workspaceID, f)
	if err != nil {
		return nil, false, fmt.Errorf("list customers: %w", err)
	}
	if len(rows) > want {
		return rows[:want], true, nil
	}
	return rows, false, nil
}

// Customer returns one customer with its company.
func (s *Service) Customer(ctx context.Context, workspaceID, id string) (*Customer, error) {
	c, err := s.store.Customer(ctx, workspaceID, id)
	if err != nil {
		return nil, err
	}
	if c.CompanyID != nil && c.Company == nil {
		co, err := s.store.Company(ctx, workspaceID, *c.CompanyID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("customer company: %w", err)
		}
		c.Company = co
	}
	return c, nil
}

// CustomerChanges is what an agent edits on a customer; nil leaves a field
// as it is. There is no Email: an email is who a customer is, and CreateTicket counts
// on it never changing when it finds the customer before its transaction.
type CustomerChanges struct {
	Name      *string // "" clears the name
	CompanyID *string // "" removes the customer from its company
	// NewCompanyName, when set, links the customer to the workspace's
	// company of that name, creating it if there is none. It wins over
	// CompanyID.
	NewCompanyName string
}

// UpdateCustomer edits a customer's name and company.
func (s *Service) UpdateCustomer(ctx context.Context, workspaceID, id string, ch CustomerChanges) (*Customer, error) {
	errs := FieldErrors{}
	var name *string
	if ch.Name != nil {
		v := text(errs, "name", *ch.Name, 0, MaxPersonName)
		if v != "" {
			name = &v
		}
	}
	newCompany := text(errs, "new_company_name", ch.NewCompanyName, 0, MaxCompanyName)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return write(ctx, s, func(tx Tx) (*Customer, error) {
		c, err := tx.Customer(ctx, workspaceID, id)
		if err != nil {
			return nil, err
		}
		if ch.Name != nil {
			c.Name = name
		}
		switch {
		case newCompany != "":
			co, err := s.companyByName(ctx, tx, workspaceID, newCompany, nil)
			if err != nil {
				return nil, err
			}
			c.CompanyID, c.Company = &co.ID, co
		case ch.CompanyID != nil && *ch.CompanyID == "":
			c.CompanyID, c.Company = nil, nil
		case ch.CompanyID != nil:
			co, err := tx.Company(ctx, workspaceID, *ch.CompanyID)
			if err != nil {
				return nil, fieldNotFound(err, "company_id", "No such company")
			}
			c.CompanyID, c.Company = &co.ID, co
		}
		c.UpdatedAt = s.Now()
		if err := tx.UpdateCustomer(ctx, c); err != nil {
			return nil, fmt.Errorf("update customer: %w", err)
		}
		return c, nil
	})
}
