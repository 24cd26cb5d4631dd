package httpserver

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tixallo/tixallo/internal/metrics"
)

// statusWriter remembers the status and size of a response for the access
// log and the metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	size   int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.size += n
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer (flush, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe writes one log line per request, counts it and times it by route.
// The route is the mux pattern that matched (never the raw path, whose ids
// would make the metrics unbounded) and the log line carries the path without
// its query string, where a careless client might have put a secret.
func observe(log *slog.Logger, reqs *metrics.CounterVec, latency *metrics.HistogramVec, trustProxy bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.ErrorContext(r.Context(), "panic serving request", "request_id", RequestID(r.Context()), "panic", p)
				if sw.status == 0 {
					internalError(sw, r)
				}
			}
			elapsed := time.Since(start)
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			reqs.Inc(route, strconv.Itoa(status))
			latency.ObserveDuration(elapsed, route)
			log.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("request_id", RequestID(r.Context())),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("route", route),
				slog.Int("status", status),
				slog.Int("bytes", sw.size),
				slog.Duration("duration", elapsed),
				slog.String("ip", ClientIP(r, trustProxy)),
			)
		}()
		next.ServeHTTP(sw, r)
	})
}

// internalError answers a request whose handler panicked before writing. The
// API recovers on its own; this is the last line for everything else, and it
// still answers an /api/ path in the API's documented JSON shape.
func internalError(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if strings.HasPrefix(r.URL.Path, "/api/") {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"error":"Internal server error"}`))
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write([]byte("Internal server error\n"))
}
