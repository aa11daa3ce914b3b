-- The blank Identity and Memory rows the launch UI offers as "none". Fixed ids, so other rows
-- and tests can point at them; OR IGNORE keeps a user's edits to them.
INSERT OR IGNORE INTO db_identity_bundles
    (id, name, description, is_blank, created_at, updated_at)
VALUES ('blank', '__blank__', 'No credentials — use ambient', 1, 0, 0);

INSERT OR IGNORE INTO db_memory_bundles
    (id, name, description, is_blank, created_at, updated_at)
VALUES ('blank', '__blank__', 'Vanilla CLI — no instructions, no context', 1, 0, 0);
