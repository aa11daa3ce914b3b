#!/usr/bin/env python3
"""Regenerate the committed seed corpora (fuzz/corpus/<target>/seed-*) and keep them small.

image:   every fixture, snapshot and scenario SQL file of tests/ turned into a database image
         (512-byte pages, so the whole corpus stays well under 2 MB), plus the shapes the
         header check tells apart: empty, garbage, truncated, WAL-marked, stamped too new.
legacy:  a few byte strings (arbitrary's input; libFuzzer grows the rest from coverage).
datadir: likewise.
Python's own sqlite3 builds the images: independent of the crate under test.
"""
import hashlib, os, sqlite3, struct, sys

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.normpath(os.path.join(here, "..", ".."))
corpus = os.path.join(repo, "fuzz", "corpus")


def image(sql_parts, version=None, page_size=512):
    db = sqlite3.connect(":memory:")
    db.execute(f"PRAGMA page_size = {page_size}")
    db.execute("PRAGMA foreign_keys = OFF")
    for sql in sql_parts:
        db.executescript(sql)
    if version is not None:
        db.execute(f"PRAGMA user_version = {version}")
    db.commit()
    db.execute("VACUUM")
    data = db.serialize()
    db.close()
    return bytes(data)


def read(*path):
    with open(os.path.join(repo, *path)) as f:
        return f.read()


def put(target, name, data):
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"seed-{name}"), "wb") as f:
        f.write(data)


def main():
    fx, sn = ("tests", "fixtures"), ("crates", "core", "src", "sql", "snapshots")
    objects = read(*fx, "reference_objects.sql")
    images = {
        "reference-objects": image([objects], 4),
        "reference-filestore": image([read(*fx, "reference_filestore.sql")], 1),
        "reference-sagas": image([read(*fx, "reference_sagas.sql")], 1),
        "legacy-v11": image([read(*fx, "legacy_v11.sql")]),
        "flat-v1": image([read(*fx, "flat_v1.sql")]),
        "pre-v11": image([read(*fx, "pre_v11.sql")]),
        "stale-foreign-keys": image([read(*fx, "stale_foreign_keys.sql")]),
        "downgrade": image([objects, read(*fx, "downgrade.sql")]),
        "example-v5": image([objects] + [read(*fx, "example_v5", f) for f in sorted(os.listdir(os.path.join(repo, *fx, "example_v5")))], 4),
        "too-new": image([objects], 9),
    }
    for f in sorted(os.listdir(os.path.join(repo, *sn))):
        if f.endswith(".sql"):
            store, v = f[:-4].rsplit("_v", 1)
            images[f"snapshot-{store}-v{v}"] = image([read(*sn, f)], int(v))
    wal = bytearray(images["legacy-v11"])
    wal[18] = wal[19] = 2
    images["wal-marked"] = bytes(wal)
    images["empty"] = b""
    images["garbage"] = b"not a database " * 40
    images["truncated"] = images["flat-v1"][: len(images["flat-v1"]) // 2 + 100]
    images["header-only"] = images["flat-v1"][:100]
    for name, data in images.items():
        put("image", name, data)
    for i, data in enumerate([b"", b"\x00" * 64, b"\xff" * 64, bytes(range(64)), hashlib.sha256(b"legacy").digest() * 3]):
        put("legacy", str(i), data)
    for i, data in enumerate([b"", b"\x00" * 32, bytes(range(48)), b"\x01\x04\x00\x00\x02\x08" * 6, hashlib.sha256(b"datadir").digest() * 2]):
        put("datadir", str(i), data)
    total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(corpus) for f in fs if f.startswith("seed-"))
    print(f"seed corpora: {total} bytes")
    assert total <= 2 * 1024 * 1024, "seed corpora must stay under 2 MB"


main()
