-- An intermediate pre-flatten objects.db from before the chain's later steps: forge names, and
-- a db_agent_instances without instance_name, working_directory and display_hidden. Nothing
-- can supply those columns' values, so this shape must be refused, not half-adopted.
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
CREATE UNIQUE INDEX idx_forge_agents_slug ON db_forge_agents(slug);
CREATE TABLE db_agent_instances (
    id TEXT PRIMARY KEY, definition_id TEXT NOT NULL,
    parent_instance_id TEXT NOT NULL DEFAULT '', block_id TEXT NOT NULL DEFAULT '',
    session_id TEXT NOT NULL DEFAULT '', status TEXT NOT NULL DEFAULT 'running',
    github_context TEXT NOT NULL DEFAULT '', identity_id TEXT NOT NULL DEFAULT '',
    memory_id TEXT NOT NULL DEFAULT '',
    started_at INTEGER NOT NULL DEFAULT 0, ended_at INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (definition_id) REFERENCES db_forge_agents(id) ON DELETE CASCADE
);
CREATE TABLE db_workflow_definitions (id TEXT PRIMARY KEY);
INSERT INTO db_forge_agents (id, slug, name, provider) VALUES ('a1', 'coder', 'Coder', 'claude');
INSERT INTO db_agent_instances (id, definition_id) VALUES ('i1', 'a1');
