package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// ticketCreator is POST /api/v1/tickets: subject, description and
// customer_email required; customer_name and priority optional. The ticket
// lands in the workspace's default inbox with source api.
func (a *API) ticketCreator() creator {
	return creator{
		run: func(ctx context.Context, r *http.Request, p *principal, body []byte) (any, error) {
			in, err := decodeNewTicket(body)
			if err != nil {
				return nil, err
			}
			return a.svc.CreateTicket(ctx, p.workspaceID(), in)
		},
		respond: func(_ *principal, result any) (created, error) {
			t, ok := result.(*helpdesk.Ticket)
			if !ok {
				return created{}, fmt.Errorf("create ticket: unexpected result %T", result)
			}
			b, err := json.Marshal(dataObject[ticketObject]{newTicketObject(t)})
			if err != nil {
				return created{}, fmt.Errorf("encode ticket: %w", err)
			}
			return created{body: b, location: "/api/v1/tickets/" + t.ID}, nil
		},
	}
}

// decodeNewTicket turns a request body into the domain's input. It checks
// only JSON types; lengths, formats and required-ness are the domain's rules,
// so the API and the app report them alike.
func decodeNewTicket(body []byte) (helpdesk.NewTicket, error) {
	m, err := decodeObject(body)
	if err != nil {
		return helpdesk.NewTicket{}, err
	}
	f := newFields(m)
	in := helpdesk.NewTicket{Source: helpdesk.SourceAPI}
	if s := f.str("subject"); s != nil {
		in.Subject = *s
	}
	if s := f.str("description"); s != nil {
		in.Description = *s
	}
	if s := f.str("customer_email"); s != nil {
		in.CustomerEmail = *s
	}
	in.CustomerName = f.str("customer_name")
	if s := f.str("priority"); s != nil {
		p := helpdesk.Priority(*s)
		in.Priority = &p
	}
	return in, f.err()
}
