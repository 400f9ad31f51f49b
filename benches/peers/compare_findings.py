#!/usr/bin/env python3
"""Compares two findings.csv files finding by finding.

    python compare_findings.py A.csv B.csv [--examples 5] [--summary FILE]

A finding is its (rule, name, severity, device_key) cells; `evidence` and the rest are
not compared (the DuckDB reference leaves `evidence` empty). Prints the findings found in
one file only, per rule, and up to --examples of them. Exit 0 when both files hold the
same findings (as multisets), else 1. --summary FILE writes one line for scripts:
`identical`, or `only_a=N only_b=N`. Pure standard library.
"""

import argparse
import csv
import sys
from collections import Counter

csv.field_size_limit(1 << 30)
KEY = ("rule", "name", "severity", "device_key")


def findings(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        r = csv.reader(f)
        header = next(r, None)
        if header is None:
            sys.exit(f"compare_findings: {path} is empty")
        missing = [c for c in KEY if c not in header]
        if missing:
            sys.exit(f"compare_findings: {path} has no {', '.join(missing)} column")
        idx = [header.index(c) for c in KEY]
        return Counter(tuple(row[i] for i in idx) for row in r if row)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--examples", type=int, default=5)
    ap.add_argument("--summary")
    args = ap.parse_args()

    a, b = findings(args.a), findings(args.b)
    only_a, only_b = a - b, b - a
    print(f"{args.a}: {sum(a.values())} findings; {args.b}: {sum(b.values())} findings")
    for label, only in ((f"only in {args.a}", only_a), (f"only in {args.b}", only_b)):
        n = sum(only.values())
        if not n:
            continue
        by_rule = Counter()
        for (rule, *_), k in only.items():
            by_rule[rule] += k
        print(f"{label}: {n} ({', '.join(f'{r}={k}' for r, k in sorted(by_rule.items()))})")
        for key in sorted(only)[: args.examples]:
            print("  " + ",".join(key))
    same = not only_a and not only_b
    if args.summary:
        with open(args.summary, "w") as f:
            f.write("identical\n" if same else f"only_a={sum(only_a.values())} only_b={sum(only_b.values())}\n")
    if same:
        print("identical")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
