package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// RateLimitSorted decides keys[i] at nows[i] (Unix µs) on c exactly as a
// Limiter's batch does, for tests that hold the decisions against a model.
func RateLimitSorted(ctx context.Context, c *pgx.Conn, keys []string, nows []int64, window int64, limit int) (
	allowed []bool, used []int, oldest []*int64, err error) {
	answers, err := decideSorted(ctx, c, keys, nows, window, limit)
	for _, a := range answers {
		allowed, used, oldest = append(allowed, a.allowed), append(used, a.used), append(oldest, a.oldest)
	}
	return allowed, used, oldest, err
}
