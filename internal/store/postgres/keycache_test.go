package postgres_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/store/postgres"
)

// cachedInstance is one "instance" on a shared schema: a store with the key
// cache, the service on it, and a count of the statements it sends.
type cachedInstance struct {
	store   *postgres.KeyCachedStore
	svc     *helpdesk.Service
	queries atomic.Int64
}

func openCached(t *testing.T, dsn string) *cachedInstance {
	t.Helper()
	in := &cachedInstance{}
	s, err := postgres.Open(t.Context(), dsn, postgres.Options{MaxConns: 4, OnQuery: func() { in.queries.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	in.store = s.WithKeyCache()
	t.Cleanup(func() { in.store.Close() })
	in.svc = helpdesk.NewService(in.store, helpdesk.Options{})
	waitFor(t, "the key cache to listen", in.store.CacheLive)
	return in
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// newKey makes a workspace with one API key through in's service.
func newKey(t *testing.T, in *cachedInstance) (workspaceID, keyID string) {
	t.Helper()
	cw, err := in.svc.CreateWorkspace(t.Context(), helpdesk.NewWorkspace{Name: "Cache"}, "owner@cache.test")
	if err != nil {
		t.Fatal(err)
	}
	k, err := in.svc.CreateAPIKey(t.Context(), cw.Workspace.ID, helpdesk.Actor{}, helpdesk.NewAPIKey{Name: "k"})
	if err != nil {
		t.Fatal(err)
	}
	return cw.Workspace.ID, k.Key.KeyID
}

// readKey reads keyID through in's cache and reports whether it is revoked
// and how many statements the read sent.
func readKey(t *testing.T, in *cachedInstance, keyID string) (revoked bool, queries int64) {
	t.Helper()
	before := in.queries.Load()
	k, err := in.store.APIKeyByKeyID(t.Context(), keyID)
	if err != nil {
		t.Fatal(err)
	}
	return k.RevokedAt != nil, in.queries.Load() - before
}

// TestKeyCacheRevocationAcrossInstances: a key is read from memory once
// cached; revoked through instance A, A refuses it on the very next read and
// B (which had it cached) within a second, through the notification.
func TestKeyCacheRevocationAcrossInstances(t *testing.T) {
	_, dsn := open(t)
	a, b := openCached(t, dsn), openCached(t, dsn)
	ws, keyID := newKey(t, a)

	for _, in := range []*cachedInstance{a, b} {
		readKey(t, in, keyID)
		if revoked, q := readKey(t, in, keyID); revoked || q != 0 {
			t.Fatalf("second read: revoked %v, %d statements; want a cache hit", revoked, q)
		}
	}

	if _, err := a.svc.RevokeAPIKey(t.Context(), ws, keyID, helpdesk.Actor{}); err != nil {
		t.Fatal(err)
	}
	revokedAt := time.Now()
	if revoked, _ := readKey(t, a, keyID); !revoked {
		t.Fatal("the revoking instance still serves the key as active")
	}
	for {
		revoked, _ := readKey(t, b, keyID)
		if revoked {
			break
		}
		if time.Since(revokedAt) > time.Second {
			t.Fatal("instance B still serves the key as active a second after its revocation")
		}
		time.Sleep(time.Millisecond)
	}
	// The notification, not the TTL, did it.
	d := time.Since(revokedAt)
	if d > 500*time.Millisecond {
		t.Errorf("instance B saw the revocation after %v", d)
	}
	t.Logf("instance B saw the revocation after %v", d)
}

// TestKeyCacheBypassedWhileListenDown: when the LISTEN connection fails,
// notifications may be lost, so the cache stops serving until the
// connection is back, and starts empty then. A revocation that sends no
// notification at all is seen at once after the failure.
func TestKeyCacheBypassedWhileListenDown(t *testing.T) {
	_, dsn := open(t)
	a := openCached(t, dsn)
	_, keyID := newKey(t, a)
	readKey(t, a, keyID)
	if _, q := readKey(t, a, keyID); q != 0 {
		t.Fatalf("second read sent %d statements; want a cache hit", q)
	}

	owner := ownerConn(t, dsn)
	downs := a.store.ListenDowns()
	if _, err := owner.Exec(t.Context(), `SELECT pg_terminate_backend($1)`, int32(a.store.ListenPID())); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the listener to notice its connection failed", func() bool { return a.store.ListenDowns() > downs })

	// Revoke behind the cache's back: no notification.
	if _, err := owner.Exec(t.Context(), `UPDATE api_keys SET revoked_at = now(), revoked_by = 'test' WHERE key_id = $1`, keyID); err != nil {
		t.Fatal(err)
	}
	if revoked, _ := readKey(t, a, keyID); !revoked {
		t.Fatal("after the LISTEN connection failed, the cache served the key as it was")
	}
	waitFor(t, "the listener to reconnect", a.store.CacheLive)
	readKey(t, a, keyID)
	if revoked, q := readKey(t, a, keyID); !revoked || q != 0 {
		t.Fatalf("after reconnecting: revoked %v, %d statements; want the revoked key from the cache", revoked, q)
	}
}

// TestKeyCacheEventWake: the store's one LISTEN connection also serves the
// webhook dispatcher's wake-ups.
func TestKeyCacheEventWake(t *testing.T) {
	_, dsn := open(t)
	a, b := openCached(t, dsn), openCached(t, dsn)
	wake := b.store.EventWake(t.Context())
	select { // the first wake-up may be the connection coming up
	case <-wake:
	case <-time.After(50 * time.Millisecond):
	}
	// What a commit that leaves webhook work sends (notifyWork).
	if _, err := a.store.Pool().Exec(t.Context(), `SELECT pg_notify('tixallo_webhook_work', '')`); err != nil {
		t.Fatal(err)
	}
	select {
	case <-wake:
	case <-time.After(5 * time.Second):
		t.Fatal("no wake-up after another instance committed events")
	}
}
