package storetest

import (
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

func testCompanies(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	w := seed(t, s, "alpha")

	got, err := s.Company(ctx, w.WS.ID, w.Company.ID)
	noErr(t, err)
	equal(t, "Company", got, &w.Company)
	_, err = s.Company(ctx, w.WS.ID, unknownID())
	wantNotFound(t, "Company(unknown)", err)

	noDomain := helpdesk.Company{ID: newID(), WorkspaceID: w.WS.ID, Name: "Aardvark Ltd", CreatedAt: at(40)}
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.CreateCompany(ctx, &noDomain) })
	list, err := s.Companies(ctx, w.WS.ID)
	noErr(t, err)
	equal(t, "Companies (by name, nil domain kept)", list, []helpdesk.Company{noDomain, w.Company})
}

func testCustomers(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	a := seed(t, s, "alpha")
	b := seed(t, s, "beta")

	got, err := s.Customer(ctx, a.WS.ID, a.Customer.ID)
	noErr(t, err)
	equal(t, "Customer (with company)", got, &a.Customer)
	got, err = s.CustomerByEmail(ctx, a.WS.ID, a.Customer.Email)
	noErr(t, err)
	equal(t, "CustomerByEmail", got, &a.Customer)
	_, err = s.Customer(ctx, a.WS.ID, unknownID())
	wantNotFound(t, "Customer(unknown)", err)
	_, err = s.CustomerByEmail(ctx, a.WS.ID, "nobody@alpha.example")
	wantNotFound(t, "CustomerByEmail(unknown)", err)

	// nil pointers stay nil, and an empty name stays an empty name.
	bare := helpdesk.Customer{ID: newID(), WorkspaceID: a.WS.ID, Email: "bare@example.com", CreatedAt: at(20), UpdatedAt: at(20)}
	empty := helpdesk.Customer{ID: newID(), WorkspaceID: a.WS.ID, Email: "empty@example.com", Name: new(""), CreatedAt: at(21), UpdatedAt: at(21)}
	inTx(t, s, func(tx helpdesk.Tx) error {
		if err := tx.CreateCustomer(ctx, &bare); err != nil {
			return err
		}
		return tx.CreateCustomer(ctx, &empty)
	})
	got, err = s.Customer(ctx, a.WS.ID, bare.ID)
	noErr(t, err)
	equal(t, "customer without name or company", got, &bare)
	got, err = s.Customer(ctx, a.WS.ID, empty.ID)
	noErr(t, err)
	equal(t, "customer with an empty name", got, &empty)

	err = s.InTx(ctx, func(tx helpdesk.Tx) error {
		return tx.CreateCustomer(ctx, &helpdesk.Customer{ID: newID(), WorkspaceID: a.WS.ID, Email: bare.Email, CreatedAt: at(22), UpdatedAt: at(22)})
	})
	wantConflict(t, "duplicate customer email in a workspace", err)
	// The same person may write to two workspaces.
	inTx(t, s, func(tx helpdesk.Tx) error {
		return tx.CreateCustomer(ctx, &helpdesk.Customer{ID: newID(), WorkspaceID: b.WS.ID, Email: bare.Email, CreatedAt: at(22), UpdatedAt: at(22)})
	})

	// Update sets and clears the optional fields.
	updated := bare
	updated.Name, updated.CompanyID, updated.UpdatedAt = new("Bare Bones"), &a.Company.ID, at(90)
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.UpdateCustomer(ctx, &updated) })
	got, err = s.Customer(ctx, a.WS.ID, bare.ID)
	noErr(t, err)
	updated.Company = &a.Company
	equal(t, "updated customer", got, &updated)
	cleared := updated
	cleared.Name, cleared.CompanyID, cleared.Company, cleared.UpdatedAt = nil, nil, nil, at(91)
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.UpdateCustomer(ctx, &cleared) })
	got, err = s.Customer(ctx, a.WS.ID, bare.ID)
	noErr(t, err)
	equal(t, "customer with name and company cleared", got, &cleared)

	taken := cleared
	taken.Email = a.Customer.Email
	err = s.InTx(ctx, func(tx helpdesk.Tx) error { return tx.UpdateCustomer(ctx, &taken) })
	wantConflict(t, "UpdateCustomer to a taken email", err)
	err = s.InTx(ctx, func(tx helpdesk.Tx) error {
		return tx.UpdateCustomer(ctx, &helpdesk.Customer{ID: unknownID(), WorkspaceID: a.WS.ID, Email: "x@example.com", UpdatedAt: at(1)})
	})
	wantNotFound(t, "UpdateCustomer(unknown)", err)
}

