package apikey

import (
	"net/http"
	"strings"
	"testing"
)

func headerWith(values ...string) http.Header {
	h := http.Header{}
	for _, v := range values {
		h.Add("Authorization", v)
	}
	return h
}

func TestFromHeader(t *testing.T) {
	t.Parallel()
	key, keyID, err := Generate(seededReader(5))
	if err != nil {
		t.Fatal(err)
	}
	body, sum := key[keyIDStart:checksumStart], key[checksumStart:]
	badSum := []byte(sum)
	badSum[0] = alphabet[(digit(badSum[0])+1)%62]

	tests := []struct {
		name   string
		header http.Header
		wantOK bool
	}{
		{"Bearer and a key", headerWith("Bearer " + key), true},
		{"lower-case scheme", headerWith("bearer " + key), true},
		{"upper-case scheme", headerWith("BEARER " + key), true},
		{"mixed-case scheme", headerWith("bEaReR " + key), true},
		{"several spaces", headerWith("Bearer    " + key), true},
		{"spaces up to the size cap", headerWith("Bearer" + strings.Repeat(" ", maxHeaderValue-len("Bearer")-Length) + key), true},

		{"missing", http.Header{}, false},
		{"empty value", headerWith(""), false},
		{"two headers, both valid", headerWith("Bearer "+key, "Bearer "+key), false},
		{"two headers, one empty", headerWith("Bearer "+key, ""), false},
		{"lower-case header name not canonicalised", http.Header{"authorization": {"Bearer " + key}}, false},
		{"Basic", headerWith("Basic " + key), false},
		{"Basic credentials", headerWith("Basic dXNlcjpwYXNz"), false},
		{"Token scheme", headerWith("Token " + key), false},
		{"Bearer alone", headerWith("Bearer"), false},
		{"Bearer and a space", headerWith("Bearer "), false},
		{"Bearer and spaces", headerWith("Bearer" + strings.Repeat(" ", 60)), false},
		{"no space after scheme", headerWith("Bearer" + key), false},
		{"tab after scheme", headerWith("Bearer\t" + key), false},
		{"space then tab", headerWith("Bearer \t" + key), false},
		{"scheme with a trailing letter", headerWith("Bearerx " + key), false},
		{"wrong first letter", headerWith("Gearer " + key), false},
		{"wrong last letter", headerWith("Beares " + key), false},
		{"scheme look-alike byte", headerWith("Bearer\x00" + key), false},
		{"key alone", headerWith(key), false},
		{"leading space", headerWith(" Bearer " + key), false},
		{"trailing space", headerWith("Bearer " + key + " "), false},
		{"key and trailing garbage", headerWith("Bearer " + key + "x"), false},
		{"key, comma, another key", headerWith("Bearer " + key + ", Bearer " + key), false},
		{"truncated key", headerWith("Bearer " + key[:Length-1]), false},
		{"bad charset", headerWith("Bearer " + Prefix + body[:10] + "+" + body[11:] + sum), false},
		{"bad checksum", headerWith("Bearer " + Prefix + body + string(badSum)), false},
		{"non-ASCII in key", headerWith("Bearer " + Prefix + body[:39] + "ü" + sum[1:]), false},
		{"non-ASCII scheme", headerWith("Bearér " + key), false},
		{"quoted key", headerWith(`Bearer "` + key + `"`), false},
		{"past the size cap", headerWith("Bearer" + strings.Repeat(" ", maxHeaderValue-len("Bearer")-Length+1) + key), false},
		{"huge value", headerWith("Bearer " + strings.Repeat("A", 1<<20)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gotKey, gotID, ok := FromHeader(tt.header)
			if ok != tt.wantOK {
				t.Fatalf("FromHeader ok = %v, want %v", ok, tt.wantOK)
			}
			if ok && (gotKey != key || gotID != keyID) {
				t.Errorf("FromHeader = %s, %q; want %s, %q", Display(gotID), gotID, Display(keyID), keyID)
			}
			if !ok && (gotKey != "" || gotID != "") {
				t.Errorf("FromHeader returned a key with ok=false")
			}
		})
	}
}

func BenchmarkFromHeader(b *testing.B) {
	key, _, err := Generate(nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name  string
		value string
	}{
		{"valid", "Bearer " + key},
		{"bad checksum", "Bearer " + key[:Length-1] + "!"},
		{"huge", "Bearer " + strings.Repeat("A", 1<<20)},
	} {
		h := headerWith(bc.value)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				FromHeader(h)
			}
		})
	}
}
