package helpdesk

import (
	"bufio"
	"context"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password rules (NIST SP 800-63B rev. 4 §3.1.1.2, OWASP Authentication
// cheat sheet). Tixallo has no second factor, so the minimum is the 15
// characters NIST asks of a single-factor password; the maximum is far above
// the 64 it requires so password managers and passphrases fit. There are no
// composition rules and no rotation; common passwords are refused.
const (
	MinPasswordLength = 15
	MaxPasswordLength = 128
)

// Argon2id parameters: OWASP's first recommended set (19 MiB, 2 passes, one
// lane), about 20–50 ms and 19 MiB per hash on the CI machine.
const (
	argonMemory  = 19456 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// hashSlots bounds concurrent password hashes in the process. Memory is the
// cost that matters (19 MiB each: a burst of 100 log-ins would otherwise take
// 2 GB), and it is a property of the process, not of one Service, so the
// bound is package-wide. A hash waits for a slot, or for its context.
var hashSlots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))

// dummyHash is a real argon2id hash of a random password nobody knows. Log-in
// verifies against it when the email is unknown (or has no password yet), so
// the response takes as long as for a known account and its timing does not
// tell which emails have accounts.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$WLaxY+Ae/IevqfJDP9SZhQ$eQC0+ce0Gzx1kKFuwKn3zVmztuGp/nSGwi+STgJ1hm0"

//go:embed common_passwords.txt
var commonPasswordsText string

// commonPasswords is the embedded block list, parsed on first use.
var commonPasswords = sync.OnceValue(func() map[string]bool {
	set := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsText))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		set[squash(line)] = true
	}
	return set
})

// squash lower-cases a password and drops its white space, so that
// "Correct Horse Battery Staple" meets its list entry.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// checkPassword adds field errors for a password that breaks the rules.
// words are what the password must not be (the user's email, its local
// part, the user's name, the workspace name): NIST's "context-specific words".
// The password is used as typed: no trimming, any Unicode character counts.
func checkPassword(errs FieldErrors, field, pw string, words ...string) {
	n := utf8.RuneCountInString(pw)
	switch {
	case pw == "":
		errs.Add(field, "Required")
		return
	case !utf8.ValidString(pw) || strings.ContainsRune(pw, 0):
		errs.Add(field, "Must be valid text")
		return
	case n < MinPasswordLength:
		errs.Add(field, fmt.Sprintf("Use at least %d characters — a few unrelated words make a good password", MinPasswordLength))
		return
	case n > MaxPasswordLength:
		errs.Add(field, fmt.Sprintf("Use at most %d characters", MaxPasswordLength))
		return
	}
	sq := squash(pw)
	if commonPasswords()[sq] || repetitive(sq) {
		errs.Add(field, "This password is too common and easy to guess; choose another")
		return
	}
	for _, c := range words {
		c = squash(c)
		if c == "" {
			continue
		}
		if sq == c || (len(c) >= 4 && strings.Contains(sq, c) && len(sq) < 2*len(c)) {
			errs.Add(field, "Your password must not be your email, name or workspace name")
			return
		}
	}
}

// repetitive reports whether s is one short unit repeated ("aaaa…",
// "abcabc…"), which no block list can enumerate.
func repetitive(s string) bool {
	r := []rune(s)
	for unit := 1; unit <= 4 && unit < len(r); unit++ {
		same := true
		for i := unit; i < len(r); i++ {
			if r[i] != r[i-unit] {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	return false
}

// hashPassword returns the argon2id PHC string of pw with a fresh salt.
func (s *Service) hashPassword(ctx context.Context, pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := s.random.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key, err := argonKey(ctx, []byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// argonKey computes one argon2id key inside a hash slot.
func argonKey(ctx context.Context, pw, salt []byte, t, m uint32, p uint8, keyLen uint32) ([]byte, error) {
	select {
	case hashSlots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-hashSlots }()
	return argon2.IDKey(pw, salt, t, m, p, keyLen), nil
}

// phc is a parsed argon2id PHC string.
type phc struct {
	m, t uint32
	p    uint8
	salt []byte
	key  []byte
}

var errBadHash = errors.New("password hash is not an argon2id PHC string")

func parsePHC(s string) (*phc, error) {
	parts := strings.Split(s, "$")
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return nil, errBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return nil, errBadHash
	}
	h := &phc{}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &h.m, &h.t, &h.p); err != nil {
		return nil, errBadHash
	}
	// Refuse parameters no hash of ours has, so a corrupted row cannot make
	// one log-in allocate gigabytes.
	if h.m < 1024 || h.m > 1<<20 || h.t < 1 || h.t > 16 || h.p < 1 || h.p > 16 {
		return nil, errBadHash
	}
	var err error
	if h.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(h.salt) < 8 {
		return nil, errBadHash
	}
	if h.key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(h.key) < 16 || len(h.key) > 64 {
		return nil, errBadHash
	}
	return h, nil
}

// verifyPassword reports whether pw matches the PHC string, and whether the
// hash should be recomputed because our parameters have changed since.
func verifyPassword(ctx context.Context, hash, pw string) (ok, rehash bool, err error) {
	h, err := parsePHC(hash)
	if err != nil {
		return false, false, err
	}
	key, err := argonKey(ctx, []byte(pw), h.salt, h.t, h.m, h.p, uint32(len(h.key)))
	if err != nil {
		return false, false, err
	}
	ok = subtle.ConstantTimeCompare(key, h.key) == 1
	rehash = h.m != argonMemory || h.t != argonTime || h.p != argonThreads || len(h.key) != argonKeyLen
	return ok, rehash, nil
}

// burnPassword verifies pw against the dummy hash: the same work as a real
// check, for an account that does not exist.
func burnPassword(ctx context.Context, pw string) {
	_, _, _ = verifyPassword(ctx, dummyHash, pw)
}
