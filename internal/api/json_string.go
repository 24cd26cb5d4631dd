package api

import (
	"math/bits"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// jsonSafe marks the ASCII bytes that appendJSONString copies as they are (a
// table lookup, as in encoding/json, is cheaper than the comparisons).
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendJSONString appends s as a JSON string exactly as encoding/json does
// (its appendString with HTML escaping): ", \ and control characters
// escaped, <, > and & as \u003c, \u003e and \u0026, invalid UTF-8 as
// \ufffd, and U+2028 and U+2029 escaped.
//
// A list page is about 25 KB of text that is nearly all plain ASCII, so the
// loop first skips eight bytes at a time while none of them needs a look
// (specialByte); the byte-wise loop then handles the one that does.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if len(s)-i >= 8 {
			m := specialByte(load64(s, i))
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) >> 3
		}
		if c := s[i]; c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// load64 reads s[i:i+8] as a little-endian word, so the lowest byte of the
// word is s[i]. (The compiler makes this one load.)
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

const (
	lowBits  = 0x0101010101010101
	highBits = 0x8080808080808080
)

// specialByte returns 0 when every byte of w is one that jsonSafe marks,
// and otherwise a word whose lowest set bit is the high bit of the first
// byte that is not: a control character, ", \, <, >, & or a byte of a
// multi-byte sequence. The subtractions can set bits above the first hit
// (a borrow moves up), never below it, so the lowest bit is exact.
func specialByte(w uint64) uint64 {
	zero := func(v uint64) uint64 { return (v - lowBits) &^ v }
	m := (w - lowBits*0x20) &^ w // below 0x20
	m |= zero(w ^ (lowBits * '"'))
	m |= zero(w ^ (lowBits * '\\'))
	m |= zero(w ^ (lowBits * '<'))
	m |= zero(w ^ (lowBits * '>'))
	m |= zero(w ^ (lowBits * '&'))
	return (m | w) & highBits // w's high bits: 0x80 and above
}
