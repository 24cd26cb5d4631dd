package serverkey

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestLoadCreatesOnceAndRereads(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "tixallo.db.key")
	var wg sync.WaitGroup
	keys := make([]Key, 8)
	for i := range keys {
		wg.Go(func() {
			k, err := Load(path)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if !bytes.Equal(k.b, keys[0].b) {
			t.Fatal("concurrent Loads disagree on the key")
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", st.Mode().Perm())
	}
}

func TestSealOpen(t *testing.T) {
	t.Parallel()
	k, err := New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := k.Seal([]byte("whsec_secret"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("whsec_secret")) {
		t.Fatal("sealed value contains the plaintext")
	}
	got, err := k.Open(sealed)
	if err != nil || string(got) != "whsec_secret" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := k.Open(sealed); err == nil {
		t.Fatal("Open accepted a tampered value")
	}
	other, _ := New(bytes.Repeat([]byte{8}, 32))
	if bytes.Equal(k.Derive("cursor"), other.Derive("cursor")) || bytes.Equal(k.Derive("cursor"), k.Derive("seal")) {
		t.Fatal("derived keys collide")
	}
}
