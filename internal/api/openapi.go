package api

import (
	"bytes"
	_ "embed"
	"net/http"
)

// openAPIDocument describes API v1 in OpenAPI 3.1. TestOpenAPI checks real
// responses of every route against it, so it cannot drift from the code.
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPI is GET /api/v1/openapi.json. It needs no key: the contract is
// public, and tools fetch it before they have one.
func (a *API) openAPI(w http.ResponseWriter, r *http.Request) {
	setCommonHeaders(w)
	// The document changes only with the binary; let clients cache it a bit.
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeRaw(w, http.StatusOK, bytes.TrimSpace(openAPIDocument))
}
