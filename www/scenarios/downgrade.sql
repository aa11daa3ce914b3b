-- A downgrade round-trip: this objects.db was migrated by a current build (flat names, v4), then
-- an old pre-flatten build opened it, re-created its forge-era agent table next to the flat one,
-- wrote a row there and stamped its own user_version. Both names are now present, so the
-- migration keeps the legacy table (it never overwrites db_agent_definitions) and reports it.
-- Applied on top of a freshly migrated objects.db.
CREATE TABLE db_forge_agents (
    id TEXT PRIMARY KEY, slug TEXT NOT NULL DEFAULT '', name TEXT NOT NULL,
    icon TEXT NOT NULL DEFAULT '✦', provider TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '', working_directory TEXT NOT NULL DEFAULT '',
    shell TEXT NOT NULL DEFAULT '', provider_flags TEXT NOT NULL DEFAULT '',
    auto_start INTEGER NOT NULL DEFAULT 0, restart_on_crash INTEGER NOT NULL DEFAULT 0,
    idle_timeout_minutes INTEGER NOT NULL DEFAULT 0,
    agent_type TEXT NOT NULL DEFAULT 'standalone', environment TEXT NOT NULL DEFAULT '',
    agent_bus_id TEXT NOT NULL DEFAULT '', is_seeded INTEGER NOT NULL DEFAULT 0,
    accounts TEXT NOT NULL DEFAULT '',
    parent_id TEXT NOT NULL DEFAULT '', branch_label TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL DEFAULT 0
);
INSERT INTO db_forge_agents (id, slug, name, provider, created_at)
    VALUES ('old-build-agent', 'written-by-old-build', 'Written by the old build', 'claude', 1700000300);
INSERT INTO db_client (oid, data) VALUES ('c1', '{"oid":"c1"}');
PRAGMA user_version = 1;
