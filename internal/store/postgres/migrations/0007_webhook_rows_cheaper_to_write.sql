-- Every webhook delivery is written three times (inserted at fan-out,
-- leased, finished) and logs one attempt row; at a thousand deliveries a
-- second these writes are most of what the dispatcher costs the database.
-- Three changes make them cheaper, with nothing the tables promise lost.
--
-- 1. Room on each page for the lease. The lease changes only locked_until
--    and lease, which no index holds, so PostgreSQL can write it as a
--    heap-only update (no new index entries) when the row's page has room.
--    Inserted densely the pages had none: in the webhook benchmark 11 % of
--    the deliveries' updates were heap-only, and each of the others wrote
--    five index entries. Pages filled to half keep room for a second
--    version of every row: then every lease is heap-only (half of all the
--    updates; filled to 70 % a third of the leases were). The finish
--    changes state, which the partial index of pending rows depends on, so
--    it cannot be heap-only whatever the room. Deliveries go with their
--    events, so the table stays the size of the retention window.
--
-- 2. One foreign key where two did the work of one. A delivery and an
--    attempt each referenced their workspace and their endpoint, two checks
--    per row, and the workspace check locks the workspace's row (FOR KEY
--    SHARE) beside the event writers' lock on it, which PostgreSQL records
--    as a multixact. The endpoint belongs to the workspace and is deleted
--    with it, so one key on (endpoint_id, workspace_id) covers both, and
--    says more: the row's workspace is its endpoint's.
--
-- 3. One index fewer on deliveries. The uniqueness of (endpoint, event) is
--    kept by an index that starts with the event, which also serves the
--    cascade from a deleted event, so the separate index on event_id goes.
--    Deliveries by endpoint have their own index (endpoint_id, id).

SELECT set_config('search_path', quote_ident(current_schema()) || ', pg_temp', true);

ALTER TABLE webhook_deliveries SET (fillfactor = 50);

ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_id_workspace_key UNIQUE (id, workspace_id);

ALTER TABLE webhook_deliveries
    DROP CONSTRAINT webhook_deliveries_workspace_id_fkey,
    DROP CONSTRAINT webhook_deliveries_endpoint_id_fkey,
    ADD CONSTRAINT webhook_deliveries_endpoint_fkey FOREIGN KEY (endpoint_id, workspace_id)
        REFERENCES webhook_endpoints (id, workspace_id) ON DELETE CASCADE;

ALTER TABLE webhook_attempts
    DROP CONSTRAINT webhook_attempts_workspace_id_fkey,
    DROP CONSTRAINT webhook_attempts_endpoint_id_fkey,
    ADD CONSTRAINT webhook_attempts_endpoint_fkey FOREIGN KEY (endpoint_id, workspace_id)
        REFERENCES webhook_endpoints (id, workspace_id) ON DELETE CASCADE;

ALTER TABLE webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_event_endpoint_key UNIQUE (event_id, endpoint_id),
    DROP CONSTRAINT webhook_deliveries_endpoint_id_event_id_key;
DROP INDEX webhook_deliveries_event;
