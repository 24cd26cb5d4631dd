// Package storecopy moves a Tixallo installation from its SQLite file into
// an empty PostgreSQL database, so that servers started on PostgreSQL with
// the same server key carry on where the SQLite server stopped: the same
// API keys, sessions, ticket numbers, event seqs and sealed webhook
// secrets, and the deliveries it had still to make.
//
// The copy is driven by the two catalogs rather than by a list of tables
// and columns written here. PostgreSQL's catalog says which tables there
// are, the order foreign keys allow, each column's type and the sequences
// behind identity columns; SQLite's says what the file holds. Every table
// and column must appear on both sides (bar the few named in excluded.go),
// and every column pair must have a conversion (convert.go), or the copy
// refuses before writing anything: a column added to one schema and not the
// other fails the tests instead of being dropped on the way.
//
// The copy runs in one PostgreSQL transaction. It takes exclusive locks on
// the tables, checks they are empty, streams each table from one read
// transaction on the SQLite file with COPY FROM (the URL's role owns the
// tables and the policies are not FORCEd, so row-level security does not
// apply to it and COPY is allowed; the application role is left as it is),
// checks the row counts on both sides, moves each sequence past what was
// copied, and commits: all of it or none.
package storecopy
