-- sagas.db, schema v1: the durable saga log (one row per saga, one per step).
CREATE TABLE IF NOT EXISTS saga (
    saga_id        INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    state          TEXT NOT NULL,
    started_at     INTEGER NOT NULL,
    terminal_at    INTEGER,
    failure_reason TEXT,
    input_json     TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS saga_step (
    saga_id     INTEGER NOT NULL REFERENCES saga(saga_id),
    step_index  INTEGER NOT NULL,
    name        TEXT NOT NULL,
    state       TEXT NOT NULL,
    cmd_json    TEXT NOT NULL,
    output_json TEXT,
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER,
    PRIMARY KEY (saga_id, step_index)
);

-- Only unfinished sagas are looked up by state, so the index holds only those.
CREATE INDEX IF NOT EXISTS saga_state_idx
    ON saga(state) WHERE state IN ('running', 'compensating');
CREATE INDEX IF NOT EXISTS saga_terminal_idx
    ON saga(terminal_at);
