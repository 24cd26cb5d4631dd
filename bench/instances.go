package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"
)

// -instances N runs N `tixallo serve` children on one PostgreSQL database,
// as an install that scales out does. No load balancer sits in front: the
// load generator's workers are spread over the instances' ports round-robin
// (worker w talks to instance w mod N, on its own keep-alive connection), so
// each instance gets the same number of connections, and a closed loop lets
// a slower instance answer fewer requests rather than queue more. The
// report's totals are over all instances, and its server CPU per request is
// the children's CPU time summed.

// errInstancesSQLite is why -instances wants PostgreSQL.
var errInstancesSQLite = errors.New("-instances > 1 needs -database postgres://…: " +
	"SQLite is the single-instance store (SPEC: PostgreSQL is the store for installs that run several instances); " +
	"each server writes its SQLite file through its own single writer and caches API key records in its own memory, " +
	"so two servers on one file would contend for the file's write lock and could honour a revoked key for up to the cache's TTL")

// instanceLog is the log file of instance i (0-based): server.log for the
// first, as before -instances existed, then server-2.log, ….
func instanceLog(dir string, i int) string {
	if i == 0 {
		return filepath.Join(dir, "server.log")
	}
	return filepath.Join(dir, fmt.Sprintf("server-%d.log", i+1))
}

// startInstances starts n children on dbPath one after another: the first
// runs the migrations the seeding left undone (none, normally) before the
// next starts, so that the start-ups measured nothing but themselves. On an
// error the ones already started are stopped.
func startInstances(bin, dir, dbPath, keyFile string, n int, progress func(string)) ([]*server, error) {
	srvs := make([]*server, 0, n)
	for i := range n {
		srv, err := startChild(bin, dbPath, instanceLog(dir, i), keyFile)
		if err != nil {
			stopAll(srvs, progress)
			return nil, fmt.Errorf("instance %d: %w", i+1, err)
		}
		srvs = append(srvs, srv)
		progress(fmt.Sprintf("instance %d/%d listening on %s (pid %d); log in %s", i+1, n, srv.addr, srv.pid, instanceLog(dir, i)))
	}
	return srvs, nil
}

// stopAll stops every server, reporting each failure.
func stopAll(srvs []*server, progress func(string)) {
	for i, s := range srvs {
		if err := s.stop(); err != nil {
			progress(fmt.Sprintf("instance %d stop: %v", i+1, err))
		}
	}
}

// serverPIDs are the children's process ids (none for an in-process server).
func serverPIDs(srvs []*server) []int {
	var pids []int
	for _, s := range srvs {
		if s.pid > 0 {
			pids = append(pids, s.pid)
		}
	}
	return pids
}

// postgresInfo describes the database for the report: its version (SHOW
// server_version), the settings that decide what a commit costs, and its
// size (pg_database_size: the whole database, so a schema URL's neighbours
// count too).
func postgresInfo(ctx context.Context, dsn string) (desc string, size int64, err error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		// The URL holds a password: name the step, not the URL.
		return "", 0, fmt.Errorf("connect to PostgreSQL for its version: %w", err)
	}
	defer conn.Close(ctx)
	var version, syncCommit, fsync, buffers string
	err = conn.QueryRow(ctx, `SELECT current_setting('server_version'), current_setting('synchronous_commit'),
		current_setting('fsync'), current_setting('shared_buffers'), pg_database_size(current_database())`).
		Scan(&version, &syncCommit, &fsync, &buffers, &size)
	if err != nil {
		return "", 0, fmt.Errorf("SHOW server_version and settings: %w", err)
	}
	desc = fmt.Sprintf("PostgreSQL %s, `synchronous_commit=%s`, `fsync=%s`, `shared_buffers=%s`",
		strings.TrimSpace(version), syncCommit, fsync, buffers)
	return desc, size, nil
}

// settlePostgres vacuums and analyzes the database after the seed, as an
// operator's autovacuum would soon after a bulk load. Without statistics the
// planner can pick a wrong index for the first minutes (a customer read by
// id through customers_company, scanning thousands of rows); without the
// vacuum, autovacuum's first pass over the freshly inserted tables (over
// 500 MB at 100,000 tickets) runs during the first scenarios and takes its
// share of the two cores. Either way the figures would depend on when
// autovacuum happened to run.
func settlePostgres(ctx context.Context, dsn string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL to vacuum: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "VACUUM (ANALYZE)"); err != nil {
		return fmt.Errorf("vacuum after seeding: %w", err)
	}
	return nil
}
