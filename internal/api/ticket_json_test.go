package api

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestTicketPageJSON: the hand-written list encoder gives json.Marshal's
// bytes. Every field of every ticket is set through reflection, to strings
// full of what JSON escapes, so a field added to ticketObject but not to
// appendTicketObject makes the outputs differ.
func TestTicketPageJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"a", "Ω", "日本", "\"", "\\", "<", ">", "&", "\n", "\r", "\t", "\b", "\f", "\x00", "\x1f", "\x7f",
		"\u2028", "\u2029", "\xff", "\xe2\x80", "😀", " ", "/", "'", "\u00e9"}
	str := func() string {
		var b []byte
		for range rng.IntN(12) {
			b = append(b, pieces[rng.IntN(len(pieces))]...)
		}
		return string(b)
	}
	fill := func(v reflect.Value) {
		for i := range v.NumField() {
			f := v.Field(i)
			switch f.Kind() {
			case reflect.String:
				f.SetString(str())
			case reflect.Int64:
				f.SetInt(rng.Int64N(1<<40) - 1<<39)
			case reflect.Pointer:
				if rng.IntN(3) > 0 {
					s := str()
					f.Set(reflect.ValueOf(&s))
				}
			default:
				t.Fatalf("ticketObject.%s: kind %s is not covered by this test", v.Type().Field(i).Name, f.Kind())
			}
		}
	}
	for n := range 300 {
		page := ticketPage{Data: make([]ticketObject, n%4)}
		for i := range page.Data {
			fill(reflect.ValueOf(&page.Data[i]).Elem())
		}
		if n%2 == 0 {
			c := str()
			page.NextCursor = &c
		}
		want, err := json.Marshal(page)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendTicketPage(nil, &page); !bytes.Equal(got, want) {
			t.Fatalf("page %d:\n got %s\nwant %s", n, got, want)
		}
	}
}
