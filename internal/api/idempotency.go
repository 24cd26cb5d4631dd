package api

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/httpserver"
)

// maxIdempotencyKey is the longest Idempotency-Key accepted (SPEC §3.5).
const maxIdempotencyKey = 255

// creator is one POST endpoint, split so that Idempotency-Key handling can
// wrap it: run decodes the body and makes the change with ctx (which may
// carry the commit hook that stores the response), and respond turns the
// change's result into the 201 response.
type creator struct {
	run     func(ctx context.Context, r *http.Request, p *principal, body []byte) (any, error)
	respond func(p *principal, result any) (created, error)
}

// created is a 201 response: its body and its Location.
type created struct {
	body     []byte
	location string
}

// post serves a creator with Idempotency-Key support (SPEC §3.5). With a key,
// the request is claimed for the workspace and key before it runs; the 201
// response is stored by a commit hook in the very transaction that makes the
// change, so a replay can never disagree with what was written. A request
// that fails releases its claim, so a corrected retry with the same key runs.
func (a *API) post(c creator) handler {
	return func(w http.ResponseWriter, r *http.Request, p *principal) error {
		body, err := readBody(w, r)
		if err != nil {
			return err
		}
		key, hasKey, err := idempotencyKey(r.Header)
		if err != nil {
			return err
		}
		if !hasKey {
			result, err := c.run(r.Context(), r, p, body)
			if err != nil {
				return err
			}
			out, err := c.respond(p, result)
			if err != nil {
				return err
			}
			writeCreated(w, out)
			return nil
		}

		ctx := r.Context()
		rec, replay, err := a.svc.ClaimIdempotencyKey(ctx, p.workspaceID(), key, fingerprint(r.Method, r.URL.Path, body))
		if err != nil {
			return err
		}
		if replay {
			w.Header().Set("Idempotent-Replayed", "true")
			if rec.Location != "" {
				w.Header().Set("Location", rec.Location)
			}
			writeRaw(w, rec.Status, rec.Body)
			return nil
		}

		var (
			out    created
			stored bool
		)
		hook := func(ctx context.Context, tx helpdesk.Tx, result any) error {
			o, err := c.respond(p, result)
			if err != nil {
				return err
			}
			rec.Status, rec.Body, rec.Location = http.StatusCreated, o.body, o.location
			if err := tx.CompleteIdempotencyRecord(ctx, rec); err != nil {
				return fmt.Errorf("store idempotent response: %w", err)
			}
			out, stored = o, true
			return nil
		}
		result, err := c.run(helpdesk.WithCommitHook(ctx, hook), r, p, body)
		if err != nil || !stored {
			// Nothing was written (or, impossibly, the change committed
			// without its response): free the key for a retry. The client
			// may be gone, but the release must still happen.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if rerr := a.svc.ReleaseIdempotencyKey(rctx, rec); rerr != nil {
				a.log.LogAttrs(ctx, slog.LevelError, "release idempotency key",
					slog.String("request_id", httpserver.RequestID(ctx)), slog.String("err", rerr.Error()))
			}
		}
		if err != nil {
			return err
		}
		if !stored {
			if out, err = c.respond(p, result); err != nil {
				return err
			}
		}
		writeCreated(w, out)
		return nil
	}
}

func writeCreated(w http.ResponseWriter, out created) {
	if out.location != "" {
		w.Header().Set("Location", out.location)
	}
	writeRaw(w, http.StatusCreated, out.body)
}

// idempotencyKey reads the optional Idempotency-Key header: exactly one, of
// 1–255 visible ASCII characters (0x21–0x7E). The value is the key verbatim;
// quotes, if a client sends the header as a structured-field string, are part
// of it.
func idempotencyKey(h http.Header) (key string, ok bool, err error) {
	values := h.Values("Idempotency-Key")
	switch len(values) {
	case 0:
		return "", false, nil
	case 1:
	default:
		return "", false, invalid("Idempotency-Key", "Must be sent once")
	}
	v := values[0]
	if len(v) < 1 || len(v) > maxIdempotencyKey {
		return "", false, invalid("Idempotency-Key", fmt.Sprintf("Must be 1 to %d visible ASCII characters", maxIdempotencyKey))
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x21 || v[i] > 0x7e {
			return "", false, invalid("Idempotency-Key", fmt.Sprintf("Must be 1 to %d visible ASCII characters", maxIdempotencyKey))
		}
	}
	return v, true, nil
}

// fingerprint identifies a request for Idempotency-Key purposes: SHA-256 of
// the method, the path and the raw body bytes, each length-prefixed. "The
// same request" therefore means the same bytes: a body re-serialised with
// other white space or member order is a different request.
func fingerprint(method, path string, body []byte) []byte {
	h := sha256.New()
	var l [8]byte
	for _, part := range [][]byte{[]byte(method), []byte(path), body} {
		binary.BigEndian.PutUint64(l[:], uint64(len(part)))
		h.Write(l[:])
		h.Write(part)
	}
	return h.Sum(nil)
}
