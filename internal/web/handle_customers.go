package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

const customerPageSize = 50

type customerListData struct {
	Customers []helpdesk.Customer
	Companies map[string]string // id → name
	Query     string
	NextURL   string
	PrevURL   string
}

func (a *App) customerList(w http.ResponseWriter, r *http.Request) error {
	ws := stateOf(r).auth.Workspace.ID
	q := r.URL.Query()
	p := customerListData{Query: strings.TrimSpace(q.Get("q"))}
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	rows, more, err := a.svc.Customers(r.Context(), ws, helpdesk.CustomerFilter{
		Query: p.Query, Offset: (page - 1) * customerPageSize, Limit: customerPageSize,
	})
	if err != nil {
		return err
	}
	p.Customers = rows
	if p.Companies, err = a.companyNames(r, ws); err != nil {
		return err
	}
	pageURL := func(n int) string {
		v := url.Values{}
		if p.Query != "" {
			v.Set("q", p.Query)
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return "/customers"
		}
		return "/customers?" + v.Encode()
	}
	if more {
		p.NextURL = pageURL(page + 1)
	}
	if page > 1 {
		p.PrevURL = pageURL(page - 1)
	}
	a.render(w, r, http.StatusOK, "customers", &view{Title: "Customers", Nav: "customers", Data: p})
	return nil
}

func (a *App) companyNames(r *http.Request, ws string) (map[string]string, error) {
	cos, err := a.svc.Companies(r.Context(), ws)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(cos))
	for _, c := range cos {
		m[c.ID] = c.Name
	}
	return m, nil
}

type customerData struct {
	Customer  helpdesk.Customer
	Tickets   []helpdesk.TicketRow
	More      bool
	Companies []helpdesk.Company
}

func (a *App) customerPage(w http.ResponseWriter, r *http.Request) error {
	return a.showCustomer(w, r, http.StatusOK, nil)
}

func (a *App) showCustomer(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	ws := stateOf(r).auth.Workspace.ID
	c, err := a.svc.Customer(r.Context(), ws, r.PathValue("id"))
	if err != nil {
		return err
	}
	p := customerData{Customer: *c}
	if p.Tickets, p.More, err = a.svc.Tickets(r.Context(), ws, helpdesk.TicketFilter{CustomerID: c.ID, Limit: 50, IncludeMerged: true}); err != nil {
		return err
	}
	if p.Companies, err = a.svc.Companies(r.Context(), ws); err != nil {
		return err
	}
	if f == nil {
		f = newForm("customer", nil)
		f.Values.Set("name", deref(c.Name))
		f.Values.Set("company_id", deref(c.CompanyID))
	}
	a.render(w, r, status, "customer", &view{Title: customerName(c), Nav: "customers", Form: f, Data: p})
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (a *App) updateCustomer(w http.ResponseWriter, r *http.Request) error {
	ws := stateOf(r).auth.Workspace.ID
	f := newForm("customer", r)
	name := f.Get("name")
	company := f.Get("company_id")
	ch := helpdesk.CustomerChanges{Name: &name, CompanyID: &company, NewCompanyName: f.Get("new_company_name")}
	c, err := a.svc.UpdateCustomer(r.Context(), ws, r.PathValue("id"), ch)
	if err != nil {
		if f.invalid(err, nil) {
			return a.showCustomer(w, r, http.StatusBadRequest, f)
		}
		return err
	}
	http.Redirect(w, r, "/customers/"+url.PathEscape(c.ID)+"?notice=customer_saved", http.StatusSeeOther)
	return nil
}

// --- companies ---

type companyListData struct {
	Companies []helpdesk.Company
}

func (a *App) companyList(w http.ResponseWriter, r *http.Request) error {
	return a.showCompanies(w, r, http.StatusOK, nil)
}

func (a *App) showCompanies(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	cos, err := a.svc.Companies(r.Context(), stateOf(r).auth.Workspace.ID)
	if err != nil {
		return err
	}
	slices.SortFunc(cos, func(x, y helpdesk.Company) int {
		return strings.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name))
	})
	a.render(w, r, status, "companies", &view{Title: "Companies", Nav: "companies", Form: f, Data: companyListData{Companies: cos}})
	return nil
}

func (a *App) createCompany(w http.ResponseWriter, r *http.Request) error {
	f := newForm("company", r)
	co, err := a.svc.CreateCompany(r.Context(), stateOf(r).auth.Workspace.ID, f.Get("name"), f.Get("domain"))
	if err != nil {
		if f.invalid(err, nil) {
			return a.showCompanies(w, r, http.StatusBadRequest, f)
		}
		return err
	}
	http.Redirect(w, r, "/companies/"+url.PathEscape(co.ID)+"?notice=company_created", http.StatusSeeOther)
	return nil
}

type companyData struct {
	Company   helpdesk.Company
	Customers []helpdesk.Customer
	More      bool
	Tickets   []helpdesk.TicketRow
}

// companyTickets bounds the per-customer ticket reads of a company page.
const companyTickets = 25

func (a *App) companyPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ws := stateOf(r).auth.Workspace.ID
	co, err := a.svc.Company(ctx, ws, r.PathValue("id"))
	if err != nil {
		return err
	}
	p := companyData{Company: *co}
	if p.Customers, p.More, err = a.svc.Customers(ctx, ws, helpdesk.CustomerFilter{CompanyID: co.ID, Limit: 100}); err != nil {
		return err
	}
	// The store filters tickets by customer, not company: gather the recent
	// tickets of each customer shown and keep the newest.
	for _, c := range p.Customers {
		rows, _, err := a.svc.Tickets(ctx, ws, helpdesk.TicketFilter{CustomerID: c.ID, Limit: companyTickets})
		if err != nil {
			return err
		}
		p.Tickets = append(p.Tickets, rows...)
	}
	slices.SortFunc(p.Tickets, func(x, y helpdesk.TicketRow) int { return y.UpdatedAt.Compare(x.UpdatedAt) })
	if len(p.Tickets) > companyTickets {
		p.Tickets = p.Tickets[:companyTickets]
	}
	a.render(w, r, http.StatusOK, "company", &view{Title: co.Name, Nav: "companies", Data: p})
	return nil
}
