-- A pre-flatten objects.db as the old incremental chain left it after its last step (v11):
-- forge-era table names, old index names, the dead workflow/sentinel tables, no db_agents, no
-- updated_at/user_hidden on the agent table, user_version never set (0). With rows in every
-- table that matters, so adoption can be checked for data and cascades.
PRAGMA foreign_keys = ON;
CREATE TABLE db_client (oid TEXT PRIMARY KEY, version INTEGER NOT NULL DEFAULT 1, data TEXT NOT NULL);
CREATE TABLE db_window (oid TEXT PRIMARY KEY, version INTEGER NOT NULL DEFAULT 1, data TEXT NOT NULL);
CREATE TABLE db_workspace (oid TEXT PRIMARY KEY, version INTEGER NOT NULL DEFAULT 1, data TEXT NOT NULL);
CREATE TABLE db_tab (oid TEXT PRIMARY KEY, version INTEGER NOT NULL DEFAULT 1, data TEXT NOT NULL);
CREATE TABLE db_layout (oid TEXT PRIMARY KEY, version INTEGER NOT NULL DEFAULT 1, data TEXT NOT NULL);
CREATE TABLE db_block (oid TEXT PRIMARY KEY, version INTEGER NOT NULL DEFAULT 1, data TEXT NOT NULL);
CREATE TABLE db_temp (oid TEXT PRIMARY KEY, version INTEGER NOT NULL DEFAULT 1, data TEXT NOT NULL);

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

CREATE TABLE db_forge_content (
    agent_id TEXT NOT NULL, content_type TEXT NOT NULL,
    content TEXT NOT NULL DEFAULT '', updated_at INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (agent_id, content_type),
    FOREIGN KEY (agent_id) REFERENCES db_forge_agents(id) ON DELETE CASCADE
);
CREATE TABLE db_forge_skills (
    id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, name TEXT NOT NULL,
    trigger TEXT NOT NULL DEFAULT '', skill_type TEXT NOT NULL DEFAULT 'prompt',
    description TEXT NOT NULL DEFAULT '', content TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (agent_id) REFERENCES db_forge_agents(id) ON DELETE CASCADE
);
CREATE TABLE db_forge_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT, agent_id TEXT NOT NULL,
    session_date TEXT NOT NULL, entry TEXT NOT NULL, timestamp INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (agent_id) REFERENCES db_forge_agents(id) ON DELETE CASCADE
);
CREATE INDEX idx_forge_history_agent_date ON db_forge_history(agent_id, session_date);

