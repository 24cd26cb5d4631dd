package apikey

import (
	"regexp"
	"strings"
	"testing"
)

// headerFormat is the accepted Authorization value, spelled out independently of FromHeader.
var headerFormat = regexp.MustCompile(`^[Bb][Ee][Aa][Rr][Ee][Rr] +(tix_[0-9A-Za-z]{46})$`)

// fuzzSeeds are valid keys from a fixed seed, so the fuzzer starts next to the accepting path.
func fuzzSeeds(f *testing.F) []string {
	var keys []string
	for i := range 4 {
		key, _, err := Generate(seededReader(uint64(100 + i)))
		if err != nil {
			f.Fatal(err)
		}
		keys = append(keys, key)
	}
	return keys
}

func FuzzParse(f *testing.F) {
	for _, key := range fuzzSeeds(f) {
		f.Add(key)
		f.Add(key[:Length-1] + "0")
		f.Add(strings.ToUpper(key))
	}
	f.Add("")
	f.Add(Prefix)
	f.Fuzz(func(t *testing.T, key string) {
		keyID, ok := Parse(key)
		if want := wellFormed(key); ok != want {
			t.Fatalf("Parse(%q) ok = %v, oracle says %v", key, ok, want)
		}
		if ok && keyID != key[keyIDStart:keyIDEnd] {
			t.Fatalf("Parse(%q) key id = %q", key, keyID)
		}
		if !ok && keyID != "" {
			t.Fatalf("Parse(%q) returned key id %q with ok=false", key, keyID)
		}
	})
}

func FuzzFromHeader(f *testing.F) {
	for _, key := range fuzzSeeds(f) {
		f.Add("Bearer "+key, false)
		f.Add("bearer   "+key, true)
		f.Add("Bearer\t"+key, false)
		f.Add("Basic "+key, false)
		f.Add("Bearer "+key+" ", false)
	}
	f.Add("", false)
	f.Add("Bearer", false)
	f.Fuzz(func(t *testing.T, value string, twice bool) {
		h := headerWith(value)
		if twice {
			h.Add("Authorization", value)
		}
		key, keyID, ok := FromHeader(h)

		m := headerFormat.FindStringSubmatch(value)
		want := !twice && len(value) <= maxHeaderValue && m != nil && wellFormed(m[1])
		if ok != want {
			t.Fatalf("FromHeader(%q, twice=%v) ok = %v, oracle says %v", value, twice, ok, want)
		}
		if ok && (key != m[1] || keyID != m[1][keyIDStart:keyIDEnd]) {
			t.Fatalf("FromHeader(%q) = %q, %q; want %q", value, key, keyID, m[1])
		}
		if !ok && (key != "" || keyID != "") {
			t.Fatalf("FromHeader(%q) returned a key with ok=false", value)
		}
	})
}
