package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// SecretPrefix starts every signing secret, as Standard Webhooks names them.
const SecretPrefix = "whsec_"

// NewSecret returns a signing secret: whsec_ and the base64 of 32 random
// bytes.
func NewSecret(random io.Reader) (string, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b), nil
}

// secretBytes returns the HMAC key of a secret: the bytes its base64 part
// encodes, which is what the Standard Webhooks libraries sign with.
func secretBytes(secret string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil {
		return nil, errors.New("webhook secret is not whsec_ followed by base64")
	}
	return b, nil
}

// Sign returns the value of one v1 signature: the base64 HMAC-SHA256 of
// "id.timestamp.body" under the secret.
func Sign(secret, id string, timestamp time.Time, body []byte) (string, error) {
	key, err := secretBytes(secret)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(strconv.FormatInt(timestamp.Unix(), 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// Headers returns the headers of one delivery: webhook-id, webhook-timestamp
// and webhook-signature holding one v1 signature per secret. During a
// rotation both the new and the previous secret sign, so a receiver that has
// not switched yet still verifies.
func Headers(id string, timestamp time.Time, body []byte, secrets ...string) (map[string]string, error) {
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		sig, err := Sign(s, id, timestamp, body)
		if err != nil {
			return nil, err
		}
		sigs = append(sigs, sig)
	}
	return map[string]string{
		"webhook-id":        id,
		"webhook-timestamp": strconv.FormatInt(timestamp.Unix(), 10),
		"webhook-signature": strings.Join(sigs, " "),
		"Content-Type":      "application/json",
		"User-Agent":        "Tixallo-Webhooks/1",
	}, nil
}