func testCustomerList(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	w := seed(t, s, "alpha")
	people := []helpdesk.Customer{
		{Email: "ann@example.com", Name: new("Ann Archer")},
		{Email: "bob@example.com", Name: new("Bob 100% Real"), CompanyID: &w.Company.ID},
		{Email: "cat_1@example.com"},
		{Email: "catx1@example.com", Name: new("Cat Stevens"), CompanyID: &w.Company.ID},
	}
	inTx(t, s, func(tx helpdesk.Tx) error {
		for i := range people {
			c := &people[i]
			c.ID, c.WorkspaceID, c.CreatedAt, c.UpdatedAt = newID(), w.WS.ID, at(30+i), at(30+i)
			if err := tx.CreateCustomer(ctx, c); err != nil {
				return err
			}
			if c.CompanyID != nil {
				c.Company = &w.Company
			}
		}
		return nil
	})

	emails := func(f helpdesk.CustomerFilter) []string {
		t.Helper()
		list, err := s.Customers(ctx, w.WS.ID, f)
		noErr(t, err)
		out := []string{}
		for _, c := range list {
			out = append(out, c.Email)
		}
		return out
	}
	tests := []struct {
		name   string
		filter helpdesk.CustomerFilter
		want   []string
	}{
		{"all, by email", helpdesk.CustomerFilter{}, []string{"ann@example.com", "bob@example.com", "cat_1@example.com", "catx1@example.com", w.Customer.Email}},
		{"name, any case", helpdesk.CustomerFilter{Query: "ARCHER"}, []string{"ann@example.com"}},
		{"email part", helpdesk.CustomerFilter{Query: "cat"}, []string{"cat_1@example.com", "catx1@example.com"}},
		{"underscore is literal", helpdesk.CustomerFilter{Query: "cat_"}, []string{"cat_1@example.com"}},
		{"percent is literal", helpdesk.CustomerFilter{Query: "100%"}, []string{"bob@example.com"}},
		{"company", helpdesk.CustomerFilter{CompanyID: w.Company.ID}, []string{"bob@example.com", "catx1@example.com", w.Customer.Email}},
		{"company and query", helpdesk.CustomerFilter{CompanyID: w.Company.ID, Query: "cat"}, []string{"catx1@example.com"}},
		{"limit", helpdesk.CustomerFilter{Limit: 2}, []string{"ann@example.com", "bob@example.com"}},
		{"offset and limit", helpdesk.CustomerFilter{Offset: 2, Limit: 2}, []string{"cat_1@example.com", "catx1@example.com"}},
		{"offset past the end", helpdesk.CustomerFilter{Offset: 10, Limit: 2}, []string{}},
		{"no match", helpdesk.CustomerFilter{Query: "zebra"}, []string{}},
	}
	for _, tc := range tests {
		equal(t, "Customers "+tc.name, emails(tc.filter), tc.want)
	}

	// Lists carry the company like single reads do.
	list, err := s.Customers(ctx, w.WS.ID, helpdesk.CustomerFilter{Query: "bob"})
	noErr(t, err)
	equal(t, "listed customer", list, []helpdesk.Customer{people[1]})
}
