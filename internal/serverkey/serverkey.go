// Package serverkey manages the install's own secret: 32 random bytes kept in
// a file outside the database. Tixallo derives from it the key that signs
// list cursors and the key that seals webhook signing secrets at rest, so a
// copy of the database alone reveals no webhook secret.
package serverkey

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Key is the server key. The zero value is not usable; use Load or New.
type Key struct{ b []byte }

// New returns a key over 32 given bytes (tests, and TIXALLO_SECRET_KEY).
func New(b []byte) (Key, error) {
	if len(b) != 32 {
		return Key{}, fmt.Errorf("server key: want 32 bytes, got %d", len(b))
	}
	return Key{b: append([]byte(nil), b...)}, nil
}

// Load reads the key file at path, creating it with a fresh random key (mode
// 0600) when it does not exist. The file holds the key in base64.
func Load(path string) (Key, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return create(path)
	}
	if err != nil {
		return Key{}, fmt.Errorf("read server key: %w", err)
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil {
		return Key{}, fmt.Errorf("server key file %s: not base64: %w", path, err)
	}
	return New(b)
}

func create(path string) (Key, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return Key{}, fmt.Errorf("generate server key: %w", err)
	}
	// Write a temporary file, then hard-link it into place: the link either
	// appears whole or fails because another process got there first, in
	// which case we read the key that process wrote. Nobody sees half a file.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tixallo-key-*")
	if err != nil {
		return Key{}, fmt.Errorf("create server key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return Key{}, fmt.Errorf("create server key: %w", err)
	}
	if _, err := tmp.WriteString(base64.StdEncoding.EncodeToString(b) + "\n"); err != nil {
		tmp.Close()
		return Key{}, fmt.Errorf("write server key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return Key{}, fmt.Errorf("sync server key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return Key{}, fmt.Errorf("close server key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		return Load(path)
	} else if err != nil {
		return Key{}, fmt.Errorf("install server key: %w", err)
	}
	return New(b)
}

// Derive returns a 32-byte subkey for one purpose, so no two uses of the
// server key ever share key material.
func (k Key) Derive(purpose string) []byte {
	m := hmac.New(sha256.New, k.b)
	m.Write([]byte("tixallo/" + purpose))
	return m.Sum(nil)
}

// Seal encrypts plaintext with AES-256-GCM under the "seal" subkey.
func (k Key) Seal(plaintext []byte) ([]byte, error) {
	aead, err := k.aead()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("seal nonce: %w", err)
	}
	return aead.Seal(nonce, nonce, plaintext, nil), nil
}

// Open decrypts what Seal produced.
func (k Key) Open(sealed []byte) ([]byte, error) {
	aead, err := k.aead()
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize() {
		return nil, errors.New("open sealed value: too short")
	}
	out, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], nil)
	if err != nil {
		return nil, fmt.Errorf("open sealed value: %w", err)
	}
	return out, nil
}

func (k Key) aead() (cipher.AEAD, error) {
	if len(k.b) != 32 {
		return nil, errors.New("server key not loaded")
	}
	block, err := aes.NewCipher(k.Derive("seal"))
	if err != nil {
		return nil, fmt.Errorf("seal cipher: %w", err)
	}
	return cipher.NewGCM(block)
}
