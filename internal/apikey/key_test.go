package apikey

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"hash/crc32"
	"io"
	"math/big"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// keyFormat is the published format, written out independently of the code under test.
var keyFormat = regexp.MustCompile(`^tix_[0-9A-Za-z]{46}$`)

// wantChecksum computes the checksum part of a key with hash/crc32 and math/big instead of the
// package's own code.
func wantChecksum(body string) string {
	return base62Digits(uint64(crc32.ChecksumIEEE([]byte(body))))
}

// base62Digits writes v as six base62 digits, most significant first. big's base-62 digits are
// 0-9a-zA-Z, ours are 0-9A-Za-z, so swapping the case of the letters converts one to the other.
func base62Digits(v uint64) string {
	var n big.Int
	n.SetUint64(v)
	digits := strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z':
			return r - 'a' + 'A'
		case 'A' <= r && r <= 'Z':
			return r - 'A' + 'a'
		}
		return r
	}, n.Text(62))
	return strings.Repeat("0", checksumLen-len(digits)) + digits
}

// wellFormed is the test oracle for Parse: the regex plus a checksum computed the slow way.
func wellFormed(key string) bool {
	return keyFormat.MatchString(key) && key[checksumStart:] == wantChecksum(key[keyIDStart:checksumStart])
}

// seededReader is a deterministic random source for tests that need repeatable keys.
func seededReader(seed uint64) io.Reader {
	var s [32]byte
	s[0] = byte(seed)
	s[1] = byte(seed >> 8)
	return rand.NewChaCha8(s)
}

func TestGenerateManyKeys(t *testing.T) {
	t.Parallel()
	const n = 100_000
	seen := make(map[string]struct{}, n)
	var counts [256]int
	for range n {
		key, keyID, err := Generate(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !keyFormat.MatchString(key) {
			t.Fatalf("key %q does not match %v", Display(keyID), keyFormat)
		}
		gotID, ok := Parse(key)
		if !ok || gotID != keyID || keyID != key[4:12] || !ValidKeyID(keyID) {
			t.Fatalf("Parse(key %s) = %q, %v; Generate gave key id %q", Display(keyID), gotID, ok, keyID)
		}
		if _, dup := seen[key]; dup {
			t.Fatalf("duplicate key %s after %d keys", Display(keyID), len(seen))
		}
		seen[key] = struct{}{}
		for i := keyIDStart; i < checksumStart; i++ {
			counts[key[i]]++
		}
	}

	// Unbiased sampling: without rejection, b%62 would make 0-7 a quarter more likely than the
	// rest, a chi-square statistic in the tens of thousands. Uniform characters give about 61
	// (61 degrees of freedom); 140 is exceeded by chance with probability below 10⁻⁸.
	expected := float64(n*bodyLen) / 62
	chi2 := 0.0
	for _, c := range []byte(alphabet) {
		d := float64(counts[c]) - expected
		chi2 += d * d / expected
	}
	if chi2 > 140 {
		t.Errorf("character frequencies look biased: chi-square %.1f over 61 degrees of freedom", chi2)
	}
}

func TestGenerateKnownAnswer(t *testing.T) {
	t.Parallel()
	// Bytes 248-255 must be skipped and every other byte b stands for alphabet[b%62], so this
	// stream spells out the first 40 base62 digits in order.
	var stream []byte
	for i := range bodyLen {
		stream = append(stream, byte(248+i%8), byte(i+62*(i%4)))
	}
	stream = append(stream, make([]byte, 128-len(stream))...)
	key, keyID, err := Generate(bytes.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	// The checksum below was computed outside Go (Python's zlib.crc32 and the same alphabet).
	want := Prefix + "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcd" + "0omAup"
	if key != want || keyID != "01234567" {
		t.Errorf("Generate = %q, %q; want %q, %q", key, keyID, want, "01234567")
	}
}

func TestGenerateBadReader(t *testing.T) {
	t.Parallel()
	errBroken := errors.New("broken")
	tests := []struct {
		name    string
		random  io.Reader
		wantErr error // nil means any error
	}{
		{"reader fails", iotestErrReader{errBroken}, errBroken},
		{"reader runs dry", bytes.NewReader(make([]byte, 10)), io.ErrUnexpectedEOF},
		{"only unusable bytes", bytes.NewReader(bytes.Repeat([]byte{0xff}, 1<<20)), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			key, keyID, err := Generate(tt.random)
			if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
				t.Errorf("Generate = %q, %q, %v; want error %v", key, keyID, err, tt.wantErr)
			}
			if key != "" || keyID != "" {
				t.Errorf("Generate returned a key with an error")
			}
		})
	}
}

type iotestErrReader struct{ err error }

func (r iotestErrReader) Read([]byte) (int, error) { return 0, r.err }

