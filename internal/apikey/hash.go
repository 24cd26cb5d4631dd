package apikey

import (
	"crypto/sha256"
	"crypto/subtle"
)

// Hash is the one-way digest of a key that the database stores instead of the key: SHA-256 of the
// full key. A key carries 190 bits of secret, so a fast hash cannot be brute-forced and a slow
// password hash would only turn every API request into a CPU cost.
func Hash(key string) []byte {
	sum := sha256.Sum256([]byte(key))
	return sum[:]
}

// Matches reports whether key hashes to stored, comparing in constant time so the response time
// says nothing about how much of a guess was right.
func Matches(key string, stored []byte) bool {
	sum := sha256.Sum256([]byte(key))
	return subtle.ConstantTimeCompare(sum[:], stored) == 1
}
