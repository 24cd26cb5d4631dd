package keycache

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// reads counts the store reads behind a cache and answers with a record
// named after the read.
type reads struct {
	n   int
	err error
}

func (r *reads) read(_ context.Context, keyID string) (*helpdesk.APIKey, error) {
	r.n++
	if r.err != nil {
		return nil, r.err
	}
	return &helpdesk.APIKey{KeyID: keyID, Name: "read"}, nil
}

func TestCache(t *testing.T) {
	ctx := t.Context()
	r := &reads{}
	c := New(time.Hour, true)
	for range 3 {
		if k, err := c.Read(ctx, "AAAAAAAA", r.read); err != nil || k.KeyID != "AAAAAAAA" {
			t.Fatalf("read: %v %v", k, err)
		}
	}
	if r.n != 1 {
		t.Fatalf("3 reads of one key reached the store %d times, want 1", r.n)
	}
	// A served record is a copy: changing it changes nothing cached.
	k, _ := c.Read(ctx, "AAAAAAAA", r.read)
	k.Name = "changed"
	if k2, _ := c.Read(ctx, "AAAAAAAA", r.read); k2.Name != "read" {
		t.Fatal("the cache served a caller's change")
	}

	c.Drop("AAAAAAAA")
	c.Read(ctx, "AAAAAAAA", r.read)
	c.Clear()
	c.Read(ctx, "AAAAAAAA", r.read)
	if r.n != 3 {
		t.Fatalf("after Drop and Clear: %d store reads, want 3", r.n)
	}

	// Failed reads are not cached.
	r.err = errors.New("down")
	c.Clear()
	if _, err := c.Read(ctx, "BBBBBBBB", r.read); err == nil {
		t.Fatal("a failed read succeeded")
	}
	r.err = nil
	c.Read(ctx, "BBBBBBBB", r.read)
	if r.n != 5 {
		t.Fatalf("a failed read was cached: %d store reads, want 5", r.n)
	}
}

// TestCacheRefusesStaleReads: a read that began before a clear does not
// refill the cache, and a cache that is not live serves and stores nothing.
func TestCacheRefusesStaleReads(t *testing.T) {
	ctx := t.Context()
	c := New(time.Hour, true)
	r := &reads{}
	_, err := c.Read(ctx, "AAAAAAAA", func(ctx context.Context, keyID string) (*helpdesk.APIKey, error) {
		c.Drop(keyID) // a revocation lands while the read is in flight
		return r.read(ctx, keyID)
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Read(ctx, "AAAAAAAA", r.read)
	if r.n != 2 {
		t.Fatalf("a read from before a Drop was cached: %d store reads, want 2", r.n)
	}

	c.SetLive(false)
	if c.Live() {
		t.Fatal("SetLive(false) left the cache live")
	}
	c.Read(ctx, "AAAAAAAA", r.read)
	c.Read(ctx, "AAAAAAAA", r.read)
	if r.n != 4 {
		t.Fatalf("a cache that is not live served: %d store reads, want 4", r.n)
	}
	c.SetLive(true)
	c.Read(ctx, "AAAAAAAA", r.read)
	c.Read(ctx, "AAAAAAAA", r.read)
	if r.n != 5 {
		t.Fatalf("a live cache after SetLive(true): %d store reads, want 5", r.n)
	}
}

// TestCacheTTL: an entry older than the TTL is read again.
func TestCacheTTL(t *testing.T) {
	ctx := t.Context()
	c := New(20*time.Millisecond, true)
	r := &reads{}
	c.Read(ctx, "AAAAAAAA", r.read)
	time.Sleep(40 * time.Millisecond)
	c.Read(ctx, "AAAAAAAA", r.read)
	if r.n != 2 {
		t.Fatalf("an entry past its TTL was served: %d store reads, want 2", r.n)
	}
}
