package webhook

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// TestPublishedVector checks Sign against the test vector that the Standard
// Webhooks libraries publish.
func TestPublishedVector(t *testing.T) {
	t.Parallel()
	got, err := Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
		time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

// TestLibraryVerifies signs like the dispatcher does and verifies with the
// reference Go library, with one secret and during a rotation with two,
// where a receiver holding either secret must accept.
func TestLibraryVerifies(t *testing.T) {
	t.Parallel()
	oldSecret, _ := NewSecret(bytes.NewReader(bytes.Repeat([]byte{1}, 32)))
	newSecret, _ := NewSecret(bytes.NewReader(bytes.Repeat([]byte{2}, 32)))
	otherSecret, _ := NewSecret(bytes.NewReader(bytes.Repeat([]byte{3}, 32)))
	body := []byte(`{"event_type":"ticket.created","event_id":"0193","ticket_number":1}`)
	now := time.Now()
	for _, tt := range []struct {
		name    string
		signers []string
		holder  string
		ok      bool
	}{
		{"one secret", []string{newSecret}, newSecret, true},
		{"rotation, receiver still on old", []string{newSecret, oldSecret}, oldSecret, true},
		{"rotation, receiver moved to new", []string{newSecret, oldSecret}, newSecret, true},
		{"wrong secret", []string{newSecret, oldSecret}, otherSecret, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, err := Headers("0193aaaa-event", now, body, tt.signers...)
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(h["webhook-signature"], "v1,"); n != len(tt.signers) {
				t.Fatalf("%d signatures, want %d", n, len(tt.signers))
			}
			hdr := http.Header{}
			for k, v := range h {
				hdr.Set(k, v)
			}
			wh, err := standardwebhooks.NewWebhook(tt.holder)
			if err != nil {
				t.Fatal(err)
			}
			err = wh.Verify(body, hdr)
			if (err == nil) != tt.ok {
				t.Fatalf("Verify = %v, want ok=%v", err, tt.ok)
			}
			if tt.ok {
				tampered := append(bytes.Clone(body), ' ')
				if wh.Verify(tampered, hdr) == nil {
					t.Fatal("a tampered body verified")
				}
			}
		})
	}
}

func TestNewSecretFormat(t *testing.T) {
	t.Parallel()
	s, err := NewSecret(bytes.NewReader(bytes.Repeat([]byte{9}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := secretBytes(s)
	if !strings.HasPrefix(s, "whsec_") || err != nil || len(b) != 32 {
		t.Fatalf("secret %q decodes to %d bytes, %v", s, len(b), err)
	}
}

func TestNextDelay(t *testing.T) {
	t.Parallel()
	want := []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}
	for i, w := range want {
		for _, j := range []float64{0, 0.5, 0.999999} {
			d, ok := NextDelay(i+1, func() float64 { return j })
			lo, hi := time.Duration(float64(w)*0.9), time.Duration(float64(w)*1.1)
			if !ok || d < lo || d >= hi {
				t.Fatalf("after %d failures (jitter %v): %v, %v; want in [%v, %v)", i+1, j, d, ok, lo, hi)
			}
		}
	}
	if d, ok := NextDelay(0, nil); ok {
		t.Fatalf("NextDelay(0) = %v", d)
	}
	if _, ok := NextDelay(8, nil); ok {
		t.Fatal("an eighth failure still retries")
	}
	if MaxAttempts != 8 {
		t.Fatalf("MaxAttempts = %d", MaxAttempts)
	}
}
