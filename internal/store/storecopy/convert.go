package storecopy

import (
	"fmt"
	"time"
)

// A converter turns one value as the SQLite driver returns it (int64,
// string, []byte or nil) into what pgx encodes as the PostgreSQL column's
// type. nil stays nil: NULL is NULL on both sides.
type converter func(v any) (any, error)

// typePair is a SQLite declared type and a PostgreSQL type name.
type typePair struct{ sqlite, postgres string }

// converters are the column pairs the schemas use. A pair missing here (an
// array, jsonb, a new type on either side) makes the plan fail, naming the
// column, rather than be guessed at.
var converters = map[typePair]converter{
	{"TEXT", "text"}:           asText,
	{"INTEGER", "int8"}:        asInteger,
	{"INTEGER", "int4"}:        asInteger, // pgx refuses a value out of int4's range
	{"INTEGER", "int2"}:        asInteger,
	{"INTEGER", "bool"}:        asBool,
	{"INTEGER", "timestamptz"}: asTime,
	{"BLOB", "bytea"}:          asBytes,
}

func asText(v any) (any, error) {
	switch v.(type) {
	case nil, string:
		return v, nil
	}
	return nil, fmt.Errorf("want text, found %T", v)
}

func asInteger(v any) (any, error) {
	switch v.(type) {
	case nil, int64:
		return v, nil
	}
	return nil, fmt.Errorf("want an integer, found %T", v)
}

// asBool reads SQLite's 0 and 1; anything else is refused rather than
// read as true.
func asBool(v any) (any, error) {
	switch n := v.(type) {
	case nil:
		return nil, nil
	case int64:
		if n == 0 || n == 1 {
			return n == 1, nil
		}
		return nil, fmt.Errorf("want 0 or 1, found %d", n)
	}
	return nil, fmt.Errorf("want 0 or 1, found %T", v)
}

// asTime reads a time stored as microseconds since the Unix epoch: the
// precision timestamptz keeps, so the value round-trips exactly.
func asTime(v any) (any, error) {
	switch n := v.(type) {
	case nil:
		return nil, nil
	case int64:
		return time.UnixMicro(n).UTC(), nil
	}
	return nil, fmt.Errorf("want microseconds, found %T", v)
}

// asBytes passes a BLOB on. The driver returns an empty BLOB as nil, like
// NULL; the plan selects an IS NULL flag beside every BLOB column so that
// the row source can tell them apart (see rowSource).
func asBytes(v any) (any, error) {
	switch v.(type) {
	case nil, []byte:
		return v, nil
	}
	return nil, fmt.Errorf("want bytes, found %T", v)
}
