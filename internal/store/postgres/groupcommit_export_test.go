package postgres

// Batches is how many transactions s's committer has run, and how many runs
// of InTx calls' fns they held.
func (s *Store) Batches() (batches, calls int64) {
	return s.committer.batches.Load(), s.committer.calls.Load()
}
