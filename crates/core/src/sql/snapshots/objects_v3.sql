-- objects.db v3: the canonical schema of this version (reconstructed once from v4 by removing what later versions added, see README.md here; never edit)
-- step v2: add column db_agent_definitions.updated_at INTEGER NOT NULL DEFAULT 0
-- step v3: add column db_agent_definitions.user_hidden INTEGER NOT NULL DEFAULT 0
CREATE TABLE db_agent_content (
    agent_id     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    content      TEXT NOT NULL DEFAULT '',
    updated_at   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (agent_id, content_type),
    FOREIGN KEY (agent_id) REFERENCES db_agent_definitions(id) ON DELETE CASCADE
);
CREATE TABLE db_agent_definitions (
    id                   TEXT PRIMARY KEY,
    slug                 TEXT NOT NULL DEFAULT '',
    name                 TEXT NOT NULL,
    icon                 TEXT NOT NULL DEFAULT '✦',
    provider             TEXT NOT NULL,
    description          TEXT NOT NULL DEFAULT '',
    working_directory    TEXT NOT NULL DEFAULT '',
    shell                TEXT NOT NULL DEFAULT '',
    provider_flags       TEXT NOT NULL DEFAULT '',
    auto_start           INTEGER NOT NULL DEFAULT 0,
    restart_on_crash     INTEGER NOT NULL DEFAULT 0,
    idle_timeout_minutes INTEGER NOT NULL DEFAULT 0,
    agent_type           TEXT NOT NULL DEFAULT 'standalone',
    environment          TEXT NOT NULL DEFAULT '',
    agent_bus_id         TEXT NOT NULL DEFAULT '',
    is_seeded            INTEGER NOT NULL DEFAULT 0,
    accounts             TEXT NOT NULL DEFAULT '',
    parent_id            TEXT NOT NULL DEFAULT '',
    branch_label         TEXT NOT NULL DEFAULT '',
    created_at           INTEGER NOT NULL DEFAULT 0,
    updated_at           INTEGER NOT NULL DEFAULT 0,
    user_hidden          INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE db_agent_history (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id     TEXT NOT NULL,
    session_date TEXT NOT NULL,
    entry        TEXT NOT NULL,
    timestamp    INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (agent_id) REFERENCES db_agent_definitions(id) ON DELETE CASCADE
);
CREATE TABLE db_agent_identity_links (
    agent_id   TEXT NOT NULL,
    account_id TEXT NOT NULL,
    provider   TEXT NOT NULL,
    PRIMARY KEY (agent_id, provider),
    FOREIGN KEY (agent_id)   REFERENCES db_agent_definitions(id) ON DELETE CASCADE,
    FOREIGN KEY (account_id) REFERENCES db_identity_accounts(id) ON DELETE CASCADE
);
CREATE TABLE db_agent_instances (
    id                 TEXT PRIMARY KEY,
    definition_id      TEXT NOT NULL,
    parent_instance_id TEXT NOT NULL DEFAULT '',
    block_id           TEXT NOT NULL DEFAULT '',
    session_id         TEXT NOT NULL DEFAULT '',
    status             TEXT NOT NULL DEFAULT 'running',
    github_context     TEXT NOT NULL DEFAULT '',
    identity_id        TEXT NOT NULL DEFAULT '',
    memory_id          TEXT NOT NULL DEFAULT '',
    instance_name      TEXT NOT NULL DEFAULT '',
    working_directory  TEXT NOT NULL DEFAULT '',
    display_hidden     INTEGER NOT NULL DEFAULT 0,
    started_at         INTEGER NOT NULL DEFAULT 0,
    ended_at           INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (definition_id) REFERENCES db_agent_definitions(id) ON DELETE CASCADE
);
CREATE TABLE db_agent_skills (
    id          TEXT PRIMARY KEY,
    agent_id    TEXT NOT NULL,
    name        TEXT NOT NULL,
    trigger     TEXT NOT NULL DEFAULT '',
    skill_type  TEXT NOT NULL DEFAULT 'prompt',
    description TEXT NOT NULL DEFAULT '',
    content     TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (agent_id) REFERENCES db_agent_definitions(id) ON DELETE CASCADE
);
CREATE TABLE db_block (
    oid     TEXT PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 1,
    data    TEXT NOT NULL
);
CREATE TABLE db_client (
    oid     TEXT PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 1,
    data    TEXT NOT NULL
);
CREATE TABLE db_drone_definitions (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    graph       TEXT NOT NULL DEFAULT '{"nodes":[],"edges":[]}',
    viewport    TEXT NOT NULL DEFAULT '{"x":0,"y":0,"zoom":1}',
    created_at  INTEGER NOT NULL DEFAULT 0,
    updated_at  INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE db_drone_runs (
    id           TEXT PRIMARY KEY,
    drone_id     TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'running',
    started_at   INTEGER NOT NULL DEFAULT 0,
    ended_at     INTEGER NOT NULL DEFAULT 0,
    block_states TEXT NOT NULL DEFAULT '{}',
    output       TEXT NOT NULL DEFAULT '',
    error        TEXT NOT NULL DEFAULT '',
    FOREIGN KEY (drone_id) REFERENCES db_drone_definitions(id) ON DELETE CASCADE
);
CREATE TABLE db_identity_accounts (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    provider     TEXT NOT NULL,
    kind         TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    secret_ref   TEXT NOT NULL,
    context      TEXT NOT NULL DEFAULT '{}',
    status       TEXT NOT NULL DEFAULT 'unknown',
    created_at   INTEGER NOT NULL DEFAULT 0,
    updated_at   INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE db_identity_bindings (
    identity_id TEXT NOT NULL,
    provider    TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    PRIMARY KEY (identity_id, provider),
    FOREIGN KEY (identity_id) REFERENCES db_identity_bundles(id)  ON DELETE CASCADE,
    FOREIGN KEY (account_id)  REFERENCES db_identity_accounts(id) ON DELETE CASCADE
);
CREATE TABLE db_identity_bundles (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    is_blank    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL DEFAULT 0,
    updated_at  INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE db_layout (
    oid     TEXT PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 1,
    data    TEXT NOT NULL
);
CREATE TABLE db_memory_bundles (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    description   TEXT NOT NULL DEFAULT '',
    is_blank      INTEGER NOT NULL DEFAULT 0,
    provider      TEXT NOT NULL DEFAULT '',
    model         TEXT NOT NULL DEFAULT '',
    instructions  TEXT NOT NULL DEFAULT '',
    context_files TEXT NOT NULL DEFAULT '[]',
    mcp_servers   TEXT NOT NULL DEFAULT '[]',
    skills        TEXT NOT NULL DEFAULT '[]',
    created_at    INTEGER NOT NULL DEFAULT 0,
    updated_at    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE db_tab (
    oid     TEXT PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 1,
    data    TEXT NOT NULL
);
CREATE TABLE db_temp (
    oid     TEXT PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 1,
    data    TEXT NOT NULL
);
CREATE TABLE db_window (
    oid     TEXT PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 1,
    data    TEXT NOT NULL
);
CREATE TABLE db_workspace (
    oid     TEXT PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 1,
    data    TEXT NOT NULL
);
CREATE UNIQUE INDEX idx_agent_definitions_slug
    ON db_agent_definitions(slug);
CREATE INDEX idx_agent_history_agent_date
    ON db_agent_history(agent_id, session_date);
CREATE INDEX idx_agent_identity_links_account
    ON db_agent_identity_links(account_id);
CREATE INDEX idx_agent_instances_block
    ON db_agent_instances(block_id);
CREATE INDEX idx_agent_instances_definition
    ON db_agent_instances(definition_id);
CREATE INDEX idx_agent_instances_name_recent
    ON db_agent_instances(instance_name, started_at DESC)
    WHERE display_hidden = 0 AND instance_name != '';
CREATE INDEX idx_agent_instances_parent
    ON db_agent_instances(parent_instance_id);
CREATE INDEX idx_agent_instances_status
    ON db_agent_instances(status);
CREATE INDEX idx_drone_definitions_updated
    ON db_drone_definitions(updated_at DESC);
CREATE INDEX idx_drone_runs_drone_started
    ON db_drone_runs(drone_id, started_at DESC);
CREATE INDEX idx_drone_runs_status
    ON db_drone_runs(status);
CREATE INDEX idx_identity_accounts_provider
    ON db_identity_accounts(provider);
CREATE INDEX idx_identity_bindings_account
    ON db_identity_bindings(account_id);
CREATE INDEX idx_identity_bundles_is_blank
    ON db_identity_bundles(is_blank);
CREATE INDEX idx_memory_bundles_is_blank
    ON db_memory_bundles(is_blank);
