package storecopy

import "strings"

// notCopiedFromSQLite are the SQLite tables left behind, and why.
var notCopiedFromSQLite = map[string]string{
	// Each store records the migrations of its own dialect (their numbers
	// differ); PostgreSQL's are written when the copy migrates it.
	"schema_migrations": "each store records its own dialect's migrations",
}

// notCopiedToPostgres are the PostgreSQL tables the copy does not fill, and
// why. Names are the tables as they are now and were before 0003, so that a
// database migrated by an older binary is read the same way.
var notCopiedToPostgres = map[string]string{
	"schema_migrations": "written by the migrations the copy runs first",
	// The rate limit's log: on SQLite it lives in the server's memory, so
	// there is nothing to carry over. Starting empty lets a key make at most
	// one window's worth of requests more than the limit once.
	"rate_limit_logs": "rate-limit state; SQLite keeps it in memory",
	"rate_limit_keys": "rate-limit state; SQLite keeps it in memory",
	"rate_limit_hits": "rate-limit state; SQLite keeps it in memory",
}

// sqliteInternal reports a table SQLite keeps for itself (sqlite_sequence,
// the sqlite_stat tables of ANALYZE): the names it reserves.
func sqliteInternal(name string) bool { return strings.HasPrefix(name, "sqlite_") }

// autoincrementTable is SQLite's record of the highest rowid each
// AUTOINCREMENT table ever handed out, which may exceed the highest one
// left (events pruned after 30 days): sequences continue after it.
const autoincrementTable = "sqlite_sequence"
