package postgres

// ListenPID is the backend process of k's LISTEN connection (0 before it
// first listens), for tests that terminate it.
func (k *KeyCachedStore) ListenPID() uint32 { return k.listenPID.Load() }

// ListenDowns is how many times k's LISTEN connection has failed.
func (k *KeyCachedStore) ListenDowns() int64 { return k.downs.Load() }

// CacheLive reports whether k's key cache serves entries.
func (k *KeyCachedStore) CacheLive() bool {
	return k.keys.Live()
}

// LimiterBatches is how many statements l has sent.
func (l *Limiter) LimiterBatches() int64 { return l.batches.Load() }
