// Package apikey owns the format of Tixallo's workspace API keys: generating them, checking them
// offline, hashing them for storage and reading them from an Authorization header.
//
// A key is "tix_" + an 8-char key id + a 32-char secret + a 6-char checksum, all base62:
// 50 characters matching ^tix_[0-9A-Za-z]{46}$. The key id is public (it names the key in the app,
// the CLI, logs and audit entries); the secret is never stored, only a hash of the whole key.
// The checksum is CRC32-IEEE of the 40 characters after the prefix, so secret scanners can confirm
// a leaked key and the server can turn away typos and garbage without a database query. It is
// not a MAC: anyone can compute it.
package apikey

import (
	"crypto/rand"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// Prefix starts every key; it makes leaked keys easy for secret scanners to find.
const Prefix = "tix_"

// Length is the length of a full key: "tix_" + 8 key id + 32 secret + 6 checksum.
const Length = 50

const (
	keyIDLen    = 8
	secretLen   = 32
	checksumLen = 6
	bodyLen     = keyIDLen + secretLen // the part the checksum covers

	keyIDStart    = len(Prefix)
	keyIDEnd      = keyIDStart + keyIDLen
	checksumStart = keyIDStart + bodyLen
)

// alphabet is base62 in ASCII order (0-9, A-Z, a-z), the usual convention for GitHub-style
// checksums. A scanner needs the order to verify a checksum, so the public docs must state it.
const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// rejectFrom is the largest multiple of 62 that fits in a byte; bytes at or above it are thrown
// away so that b%62 is uniform (248 = 4×62).
const rejectFrom = 248

// maxRandomBytes bounds how much Generate reads. A healthy source rejects 8 bytes in 256, so
// needing more than this many bytes for 40 characters means the reader is broken (say, it returns
// only 0xff), and an error beats an endless loop.
const maxRandomBytes = 1024

// Generate returns a new full key and its public key id. The key id and the secret are drawn from
// random (crypto/rand.Reader when nil) by rejection sampling, so every base62 character is equally
// likely. The caller retries on a key id collision (about 47 bits, so rare but possible).
func Generate(random io.Reader) (key, keyID string, err error) {
	if random == nil {
		random = rand.Reader
	}
	var out [Length]byte
	copy(out[:], Prefix)
	body := out[keyIDStart:checksumStart]

	var buf [64]byte
	filled, read := 0, 0
	for filled < bodyLen {
		if read >= maxRandomBytes {
			return "", "", errors.New("apikey: random source returned too many unusable bytes")
		}
		if _, err := io.ReadFull(random, buf[:]); err != nil {
			return "", "", fmt.Errorf("apikey: reading random bytes: %w", err)
		}
		read += len(buf)
		for _, b := range buf {
			if b >= rejectFrom {
				continue
			}
			body[filled] = alphabet[b%62]
			filled++
			if filled == bodyLen {
				break
			}
		}
	}

	sum := checksum(string(body))
	for i := Length - 1; i >= checksumStart; i-- {
		out[i] = alphabet[sum%62]
		sum /= 62
	}
	key = string(out[:])
	return key, key[keyIDStart:keyIDEnd], nil
}

// Parse checks that key has the key format and a correct checksum, and returns its key id. It does
// not allocate and its cost does not depend on the input's length, so the API can run it on every
// request before touching the database.
func Parse(key string) (keyID string, ok bool) {
	if len(key) != Length || key[:len(Prefix)] != Prefix {
		return "", false
	}
	for i := keyIDStart; i < checksumStart; i++ {
		if digit(key[i]) < 0 {
			return "", false
		}
	}
	// Decode rather than encode and compare: each CRC value has exactly one six-digit form
	// (62⁶ > 2³²), so the two are equivalent, and decoding needs no buffer.
	var want uint64
	for i := checksumStart; i < Length; i++ {
		d := digit(key[i])
		if d < 0 {
			return "", false
		}
		want = want*62 + uint64(d)
	}
	if want != uint64(checksum(key[keyIDStart:checksumStart])) {
		return "", false
	}
	return key[keyIDStart:keyIDEnd], true
}

// ValidKeyID reports whether s has the form of a key id: 8 base62 characters. The CLI and the app
// use it to reject a malformed id before looking it up.
func ValidKeyID(s string) bool {
	if len(s) != keyIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if digit(s[i]) < 0 {
			return false
		}
	}
	return true
}

// Display is the non-secret form of a key that the app and the CLI show: the prefix, the key id and
// an ellipsis (U+2026) standing for the rest.
func Display(keyID string) string {
	return Prefix + keyID + "…"
}

// digit returns the base62 value of c, or -1 when c is not a base62 character.
func digit(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'A' <= c && c <= 'Z':
		return int(c-'A') + 10
	case 'a' <= c && c <= 'z':
		return int(c-'a') + 36
	}
	return -1
}

// checksum is CRC32-IEEE of s. It runs the table form over the string itself because
// crc32.ChecksumIEEE wants a []byte, and converting the key would cost Parse an allocation; for
// 40 bytes the table loop is as fast.
func checksum(s string) uint32 {
	tab := crc32.IEEETable // a local copy of the pointer halves the loop's cost
	crc := ^uint32(0)
	for i := 0; i < len(s); i++ {
		crc = tab[byte(crc)^s[i]] ^ (crc >> 8)
	}
	return ^crc
}
