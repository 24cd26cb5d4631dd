-- A version of each workspace's tickets, so that the API can tell, with one
-- small read, whether a list page it read earlier is still what the file
-- holds (api/ticket_list_cache.go). It is workspaces.ticket_seq plus
-- ticket_changes.changes: a ticket created takes the next number, and a
-- ticket changed or deleted counts one change here, by trigger, so that a
-- change that does not go through the service counts too (the ON DELETE
-- SET NULL of an assignee whose account is deleted, which SQLite runs as an
-- UPDATE that fires these triggers). Both only grow and both are written in
-- the transaction that changes the tickets. Same shape as PostgreSQL's, so
-- that `tixallo copy` moves it like any other table.
CREATE TABLE ticket_changes (
    workspace_id  TEXT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    changes       INTEGER NOT NULL
) STRICT;

-- While the workspace itself is being deleted (its tickets cascading) there
-- is nothing left to count for, hence the EXISTS.
CREATE TRIGGER ticket_changed AFTER UPDATE ON tickets BEGIN
    INSERT INTO ticket_changes (workspace_id, changes)
        SELECT id, 1 FROM workspaces WHERE id = OLD.workspace_id
        ON CONFLICT (workspace_id) DO UPDATE SET changes = changes + 1;
END;

CREATE TRIGGER ticket_deleted AFTER DELETE ON tickets BEGIN
    INSERT INTO ticket_changes (workspace_id, changes)
        SELECT id, 1 FROM workspaces WHERE id = OLD.workspace_id
        ON CONFLICT (workspace_id) DO UPDATE SET changes = changes + 1;
END;
