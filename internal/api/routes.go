package api

import (
	"net/http"
	"strings"
)

// route is one method and path of the API.
type route struct {
	method, path string
	h            http.Handler
}

// routes is the whole surface of API v1.
func (a *API) routes() []route {
	return []route{
		{"GET", "/api/v1/tickets", a.gate(needTicketsVersion, a.listTickets)},
		{"POST", "/api/v1/tickets", a.gate(needWrite, a.post(a.ticketCreator()))},
		{"GET", "/api/v1/tickets/{id}", a.gate(0, a.getTicket)},
		{"POST", "/api/v1/tickets/{id}/messages", a.gate(needWrite, a.createMessage)},
		{"GET", "/api/v1/events", a.gate(0, a.listEvents)},
		{"GET", "/api/v1/openapi.json", http.HandlerFunc(a.openAPI)},
	}
}

// Register mounts the API on mux. Besides each route it registers, per path,
// a method-less pattern that answers 405 with Allow, and a catch-all under
// /api/ that answers 404, so every answer below /api is the API's JSON.
func (a *API) Register(mux *http.ServeMux) {
	allow := map[string][]string{}
	var paths []string
	for _, rt := range a.routes() {
		mux.Handle(rt.method+" "+rt.path, rt.h)
		if _, ok := allow[rt.path]; !ok {
			paths = append(paths, rt.path)
		}
		allow[rt.path] = append(allow[rt.path], rt.method)
		if rt.method == http.MethodGet {
			// ServeMux serves HEAD with the GET handler.
			allow[rt.path] = append(allow[rt.path], http.MethodHead)
		}
	}
	for _, p := range paths {
		mux.Handle(p, a.fixed(&methodError{allow: strings.Join(allow[p], ", ")}))
	}
	mux.Handle("/api/", a.fixed(errNotFound))
	mux.Handle("/api", a.fixed(errNotFound))
}

// fixed answers every request with err.
func (a *API) fixed(err error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		setCommonHeaders(w)
		a.writeError(w, r, err)
	}
}
