package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// createMessage is POST /api/v1/tickets/{id}/messages. A malformed id is a
// 404 before anything else is looked at.
func (a *API) createMessage(w http.ResponseWriter, r *http.Request, p *principal) error {
	id := r.PathValue("id")
	if !validID(id) {
		return errNotFound
	}
	return a.post(a.messageCreator(id))(w, r, p)
}

// messageCreator appends a public message: body required, author_type
// customer (default) or agent, author_name optional.
func (a *API) messageCreator(ticketID string) creator {
	return creator{
		run: func(ctx context.Context, r *http.Request, p *principal, body []byte) (any, error) {
			in, err := decodeNewMessage(body)
			if err != nil {
				// A message to a ticket that does not exist is a 404 whatever
				// its body says, as the domain does for field errors.
				if _, terr := a.svc.Store().Ticket(ctx, p.workspaceID(), ticketID); terr != nil {
					return nil, terr
				}
				return nil, err
			}
			return a.svc.AddMessage(ctx, p.workspaceID(), ticketID, in)
		},
		respond: func(_ *principal, result any) (created, error) {
			m, ok := result.(*helpdesk.Message)
			if !ok {
				return created{}, fmt.Errorf("create message: unexpected result %T", result)
			}
			b, err := json.Marshal(dataObject[messageObject]{newMessageObject(m)})
			if err != nil {
				return created{}, fmt.Errorf("encode message: %w", err)
			}
			// A message has no URL of its own, so there is no Location.
			return created{body: b}, nil
		},
	}
}

func decodeNewMessage(body []byte) (helpdesk.NewMessage, error) {
	m, err := decodeObject(body)
	if err != nil {
		return helpdesk.NewMessage{}, err
	}
	f := newFields(m)
	in := helpdesk.NewMessage{Source: helpdesk.SourceAPI}
	if s := f.str("body"); s != nil {
		in.Body = *s
	}
	if s := f.str("author_type"); s != nil {
		in.AuthorType = helpdesk.AuthorType(*s)
		if in.AuthorType == "" {
			// "" would mean "default" to the domain; from a client it is
			// a value that is neither customer nor agent.
			f.errs.Add("author_type", "Must be customer or agent")
		}
	}
	in.AuthorName = f.str("author_name")
	return in, f.err()
}
