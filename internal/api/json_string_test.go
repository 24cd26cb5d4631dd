package api

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// checkJSONString fails t unless appendJSONString writes s as json.Marshal
// does.
func checkJSONString(t *testing.T, s string) {
	t.Helper()
	want, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
		t.Fatalf("%q:\n got %s\nwant %s", s, got, want)
	}
}

// TestAppendJSONStringBytes puts every byte value, and every pair of one
// special and one other byte, at every offset of plain text around an
// eight-byte word, so that each lane of the word-at-a-time skip is checked.
func TestAppendJSONStringBytes(t *testing.T) {
	plain := strings.Repeat("abcdefgh", 3)
	special := []byte{0, 0x1f, '"', '\\', '<', '>', '&', 0x7f, 0x80, 0xe2, 0xff, ' ', '!', '=', '?', '@', '[', ']'}
	for c := range 256 {
		for i := range len(plain) {
			s := []byte(plain)
			s[i] = byte(c)
			checkJSONString(t, string(s))
			checkJSONString(t, string(s[:i+1]))
			for _, d := range special {
				for j := i + 1; j < len(plain) && j < i+9; j++ {
					s2 := append([]byte(nil), s...)
					s2[j] = d
					checkJSONString(t, string(s2))
				}
			}
		}
	}
}

// TestAppendJSONStringRandom: strings of random length made of jsonPieces.
func TestAppendJSONStringRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		var b []byte
		for range rng.IntN(40) {
			b = append(b, jsonPieces[rng.IntN(len(jsonPieces))]...)
		}
		checkJSONString(t, string(b))
	}
}

// FuzzAppendJSONString: any string, valid UTF-8 or not, comes out as
// json.Marshal writes it.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range jsonPieces {
		f.Add(s)
	}
	f.Add("<a href=\"x\">R&D</a>\u2028\x01 and some more plain text")
	f.Fuzz(func(t *testing.T, s string) { checkJSONString(t, s) })
}

// BenchmarkAppendJSONString encodes description-like texts: plain ASCII
// prose, and prose with some characters that need escaping and some UTF-8.
//
//	go test -run '^$' -bench AppendJSONString ./internal/api
func BenchmarkAppendJSONString(b *testing.B) {
	texts := []struct{ name, s string }{
		{"plain", strings.Repeat("The printer on floor three stopped working after the update. It shows an error "+
			"and the queue is stuck. Could you please have a look at it today.\n\n", 8)},
		{"mixed", strings.Repeat("Hello, the printer on floor 3 stopped working after the update & now shows <error 42>.\n"+
			"Could you please have a look? Thanks — Zoë. ", 8)},
	}
	for _, tc := range texts {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.s)))
			buf := make([]byte, 0, 4*len(tc.s))
			for b.Loop() {
				buf = appendJSONString(buf[:0], tc.s)
			}
		})
	}
}