CREATE TABLE db_identity_accounts (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, provider TEXT NOT NULL, kind TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '', secret_ref TEXT NOT NULL,
    context TEXT NOT NULL DEFAULT '{}', status TEXT NOT NULL DEFAULT 'unknown',
    created_at INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX idx_identity_accounts_provider ON db_identity_accounts(provider);

CREATE TABLE db_forge_agent_identities (
    agent_id TEXT NOT NULL, account_id TEXT NOT NULL, provider TEXT NOT NULL,
    PRIMARY KEY (agent_id, provider),
    FOREIGN KEY (agent_id)   REFERENCES db_forge_agents(id) ON DELETE CASCADE,
    FOREIGN KEY (account_id) REFERENCES db_identity_accounts(id) ON DELETE CASCADE
);
CREATE INDEX idx_forge_agent_identities_account ON db_forge_agent_identities(account_id);

CREATE TABLE db_identities (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT NOT NULL DEFAULT '',
    is_blank INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX idx_identities_is_blank ON db_identities(is_blank);

CREATE TABLE db_identity_bindings (
    identity_id TEXT NOT NULL, provider TEXT NOT NULL, account_id TEXT NOT NULL,
    PRIMARY KEY (identity_id, provider),
    FOREIGN KEY (identity_id) REFERENCES db_identities(id) ON DELETE CASCADE,
    FOREIGN KEY (account_id)  REFERENCES db_identity_accounts(id) ON DELETE CASCADE
);
CREATE INDEX idx_identity_bindings_account ON db_identity_bindings(account_id);

CREATE TABLE db_memories (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT NOT NULL DEFAULT '',
    is_blank INTEGER NOT NULL DEFAULT 0, provider TEXT NOT NULL DEFAULT '',
    model TEXT NOT NULL DEFAULT '', instructions TEXT NOT NULL DEFAULT '',
    context_files TEXT NOT NULL DEFAULT '[]', mcp_servers TEXT NOT NULL DEFAULT '[]',
    skills TEXT NOT NULL DEFAULT '[]', created_at INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX idx_memories_is_blank ON db_memories(is_blank);

CREATE TABLE db_agent_instances (
    id TEXT PRIMARY KEY, definition_id TEXT NOT NULL,
    parent_instance_id TEXT NOT NULL DEFAULT '', block_id TEXT NOT NULL DEFAULT '',
    session_id TEXT NOT NULL DEFAULT '', status TEXT NOT NULL DEFAULT 'running',
    github_context TEXT NOT NULL DEFAULT '', identity_id TEXT NOT NULL DEFAULT '',
    memory_id TEXT NOT NULL DEFAULT '', instance_name TEXT NOT NULL DEFAULT '',
    working_directory TEXT NOT NULL DEFAULT '', display_hidden INTEGER NOT NULL DEFAULT 0,
    started_at INTEGER NOT NULL DEFAULT 0, ended_at INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (definition_id) REFERENCES db_forge_agents(id) ON DELETE CASCADE
);
CREATE INDEX idx_agent_instances_definition ON db_agent_instances(definition_id);
CREATE INDEX idx_agent_instances_block ON db_agent_instances(block_id);
CREATE INDEX idx_agent_instances_status ON db_agent_instances(status);
CREATE INDEX idx_agent_instances_parent ON db_agent_instances(parent_instance_id);
CREATE INDEX idx_agent_instances_name_recent ON db_agent_instances(instance_name, started_at DESC)
    WHERE display_hidden = 0 AND instance_name != '';

CREATE TABLE db_drone_definitions (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
    graph TEXT NOT NULL DEFAULT '{"nodes":[],"edges":[]}',
    viewport TEXT NOT NULL DEFAULT '{"x":0,"y":0,"zoom":1}',
    created_at INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX idx_drone_definitions_updated ON db_drone_definitions(updated_at DESC);
CREATE TABLE db_drone_runs (
    id TEXT PRIMARY KEY, drone_id TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'running',
    started_at INTEGER NOT NULL DEFAULT 0, ended_at INTEGER NOT NULL DEFAULT 0,
    block_states TEXT NOT NULL DEFAULT '{}', output TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    FOREIGN KEY (drone_id) REFERENCES db_drone_definitions(id) ON DELETE CASCADE
);
CREATE INDEX idx_drone_runs_drone_started ON db_drone_runs(drone_id, started_at DESC);
CREATE INDEX idx_drone_runs_status ON db_drone_runs(status);

CREATE TABLE db_workflow_definitions (id TEXT PRIMARY KEY, name TEXT NOT NULL, graph TEXT NOT NULL DEFAULT '{}');
CREATE TABLE db_workflow_runs (id TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, status TEXT NOT NULL DEFAULT '');
CREATE TABLE db_v10_migrated_legacy_defs (id TEXT PRIMARY KEY);
CREATE TABLE db_v10_migrated_legacy_runs (id TEXT PRIMARY KEY);

INSERT INTO db_client (oid, data) VALUES ('c1', '{"oid":"c1"}');
INSERT INTO db_tab (oid, version, data) VALUES ('t1', 3, '{"name":"main"}');
INSERT INTO db_forge_agents (id, slug, name, provider, is_seeded, created_at)
    VALUES ('a1', 'coder', 'Coder', 'claude', 1, 1700000000),
           ('a2', 'reviewer', 'Reviewer', 'codex', 0, 1700000100);
INSERT INTO db_forge_content (agent_id, content_type, content) VALUES ('a1', 'soul', 'be kind'), ('a2', 'soul', 'be strict');
INSERT INTO db_forge_skills (id, agent_id, name) VALUES ('s1', 'a1', 'refactor');
INSERT INTO db_forge_history (agent_id, session_date, entry) VALUES ('a1', '2026-05-01', 'did things');
INSERT INTO db_identity_accounts (id, name, provider, kind, secret_ref) VALUES ('acct1', 'work', 'github', 'token', 'keyring:work');
INSERT INTO db_forge_agent_identities (agent_id, account_id, provider) VALUES ('a1', 'acct1', 'github');
INSERT INTO db_identities (id, name, description, is_blank) VALUES ('blank', '__blank__', 'kept from v11', 1), ('id1', 'Work', '', 0);
INSERT INTO db_identity_bindings (identity_id, provider, account_id) VALUES ('id1', 'github', 'acct1');
INSERT INTO db_memories (id, name, is_blank) VALUES ('m1', 'Project notes', 0);
INSERT INTO db_agent_instances (id, definition_id, instance_name, started_at) VALUES ('i1', 'a1', 'coder-1', 1700000200);
INSERT INTO db_drone_definitions (id, name) VALUES ('d1', 'Nightly');
INSERT INTO db_drone_runs (id, drone_id) VALUES ('r1', 'd1');
INSERT INTO db_workflow_definitions (id, name) VALUES ('w1', 'old');
