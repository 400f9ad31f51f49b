#!/usr/bin/env python3
"""Runs the DuckDB reference (duckdb_reference.sql) on fleetstate's CSV exports.

    python duckdb_reference.py INPUT... --out DIR [--stale-days 90] [--threads N]
                               [--memory-limit 4GB] [--profile]

INPUT: export files or folders of them (not descended into). Each file is recognised by
its header line, like fleetstate does: the Intune admin-center CSV (`Device ID`,
`Device name`), the Entra CSV (`displayName` and a trust-type column), the ConfigMgr
query CSV (`ResourceID` and `Name0`/`Name`) and the Autopilot blade CSV (`Serial number`
and `Profile status`/`Enrollment state`). Anything else (expected.csv, a README, JSON) is
skipped and named on stderr. Writes DIR/devices.csv, sorted by device_key, and
DIR/findings.csv (one row per finding, sorted by rule and device; `evidence` left empty).

Installs nothing: run it with a Python that has the `duckdb` package (benches/e2e.sh makes
a venv under target/bench-venv).
"""

import argparse
import os
import shutil
import sys
import time

import duckdb

HERE = os.path.dirname(os.path.abspath(__file__))
SQL = os.path.join(HERE, "duckdb_reference.sql")
SOURCES = ("intune", "entra", "configmgr", "autopilot")


def header_names(path):
    """The lower-cased, trimmed names of the first line (UTF-8, BOM or not)."""
    with open(path, "rb") as f:
        line = f.readline(1 << 16)
    text = line.decode("utf-8-sig", errors="replace").strip()
    return {c.strip().strip('"').strip().lower() for c in text.split(",")}


def detect(path):
    if not path.lower().endswith((".csv", ".txt")):
        return None
    try:
        h = header_names(path)
    except OSError:
        return None
    if "device id" in h and "device name" in h and ("managed by" in h or "ownership" in h):
        return "intune"
    if "displayname" in h and ("jointype (trusttype)" in h or "devicetrusttype" in h):
        return "entra"
    if "resourceid" in h and ("name0" in h or "name" in h):
        return "configmgr"
    if "serial number" in h and ("profile status" in h or "enrollment state" in h):
        return "autopilot"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inputs", nargs="+")
    ap.add_argument("--out", required=True)
    ap.add_argument("--stale-days", type=int, default=90)
    ap.add_argument("--threads", type=int, default=0, help="0: DuckDB's default (all cores)")
    ap.add_argument("--memory-limit", default=None, help="e.g. 4GB (DuckDB default: 80%% of RAM)")
    ap.add_argument("--temp-dir", default=None,
                    help="where DuckDB spills what does not fit in memory (default: OUT/.duckdb-tmp, removed at the end)")
    ap.add_argument("--profile", action="store_true", help="print the time of each statement")
    args = ap.parse_args()

    files = {s: [] for s in SOURCES}
    for inp in args.inputs:
        paths = (
            sorted(os.path.join(inp, n) for n in os.listdir(inp) if os.path.isfile(os.path.join(inp, n)))
            if os.path.isdir(inp)
            else [inp]
        )
        for p in paths:
            src = detect(p)
            if src is None:
                print(f"duckdb_reference: skipped {p}: not a CSV export this reference reads", file=sys.stderr)
            else:
                files[src].append(os.path.abspath(p))
    missing = [s for s in SOURCES if not files[s]]
    if missing:
        # The SQL reads all four sources; an absent one is an empty file of its header.
        print(f"duckdb_reference: no {', '.join(missing)} export given", file=sys.stderr)
        sys.exit(2)

    t0 = time.perf_counter()
    os.makedirs(args.out, exist_ok=True)
    temp_dir = args.temp_dir or os.path.join(args.out, ".duckdb-tmp")
    con = duckdb.connect()
    # An in-memory database still spills to temp_directory; never let it default to ./.tmp
    con.execute("SET temp_directory = ?", [os.path.abspath(temp_dir)])
    if args.threads:
        con.execute(f"SET threads = {int(args.threads)}")
    if args.memory_limit:
        con.execute(f"SET memory_limit = '{args.memory_limit}'")
    con.execute("SET preserve_insertion_order = false")
    for s in SOURCES:
        con.execute(f"SET VARIABLE {s}_csv = ?", [files[s]])
    con.execute(f"SET VARIABLE stale_days = {int(args.stale_days)}")

    with open(SQL, encoding="utf-8") as f:
        sql = f.read()
    if args.profile:
        for stmt in split_statements(sql):
            t = time.perf_counter()
            con.execute(stmt)
            first = " ".join(stmt.split())[:70]
            print(f"{time.perf_counter() - t:8.2f}s  {first}", file=sys.stderr)
    else:
        con.execute(sql)

    out = os.path.join(args.out, "devices.csv")
    copy_to(con, "SELECT * FROM devices ORDER BY device_key", out)
    # findings.csv (outputs.md): one row per finding, sorted by rule then device, as
    # fleetstate writes it. Not modelled: `evidence` (left empty) and suppressions (the
    # default policy suppresses nothing).
    copy_to(
        con,
        """SELECT f.rule, r.name, r.severity, f.device_key, f.device_name,
                  NULL AS evidence, false AS suppressed, NULL AS suppressed_reason
           FROM (SELECT device_key, device_name, unnest(string_split(findings, ';')) AS rule
                 FROM devices WHERE findings IS NOT NULL) f
           JOIN fs_rules r USING (rule)
           ORDER BY f.rule, f.device_key""",
        os.path.join(args.out, "findings.csv"),
    )
    n = con.execute("SELECT count(*) FROM devices").fetchone()[0]
    con.close()
    if args.temp_dir is None:
        shutil.rmtree(temp_dir, ignore_errors=True)
    print(f"duckdb_reference: {n} devices -> {out} in {time.perf_counter() - t0:.2f}s", file=sys.stderr)


def copy_to(con, query, out):
    """Writes the query's rows to `out` as CSV (header, `,`, `"`), through a temporary
    file renamed at the end, so that no half-written file is left."""
    tmp = out + ".tmp"
    target = "'" + tmp.replace("'", "''") + "'"
    con.execute(f"COPY ({query}) TO {target} (HEADER, DELIMITER ',', QUOTE '\"')")
    os.replace(tmp, out)


def split_statements(sql):
    """Splits the script into statements: each ends with a line ending in `;`."""
    stmts, cur = [], []
    for line in sql.splitlines():
        if line.lstrip().startswith("--"):
            continue
        cur.append(line)
        if line.rstrip().endswith(";"):
            stmts.append("\n".join(cur).strip())
            cur = []
    if "\n".join(cur).strip():
        stmts.append("\n".join(cur).strip())
    return stmts


if __name__ == "__main__":
    main()
