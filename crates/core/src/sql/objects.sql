-- objects.db, schema v4: the canonical table set. Every statement is IF NOT EXISTS so the same
-- text both lays down a fresh file and fills gaps in an adopted one.

-- Generic object tables, one per object type (db_<otype>).
CREATE TABLE IF NOT EXISTS db_client (
    oid     TEXT PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 1,
    data    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS db_window (
    oid     TEXT PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 1,
    data    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS db_workspace (
    oid     TEXT PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 1,
    data    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS db_tab (
    oid     TEXT PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 1,
    data    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS db_layout (
    oid     TEXT PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 1,
    data    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS db_block (
    oid     TEXT PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 1,
    data    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS db_temp (
    oid     TEXT PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 1,
    data    TEXT NOT NULL
);

-- Agent templates ("definitions"). updated_at arrived in v2 and user_hidden in v3; older files
-- get them from the additive step (see spec.rs).
CREATE TABLE IF NOT EXISTS db_agent_definitions (
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
CREATE UNIQUE INDEX IF NOT EXISTS idx_agent_definitions_slug
    ON db_agent_definitions(slug);

CREATE TABLE IF NOT EXISTS db_agent_content (
    agent_id     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    content      TEXT NOT NULL DEFAULT '',
    updated_at   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (agent_id, content_type),
    FOREIGN KEY (agent_id) REFERENCES db_agent_definitions(id) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS db_agent_skills (
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

CREATE TABLE IF NOT EXISTS db_agent_history (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id     TEXT NOT NULL,
    session_date TEXT NOT NULL,
    entry        TEXT NOT NULL,
    timestamp    INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (agent_id) REFERENCES db_agent_definitions(id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_agent_history_agent_date
    ON db_agent_history(agent_id, session_date);

CREATE TABLE IF NOT EXISTS db_identity_accounts (
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
CREATE INDEX IF NOT EXISTS idx_identity_accounts_provider
    ON db_identity_accounts(provider);

CREATE TABLE IF NOT EXISTS db_agent_identity_links (
    agent_id   TEXT NOT NULL,
    account_id TEXT NOT NULL,
    provider   TEXT NOT NULL,
    PRIMARY KEY (agent_id, provider),
    FOREIGN KEY (agent_id)   REFERENCES db_agent_definitions(id) ON DELETE CASCADE,
    FOREIGN KEY (account_id) REFERENCES db_identity_accounts(id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_agent_identity_links_account
    ON db_agent_identity_links(account_id);

CREATE TABLE IF NOT EXISTS db_identity_bundles (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    is_blank    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL DEFAULT 0,
    updated_at  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS idx_identity_bundles_is_blank
    ON db_identity_bundles(is_blank);

CREATE TABLE IF NOT EXISTS db_identity_bindings (
    identity_id TEXT NOT NULL,
    provider    TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    PRIMARY KEY (identity_id, provider),
    FOREIGN KEY (identity_id) REFERENCES db_identity_bundles(id)  ON DELETE CASCADE,
    FOREIGN KEY (account_id)  REFERENCES db_identity_accounts(id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_identity_bindings_account
    ON db_identity_bindings(account_id);

CREATE TABLE IF NOT EXISTS db_memory_bundles (
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
CREATE INDEX IF NOT EXISTS idx_memory_bundles_is_blank
    ON db_memory_bundles(is_blank);

CREATE TABLE IF NOT EXISTS db_agent_instances (
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
CREATE INDEX IF NOT EXISTS idx_agent_instances_definition
    ON db_agent_instances(definition_id);
CREATE INDEX IF NOT EXISTS idx_agent_instances_block
    ON db_agent_instances(block_id);
CREATE INDEX IF NOT EXISTS idx_agent_instances_status
    ON db_agent_instances(status);
CREATE INDEX IF NOT EXISTS idx_agent_instances_parent
    ON db_agent_instances(parent_instance_id);
CREATE INDEX IF NOT EXISTS idx_agent_instances_name_recent
    ON db_agent_instances(instance_name, started_at DESC)
    WHERE display_hidden = 0 AND instance_name != '';

-- v4: one table meant to replace definitions + instances. For now the server writes both the
-- old tables and this one and reads only the old ones. Column names follow the live
-- db_agent_definitions names so no value has to be renamed on the way in.
CREATE TABLE IF NOT EXISTS db_agents (
    id                   TEXT PRIMARY KEY,
    name                 TEXT NOT NULL,
    icon                 TEXT NOT NULL DEFAULT '',
    description          TEXT NOT NULL DEFAULT '',
    is_template          INTEGER NOT NULL DEFAULT 0,
    parent_template_id   TEXT NOT NULL DEFAULT '',
    provider             TEXT NOT NULL,
    provider_flags       TEXT NOT NULL DEFAULT '',
    shell                TEXT NOT NULL DEFAULT '',
    environment          TEXT NOT NULL DEFAULT '',
    agent_type           TEXT NOT NULL DEFAULT 'standalone',
    agent_bus_id         TEXT NOT NULL DEFAULT '',
    accounts             TEXT NOT NULL DEFAULT '',
    auto_start           INTEGER NOT NULL DEFAULT 0,
    restart_on_crash     INTEGER NOT NULL DEFAULT 0,
    idle_timeout_minutes INTEGER NOT NULL DEFAULT 0,
    slug                 TEXT NOT NULL DEFAULT '',
    branch_label         TEXT NOT NULL DEFAULT '',
    identity_id          TEXT NOT NULL DEFAULT '',
    memory_id            TEXT NOT NULL DEFAULT '',
    working_directory    TEXT NOT NULL DEFAULT '',
    github_context       TEXT NOT NULL DEFAULT '',
    instance_name        TEXT NOT NULL DEFAULT '',
    created_at           INTEGER NOT NULL DEFAULT 0,
    updated_at           INTEGER NOT NULL DEFAULT 0,
    is_seeded            INTEGER NOT NULL DEFAULT 0,
    user_hidden          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS idx_agents_is_template
    ON db_agents(is_template);
CREATE INDEX IF NOT EXISTS idx_agents_parent_template_id
    ON db_agents(parent_template_id);
CREATE INDEX IF NOT EXISTS idx_agents_is_seeded
    ON db_agents(is_seeded);

CREATE TABLE IF NOT EXISTS db_drone_definitions (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    graph       TEXT NOT NULL DEFAULT '{"nodes":[],"edges":[]}',
    viewport    TEXT NOT NULL DEFAULT '{"x":0,"y":0,"zoom":1}',
    created_at  INTEGER NOT NULL DEFAULT 0,
    updated_at  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS idx_drone_definitions_updated
    ON db_drone_definitions(updated_at DESC);

CREATE TABLE IF NOT EXISTS db_drone_runs (
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
CREATE INDEX IF NOT EXISTS idx_drone_runs_drone_started
    ON db_drone_runs(drone_id, started_at DESC);
CREATE INDEX IF NOT EXISTS idx_drone_runs_status
    ON db_drone_runs(status);
