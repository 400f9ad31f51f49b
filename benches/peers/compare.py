#!/usr/bin/env python3
"""Compares two devices.csv files device by device.

    python compare.py A.csv B.csv [--columns c1,c2] [--ignore c1,c2] [--map a=b]
                      [--examples 5] [--summary FILE]

A and B are keyed by `device_key` (fleetstate's devices.csv, the DuckDB reference's, or a
`fleetstate sample` expected.csv). Every column the two files share is compared (or only
--columns), cell by cell, as text; `--map rules=findings` compares A's `rules` with B's
`findings`. Prints, per column, the number of devices whose values differ and up to
--examples of them, then the devices present in one file only. Exit 0 when the compared
columns are identical for every device and both files hold the same devices, else 1.

--summary FILE writes one line for scripts: `identical`, or `col=N col=N ... only_a=N
only_b=N` (columns with differences only).

Both files are streamed when sorted by device_key (fleetstate and the reference write them
so); an unsorted file is read into memory instead. Pure standard library.
"""

import argparse
import csv
import sys

csv.field_size_limit(1 << 30)


def open_csv(path):
    f = open(path, newline="", encoding="utf-8-sig")
    r = csv.reader(f)
    try:
        header = next(r)
    except StopIteration:
        sys.exit(f"compare: {path} is empty")
    if "device_key" not in header:
        sys.exit(f"compare: {path} has no device_key column")
    return f, r, header


class Unsorted(Exception):
    pass


def sorted_rows(reader, kidx):
    prev = None
    for row in reader:
        if not row:
            continue
        k = row[kidx]
        if prev is not None and k.encode() < prev.encode():
            raise Unsorted()
        prev = k
        yield k, row


def merged(a_rows, b_rows):
    """Merge-joins two key-sorted streams: yields (key, row_a|None, row_b|None)."""
    sentinel = (None, None)
    a = next(a_rows, sentinel)
    b = next(b_rows, sentinel)
    while a[0] is not None or b[0] is not None:
        if b[0] is None or (a[0] is not None and a[0].encode() < b[0].encode()):
            yield a[0], a[1], None
            a = next(a_rows, sentinel)
        elif a[0] is None or b[0].encode() < a[0].encode():
            yield b[0], None, b[1]
            b = next(b_rows, sentinel)
        else:
            yield a[0], a[1], b[1]
            a = next(a_rows, sentinel)
            b = next(b_rows, sentinel)


def in_memory(path):
    f, r, header = open_csv(path)
    k = header.index("device_key")
    rows = {}
    dups = 0
    for row in r:
        if row:
            if row[k] in rows:
                dups += 1
            rows[row[k]] = row
    f.close()
    if dups:
        print(f"compare: {path}: {dups} repeated device_key values (the last one kept)")
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--columns", default="", help="compare only these columns (comma-separated)")
    ap.add_argument("--ignore", default="", help="do not compare these columns")
    ap.add_argument("--map", action="append", default=[], help="A_COLUMN=B_COLUMN, compared as one")
    ap.add_argument("--examples", type=int, default=5)
    ap.add_argument("--summary", default=None, help="write a one-line summary to this file")
    args = ap.parse_args()

    fa, ra, ha = open_csv(args.a)
    fb, rb, hb = open_csv(args.b)
    pairs = [(c, c) for c in ha if c in hb and c != "device_key"]
    for m in args.map:
        x, _, y = m.partition("=")
        if x not in ha or y not in hb:
            sys.exit(f"compare: --map {m}: {x!r} not in A or {y!r} not in B")
        pairs.append((x, y))
    only = {c for c in args.columns.split(",") if c}
    ignore = {c for c in args.ignore.split(",") if c}
    pairs = [(x, y) for x, y in pairs if (not only or x in only or y in only) and x not in ignore]
    if not pairs:
        sys.exit("compare: the files share no column besides device_key")
    idx = [(ha.index(x), hb.index(y)) for x, y in pairs]
    ka, kb = ha.index("device_key"), hb.index("device_key")

    diffs = [0] * len(pairs)
    examples = [[] for _ in pairs]
    only_a, only_b = [], []
    n_only_a = n_only_b = n_common = 0
    n_differing_devices = 0

    def visit(key, x, y):
        nonlocal n_only_a, n_only_b, n_common, n_differing_devices
        if y is None:
            n_only_a += 1
            if len(only_a) < args.examples:
                only_a.append(key)
            return
        if x is None:
            n_only_b += 1
            if len(only_b) < args.examples:
                only_b.append(key)
            return
        n_common += 1
        any_diff = False
        for j, (ia, ib) in enumerate(idx):
            va = x[ia] if ia < len(x) else ""
            vb = y[ib] if ib < len(y) else ""
            if va != vb:
                any_diff = True
                diffs[j] += 1
                if len(examples[j]) < args.examples:
                    examples[j].append((key, va, vb))
        n_differing_devices += any_diff

    try:
        for key, x, y in merged(sorted_rows(ra, ka), sorted_rows(rb, kb)):
            visit(key, x, y)
    except Unsorted:
        # Start again, in memory.
        diffs[:] = [0] * len(pairs)
        for e in examples:
            e.clear()
        only_a.clear()
        only_b.clear()
        n_only_a = n_only_b = n_common = n_differing_devices = 0
        A, B = in_memory(args.a), in_memory(args.b)
        for key in sorted(set(A) | set(B), key=str.encode):
            visit(key, A.get(key), B.get(key))
    fa.close()
    fb.close()

    print(f"A: {args.a}")
    print(f"B: {args.b}")
    print(f"devices in both: {n_common}; only in A: {n_only_a}; only in B: {n_only_b}; "
          f"devices with any difference: {n_differing_devices}")
    w = max(len(f"{x}={y}" if x != y else x) for x, y in pairs)
    for j, (x, y) in enumerate(pairs):
        name = f"{x}={y}" if x != y else x
        print(f"  {name:<{w}}  {diffs[j]:>9} differ")
        for key, va, vb in examples[j]:
            print(f"      {key}: {va!r} vs {vb!r}")
    if only_a:
        print(f"only in A ({n_only_a}): " + ", ".join(only_a) + (" ..." if n_only_a > len(only_a) else ""))
    if only_b:
        print(f"only in B ({n_only_b}): " + ", ".join(only_b) + (" ..." if n_only_b > len(only_b) else ""))

    identical = not any(diffs) and not n_only_a and not n_only_b
    if args.summary:
        if identical:
            line = "identical"
        else:
            parts = [f"{x}={d}" for (x, _), d in zip(pairs, diffs) if d]
            if n_only_a:
                parts.append(f"only_a={n_only_a}")
            if n_only_b:
                parts.append(f"only_b={n_only_b}")
            line = " ".join(parts)
        with open(args.summary, "w", encoding="utf-8") as f:
            f.write(line + "\n")
    print("identical" if identical else "DIFFERENT")
    sys.exit(0 if identical else 1)


if __name__ == "__main__":
    main()
