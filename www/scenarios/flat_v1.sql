-- A flat objects.db stamped v1: current table names, but db_agent_definitions predates
-- updated_at (v2) and user_hidden (v3), and db_agents (v4) does not exist yet.
CREATE TABLE db_client (oid TEXT PRIMARY KEY, version INTEGER NOT NULL DEFAULT 1, data TEXT NOT NULL);
CREATE TABLE db_agent_definitions (
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
CREATE UNIQUE INDEX idx_agent_definitions_slug ON db_agent_definitions(slug);
INSERT INTO db_agent_definitions (id, slug, name, provider, is_seeded) VALUES ('pre-existing', 'old', 'Old Template', 'claude', 1);
INSERT INTO db_client (oid, data) VALUES ('c1', '{}');
PRAGMA user_version = 1;
