-- filestore.db, schema v1: file metadata and the file's data in numbered parts.
CREATE TABLE IF NOT EXISTS db_wave_file (
    zoneid TEXT NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL DEFAULT 0,
    createdts INTEGER NOT NULL DEFAULT 0,
    modts INTEGER NOT NULL DEFAULT 0,
    opts TEXT NOT NULL DEFAULT '{}',
    meta TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (zoneid, name)
);

CREATE TABLE IF NOT EXISTS db_file_data (
    zoneid TEXT NOT NULL,
    name TEXT NOT NULL,
    partidx INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (zoneid, name, partidx)
);
