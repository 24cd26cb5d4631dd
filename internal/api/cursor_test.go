package api

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestCursor(t *testing.T) {
	t.Parallel()
	a := New(Options{Service: newEnv(t).svc, CursorKey: []byte("k")})
	b := New(Options{Service: a.svc, CursorKey: []byte("another key")})
	for _, n := range []int64{0, 1, 42, 1 << 40} {
		c := a.encodeCursor(cursorTickets, "ws-1", n)
		if len(c) != cursorTextLen {
			t.Fatalf("cursor %q has length %d", c, len(c))
		}
		if got, ok := a.decodeCursor(cursorTickets, "ws-1", c); !ok || got != n {
			t.Fatalf("round trip of %d: %d %v", n, got, ok)
		}
		for _, bad := range []struct {
			name, purpose, ws, c string
			api                  *API
		}{
			{"other workspace", cursorTickets, "ws-2", c, a},
			{"other purpose", cursorEvents, "ws-1", c, a},
			{"other server key", cursorTickets, "ws-1", c, b},
			{"padded", cursorTickets, "ws-1", c + "=", a},
			{"truncated", cursorTickets, "ws-1", c[:len(c)-1], a},
			{"standard base64", cursorTickets, "ws-1", strings.NewReplacer("-", "+", "_", "/").Replace(c) + "+", a},
		} {
			if _, ok := bad.api.decodeCursor(bad.purpose, bad.ws, bad.c); ok {
				t.Fatalf("%s accepted", bad.name)
			}
		}
		// Any single changed bit is refused.
		raw, _ := base64.RawURLEncoding.DecodeString(c)
		for i := range raw {
			for bit := range 8 {
				m := append([]byte(nil), raw...)
				m[i] ^= 1 << bit
				if _, ok := a.decodeCursor(cursorTickets, "ws-1", base64.RawURLEncoding.EncodeToString(m)); ok {
					t.Fatalf("byte %d bit %d flipped: accepted", i, bit)
				}
			}
		}
	}
}

func TestDecodeObject(t *testing.T) {
	t.Parallel()
	ok := []string{`{}`, ` {"a":1} `, "\t{\"a\":[[]]}\n", `{"a":"[[[[{{{{"}`, `{"a":"\"[[["}`, `{"` + strings.Repeat("[", 100) + `":1}`,
		`{"a":` + strings.Repeat("[", 31) + strings.Repeat("]", 31) + `}`}
	bad := []string{``, ` `, `[]`, `null`, `1`, `"s"`, `{`, `{}}`, `{} x`, `{"a":1,}`, "{\"a\":\"\xff\"}",
		`{"a":` + strings.Repeat("[", 32) + strings.Repeat("]", 32) + `}`, `{"a":` + strings.Repeat(`{"b":`, 40) + `1` + strings.Repeat("}", 40) + `}`}
	for _, s := range ok {
		if _, err := decodeObject([]byte(s)); err != nil {
			t.Errorf("%.60q refused: %v", s, err)
		}
	}
	for _, s := range bad {
		if _, err := decodeObject([]byte(s)); err != errInvalidJSON {
			t.Errorf("%.60q: %v, want Invalid JSON", s, err)
		}
	}
}