func TestParse(t *testing.T) {
	t.Parallel()
	key, keyID, err := Generate(seededReader(1))
	if err != nil {
		t.Fatal(err)
	}
	body, sum := key[keyIDStart:checksumStart], key[checksumStart:]
	badSum := []byte(sum)
	badSum[5] = alphabet[(digit(badSum[5])+1)%62]
	tests := []struct {
		name   string
		key    string
		wantOK bool
	}{
		{"valid", key, true},
		{"empty", "", false},
		{"prefix only", Prefix, false},
		{"upper-case prefix", "TIX_" + body + sum, false},
		{"other separator", "tix-" + body + sum, false},
		{"no prefix", body + sum, false},
		{"truncated", key[:Length-1], false},
		{"one extra character", key + "0", false},
		{"trailing space", key + " ", false},
		{"leading space", " " + key[:Length-1], false},
		{"underscore in body", Prefix + "_" + body[1:] + sum, false},
		{"hyphen in body", Prefix + body[:20] + "-" + body[21:] + sum, false},
		{"non-ASCII in body", Prefix + body[:38] + "é" + sum, false},
		{"bad checksum", Prefix + body + string(badSum), false},
		{"checksum beyond 32 bits", Prefix + body + "zzzzzz", false},
		{"checksum plus 2^32", Prefix + body + base62Digits(uint64(crc32.ChecksumIEEE([]byte(body)))+1<<32), false},
		{"checksum of another body", Prefix + body + wantChecksum(body[1:]+"0"), false},
		{"NUL in checksum", Prefix + body + sum[:5] + "\x00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gotID, ok := Parse(tt.key)
			if ok != tt.wantOK {
				t.Fatalf("Parse ok = %v, want %v", ok, tt.wantOK)
			}
			if ok && gotID != keyID {
				t.Errorf("Parse key id = %q, want %q", gotID, keyID)
			}
			if !ok && gotID != "" {
				t.Errorf("Parse returned key id %q with ok=false", gotID)
			}
			if ok != wellFormed(tt.key) {
				t.Errorf("Parse ok = %v but the oracle says %v", ok, !ok)
			}
		})
	}
}

// TestParseRejectsEverySingleChange: CRC32 catches every error confined to 32 consecutive bits,
// and a checksum digit has one value only, so no one-character change of a key may still parse.
func TestParseRejectsEverySingleChange(t *testing.T) {
	t.Parallel()
	for k := range 64 {
		key, _, err := Generate(seededReader(uint64(k)))
		if err != nil {
			t.Fatal(err)
		}
		b := []byte(key)
		for i := range b {
			orig := b[i]
			for c := range 256 {
				if byte(c) == orig {
					continue
				}
				b[i] = byte(c)
				if id, ok := Parse(string(b)); ok {
					t.Fatalf("key %d with byte %d changed from %q to %q still parses (key id %q)", k, i, orig, byte(c), id)
				}
			}
			b[i] = orig
		}
	}
}

func TestParseAndFromHeaderDoNotAllocate(t *testing.T) {
	key, _, err := Generate(seededReader(2))
	if err != nil {
		t.Fatal(err)
	}
	h := headerWith("Bearer   " + key)
	var ok1, ok2 bool
	allocs := testing.AllocsPerRun(100, func() {
		_, ok1 = Parse(key)
		_, _, ok2 = FromHeader(h)
	})
	if !ok1 || !ok2 {
		t.Fatal("a valid key was refused")
	}
	if allocs != 0 {
		t.Errorf("Parse + FromHeader allocate %.0f times per call, want 0", allocs)
	}
}

func TestHashAndMatches(t *testing.T) {
	t.Parallel()
	key, _, err := Generate(seededReader(3))
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := Generate(seededReader(4))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(key))
	if got := Hash(key); !bytes.Equal(got, sum[:]) {
		t.Fatalf("Hash = %x, want SHA-256 %x", got, sum)
	}
	stored := Hash(key)
	tests := []struct {
		name   string
		key    string
		stored []byte
		want   bool
	}{
		{"same key", key, stored, true},
		{"other key", other, stored, false},
		{"key with last byte changed", key[:Length-1] + "x", stored, false},
		{"stored hash truncated", key, stored[:31], false},
		{"no stored hash", key, nil, false},
		{"empty key", "", stored, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Matches(tt.key, tt.stored); got != tt.want {
				t.Errorf("Matches = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDisplay(t *testing.T) {
	t.Parallel()
	if got, want := Display("Ab3dE9xQ"), "tix_Ab3dE9xQ\u2026"; got != want {
		t.Errorf("Display = %q, want %q", got, want)
	}
}

func TestValidKeyID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"Ab3dE9xQ", true},
		{"00000000", true},
		{"zzzzzzzz", true},
		{"", false},
		{"Ab3dE9x", false},
		{"Ab3dE9xQ1", false},
		{"Ab3d_9xQ", false},
		{"Ab3d 9xQ", false},
		{"tix_Ab3d", false},
		{"Ab3dE9xé", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := ValidKeyID(tt.in); got != tt.want {
				t.Errorf("ValidKeyID(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		if _, _, err := Generate(nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	key, _, err := Generate(nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := Parse(key); !ok {
			b.Fatal("valid key refused")
		}
	}
}
