#!/usr/bin/env python3
"""Where the bytes of the wasm module are: code by origin (SQLite's C, each Rust crate, the
wasm-bindgen exports) and data, from a module that still has its name section.

    scripts/wasm-size.sh            # builds one (release, wasm-opt -Oz, names kept) and runs this
    python3 scripts/wasm-size.py MODULE.wasm [--top N]

Sizes are raw bytes of the optimised module; gzip shrinks code and data by roughly half, so use
the shares to choose what to cut, and `scripts/build-pkg.sh`'s gzip figure to measure the cut.
"""
import argparse
import collections
import re


def leb(b, i):
    value = shift = 0
    while True:
        byte = b[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def read(path):
    data = open(path, "rb").read()
    i, imported, bodies, names, sections = 8, 0, [], {}, collections.Counter()
    while i < len(data):
        sid = data[i]
        size, i = leb(data, i + 1)
        end = i + size
        if sid == 2:  # imports: function imports come first in the index space
            n, j = leb(data, i)
            for _ in range(n):
                for _ in range(2):
                    length, j = leb(data, j)
                    j += length
                kind = data[j]
                j += 1
                if kind == 0:
                    _, j = leb(data, j)
                    imported += 1
                elif kind == 1:
                    j += 1
                    flags, j = leb(data, j)
                    _, j = leb(data, j)
                    if flags & 1:
                        _, j = leb(data, j)
                elif kind == 2:
                    flags, j = leb(data, j)
                    _, j = leb(data, j)
                    if flags & 1:
                        _, j = leb(data, j)
                else:
                    j += 2
        elif sid == 10:  # code
            n, j = leb(data, i)
            for _ in range(n):
                length, k = leb(data, j)
                bodies.append(k - j + length)
                j = k + length
        elif sid == 0:
            length, j = leb(data, i)
            name = data[j : j + length].decode()
            j += length
            if name == "name":
                while j < end:
                    sub = data[j]
                    length, j = leb(data, j + 1)
                    if sub == 1:
                        n, k = leb(data, j)
                        for _ in range(n):
                            index, k = leb(data, k)
                            length2, k = leb(data, k)
                            names[index] = data[k : k + length2].decode("utf8", "replace")
                            k += length2
                    j += length
            sections["custom " + name] += size
        sections[{10: "code", 11: "data"}.get(sid, "other")] += size if sid != 0 else 0
        i = end
    funcs = [(size, names.get(imported + k, f"#{imported + k}")) for k, size in enumerate(bodies)]
    return funcs, sections


def origin(name):
    if re.search(r" (externref|multivalue) shim$", name):
        return "Rust: JS API entry points (wasm-bindgen exports, with what they inline)"
    if "::" not in name and not name.startswith("<"):
        return "SQLite C and libc shim"
    m = re.match(r"^<?(?:&(?:mut )?)?(?:dyn )?([A-Za-z_][A-Za-z0-9_]*)", name)
    crate = m.group(1) if m else "?"
    # `<T as Trait>::f` is named after T; a generic T is attributed to the trait's crate.
    if crate in ("T", "C", "F", "A", "I") or crate[0].isupper():
        m2 = re.search(r" as ([a-z_][a-z0-9_]*)", name)
        crate = m2.group(1) if m2 else crate
    if crate in ("char", "str", "u8", "u16", "u32", "u64", "i32", "i64", "usize", "bool"):
        crate = "core"
    return "Rust: " + crate


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("module")
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args()
    funcs, sections = read(args.module)
    by = collections.Counter()
    count = collections.Counter()
    for size, name in funcs:
        by[origin(name)] += size
        count[origin(name)] += 1
    code = sum(by.values())
    print(f"code {code} B, data {sections['data']} B")
    for key, size in by.most_common():
        print(f"{size:>8} {100 * size / code:5.1f}%  {count[key]:>5} fns  {key}")
    print(f"\nlargest {args.top} functions:")
    for size, name in sorted(funcs, reverse=True)[: args.top]:
        print(f"{size:>8}  {re.sub(r'::h[0-9a-f]{16}$', '', name)[:110]}")


if __name__ == "__main__":
    main()
