package helpdesk

import (
	"context"
	"strings"
	"testing"
)

func TestPasswordRules(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		pw    string
		words []string
		ok    bool
	}{
		{"correct violet staple engine", nil, true},
		{strings.Repeat("x", MinPasswordLength-1) + "y", nil, true},
		{"fourteen chars", nil, false},               // 14
		{"ÄÖÜßéèêëçñøåæœ", nil, false},               // 14 code points, more bytes
		{"ÄÖÜßéèêëçñøåæœŷ", nil, true},               // 15 code points
		{strings.Repeat("ab", 64), nil, false},       // repetitive
		{strings.Repeat("abcde", 26), nil, false},    // 130 > 128
		{"PasswordPassword", nil, false},             // on the list, any case
		{"correct horse battery staple", nil, false}, // on the list with spaces
		{"123456789012345", nil, false},
		{"aaaaaaaaaaaaaaaaaaaa", nil, false},
		{"ada.lovelace@example.com", []string{"ada.lovelace@example.com"}, false},
		{"acme support desk!", []string{"x@y.z", "x", "Ada", "Acme Support Desk!"}, false},
		{"my acme support desk password", []string{"Acme"}, true}, // contains a short word among more
		{"", nil, false},
		{"no\x00nul characters here", nil, false},
	} {
		errs := FieldErrors{}
		checkPassword(errs, "password", c.pw, c.words...)
		if got := len(errs) == 0; got != c.ok {
			t.Errorf("%q: ok=%v, want %v (%v)", c.pw, got, c.ok, errs)
		}
	}
}

func TestPasswordHashing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := NewService(nil, Options{})
	h, err := s.hashPassword(ctx, "correct violet staple engine")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q", h)
	}
	h2, _ := s.hashPassword(ctx, "correct violet staple engine")
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	if ok, rehash, err := verifyPassword(ctx, h, "correct violet staple engine"); !ok || rehash || err != nil {
		t.Errorf("verify: %v %v %v", ok, rehash, err)
	}
	if ok, _, _ := verifyPassword(ctx, h, "correct violet staple engin"); ok {
		t.Error("wrong password accepted")
	}
	// A hash made with other parameters still verifies and asks for a rehash.
	old := "$argon2id$v=19$m=12288,t=3,p=1$" + strings.SplitN(h, "$", 6)[4] + "$" + strings.SplitN(h, "$", 6)[5]
	if _, rehash, err := verifyPassword(ctx, old, "x"); err != nil || !rehash {
		t.Errorf("old parameters: rehash=%v err=%v", rehash, err)
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"} {
		if _, _, err := verifyPassword(ctx, bad, "x"); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if _, _, err := verifyPassword(ctx, dummyHash, "anything"); err != nil {
		t.Errorf("dummy hash does not parse: %v", err)
	}
	// A cancelled request does not wait for a hash slot.
	for range cap(hashSlots) {
		hashSlots <- struct{}{}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = s.hashPassword(cctx, "correct violet staple engine")
	for range cap(hashSlots) {
		<-hashSlots
	}
	if err == nil {
		t.Error("hash ran with every slot taken and the context cancelled")
	}
}
