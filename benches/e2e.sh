#!/usr/bin/env bash
# End-to-end benchmark: `fleetstate analyze` against the DuckDB SQL reference
# (benches/peers/duckdb_reference.sql) on synthetic fleets of growing size.
#
#   cargo build --release          # this script builds nothing
#   benches/e2e.sh                 # SIZES="100000 1000000 10000000" RUNS=3
#   SIZES="100000" RUNS=5 benches/e2e.sh
#
# For each fleet size N it generates the fleet once into target/bench/fleet-N (the four
# top-level CSV exports and expected.csv; the graph/ and utf16/ forms are sent to /dev/null
# and their folders removed), then runs each tool RUNS times on the same four files under
# GNU time (wall clock, peak RSS), compares the two devices.csv files column by column
# (benches/peers/compare.py) and the two findings.csv finding by finding
# (benches/peers/compare_findings.py), and appends one row per N to target/bench/results.md.
#
# Environment:
#   SIZES          fleet sizes (default "100000 1000000 10000000")
#   RUNS           runs per tool and size (default 3)
#   SEED           sample seed (default 1)
#   KEEP_FLEETS    1 (default): keep target/bench/fleet-N for the next run; 0: delete after use
#   COMPARE_EXPECTED  1 (default): also score both tools against the fleet's expected.csv
#   DUCKDB_VERSION pin the duckdb wheel (default: the latest)
#   DUCKDB_THREADS, DUCKDB_MEMORY_LIMIT  passed to the reference (default: DuckDB's own)
#   FLEETSTATE, BENCH_DIR, BENCH_VENV  override target/release/fleetstate, target/bench and
#                  target/bench-venv (e.g. to try the script with the debug binary)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
SIZES=${SIZES:-"100000 1000000 10000000"}
RUNS=${RUNS:-3}
SEED=${SEED:-1}
KEEP_FLEETS=${KEEP_FLEETS:-1}
COMPARE_EXPECTED=${COMPARE_EXPECTED:-1}
BENCH=${BENCH_DIR:-$ROOT/target/bench}
VENV=${BENCH_VENV:-$ROOT/target/bench-venv}
FS=${FLEETSTATE:-$ROOT/target/release/fleetstate}
PEERS=$ROOT/benches/peers
RESULTS=$BENCH/results.md

die() { echo "e2e: $*" >&2; exit 2; }

# --- prerequisites --------------------------------------------------------------------
[ -x "$FS" ] || die "$FS is missing: run \`cargo build --release\` first (this script builds nothing)"
case "$RUNS" in ''|*[!0-9]*|0) die "RUNS must be a positive integer";; esac
command -v python3 >/dev/null || die "python3 is needed (for the DuckDB reference and compare.py)"

if ! /usr/bin/time -v true >/dev/null 2>&1; then
    echo "e2e: GNU time (/usr/bin/time) is missing; installing the Debian package \`time\`" >&2
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get install -y time >/dev/null || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y time >/dev/null; } \
        || die "could not install GNU time: apt-get install -y time"
fi

mkdir -p "$BENCH"
if [ ! -x "$VENV/bin/python" ]; then
    echo "e2e: creating the Python venv $VENV" >&2
    python3 -m venv "$VENV" || die "python3 -m venv failed (Debian: apt-get install -y python3-venv)"
fi
if ! "$VENV/bin/python" -c "import duckdb" 2>/dev/null; then
    echo "e2e: pip install duckdb${DUCKDB_VERSION:+==$DUCKDB_VERSION} into $VENV" >&2
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "duckdb${DUCKDB_VERSION:+==$DUCKDB_VERSION}"
fi
DUCKDB_V=$("$VENV/bin/python" -c "import duckdb; print(duckdb.__version__)")
FS_V=$("$FS" --version 2>/dev/null | head -1 || echo fleetstate)

# --- helpers --------------------------------------------------------------------------
# The files `fleetstate sample` writes besides the top-level CSVs: made symlinks to
# /dev/null before generation so they cost no disk (1M devices: ~4 GB of them).
SIDE_FILES="graph/intune-managedDevices.json graph/entra-devices.json graph/autopilot-devices.json
graph/configmgr-devices.csv graph/expected.csv utf16/intune-devices.csv utf16/entra-devices.csv
utf16/configmgr-devices.csv utf16/autopilot-hwid.csv utf16/expected.csv"
INPUT_NAMES="intune-devices.csv entra-devices.csv configmgr-devices.csv autopilot-devices.csv"

free_kb() { df -Pk "$1" | awk 'NR == 2 { print $4 }'; }

human_kb() { awk -v k="$1" 'BEGIN { printf "%.1f GB", k / 1048576 }'; }

generate() { # N DIR
    local n=$1 dir=$2
    if [ -f "$dir/.complete" ] && [ "$(cat "$dir/.complete")" = "devices=$n seed=$SEED" ]; then
        echo "e2e: reusing $dir" >&2
        return
    fi
    rm -rf "$dir"
    # Top-level CSVs + expected.csv: ~1.1 KB per device; the outputs of both tools and
    # DuckDB's spill need about as much again.
    local need_kb=$(( n * 26 / 10 + 1048576 ))
    local have_kb; have_kb=$(free_kb "$BENCH")
    if [ "$have_kb" -lt "$need_kb" ]; then
        die "fleet of $n devices needs ~$(human_kb $need_kb) free under $BENCH, $(human_kb "$have_kb") available (lower SIZES)"
    fi
    mkdir -p "$dir/graph" "$dir/utf16"
    for f in $SIDE_FILES; do ln -s /dev/null "$dir/$f"; done
    echo "e2e: generating $n devices into $dir" >&2
    /usr/bin/time -f "e2e: generated in %e s" "$FS" sample --devices "$n" --seed "$SEED" --out "$dir" >/dev/null
    rm -rf "$dir/graph" "$dir/utf16"
    for f in $INPUT_NAMES expected.csv; do [ -s "$dir/$f" ] || die "$dir/$f was not written"; done
    echo "devices=$n seed=$SEED" > "$dir/.complete"
}

# "h:mm:ss" or "m:ss.ss" (GNU time's Elapsed) -> seconds
time_field() { # FILE -> "wall_seconds rss_kb"
    awk -F': ' '
        /Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; wall = s }
        /Maximum resident set size/ { rss = $2 }
        END { printf "%s %s\n", wall, rss }' "$1"
}

# min/median/max of whitespace-separated numbers, with a unit conversion
stats() { # SCALE FORMAT NUMBERS...
    local scale=$1 fmt=$2; shift 2
    python3 - "$scale" "$fmt" "$@" <<'EOF'
import statistics, sys
scale, fmt, xs = float(sys.argv[1]), sys.argv[2], [float(x) / float(sys.argv[1]) for x in sys.argv[3:]]
if not xs:
    print("n/a")
else:
    print(" / ".join(format(v, fmt) for v in (min(xs), statistics.median(xs), max(xs))))
EOF
}

median() { python3 -c 'import statistics,sys; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

# --- results file ---------------------------------------------------------------------
{
    echo
    echo "## $(date -u +%Y-%m-%dT%H:%M:%SZ): fleetstate analyze vs DuckDB reference"
    echo
    echo "$FS_V (\`${FS#$ROOT/}\`); DuckDB $DUCKDB_V (Python $("$VENV/bin/python" -c 'import platform; print(platform.python_version())'));" \
         "$(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GB RAM; load average at start:" \
         "$(cut -d' ' -f1-3 /proc/loadavg); seed $SEED, $RUNS runs per tool."
    echo "Both read the same four top-level CSVs. Wall clock and peak RSS from GNU time," \
         "min / median / max over the runs; ratio = DuckDB median / fleetstate median."
    echo "\`differences\`: devices whose value differs, per column, between the two devices.csv" \
         "(benches/peers/compare.py); \`vs expected\`: the same against the fleet's expected.csv." \
         "\`findings.csv\`: findings (rule, name, severity, device) in one file only" \
         "(benches/peers/compare_findings.py). Not the same total work: fleetstate also writes" \
         "devices.parquet, summary.json and the findings' evidence (\`--no-html\`); the" \
         "reference writes devices.csv and findings.csv with an empty evidence column."
    echo
    echo "| devices | fleetstate wall s | fleetstate peak RSS MiB | DuckDB wall s | DuckDB peak RSS MiB | wall ratio | RSS ratio | differences fleetstate vs DuckDB | findings.csv fleetstate vs DuckDB | fleetstate vs expected | DuckDB vs expected |"
    echo "| ---: | --- | --- | --- | --- | ---: | ---: | --- | --- | --- | --- |"
} >> "$RESULTS"

# --- the runs -------------------------------------------------------------------------
for N in $SIZES; do
    FLEET=$BENCH/fleet-$N
    OUT=$BENCH/out-$N
    generate "$N" "$FLEET"
    mkdir -p "$OUT"
    INPUTS=()
    for f in $INPUT_NAMES; do INPUTS+=("$FLEET/$f"); done

    fs_wall=(); fs_rss=(); db_wall=(); db_rss=(); fs_fail=""; db_fail=""
    DB_ARGS=()
    [ -n "${DUCKDB_THREADS:-}" ] && DB_ARGS+=(--threads "$DUCKDB_THREADS")
    [ -n "${DUCKDB_MEMORY_LIMIT:-}" ] && DB_ARGS+=(--memory-limit "$DUCKDB_MEMORY_LIMIT")
    for r in $(seq 1 "$RUNS"); do
        # interleaved, so both tools see the same background load
        echo "e2e: N=$N run $r/$RUNS: fleetstate" >&2
        rc=0
        /usr/bin/time -v -o "$OUT/time-fleetstate-$r.txt" \
            "$FS" analyze "${INPUTS[@]}" --out "$OUT/fleetstate" --no-html \
            >"$OUT/fleetstate-$r.log" 2>&1 || rc=$?
        if [ "$rc" -eq 0 ]; then
            read -r w m < <(time_field "$OUT/time-fleetstate-$r.txt"); fs_wall+=("$w"); fs_rss+=("$m")
        else
            fs_fail="exit $rc (see $OUT/fleetstate-$r.log)"; echo "e2e: fleetstate failed: $fs_fail" >&2
        fi

        echo "e2e: N=$N run $r/$RUNS: DuckDB reference" >&2
        rc=0
        /usr/bin/time -v -o "$OUT/time-duckdb-$r.txt" \
            "$VENV/bin/python" "$PEERS/duckdb_reference.py" "${INPUTS[@]}" --out "$OUT/duckdb" "${DB_ARGS[@]}" \
            >"$OUT/duckdb-$r.log" 2>&1 || rc=$?
        if [ "$rc" -eq 0 ]; then
            read -r w m < <(time_field "$OUT/time-duckdb-$r.txt"); db_wall+=("$w"); db_rss+=("$m")
        else
            db_fail="exit $rc (see $OUT/duckdb-$r.log)"; echo "e2e: DuckDB reference failed: $db_fail" >&2
        fi
    done

    compare() { # A B SUMMARY [ARGS...]
        local a=$1 b=$2 s=$3; shift 3
        if [ -f "$a" ] && [ -f "$b" ]; then
            python3 "$PEERS/compare.py" "$a" "$b" --summary "$s" "$@" > "${s%.txt}.log" || true
            sed 's/ /, /g' "$s"
        else
            echo "n/a"
        fi
    }
    echo "e2e: N=$N comparing devices.csv" >&2
    d_cmp=$(compare "$OUT/fleetstate/devices.csv" "$OUT/duckdb/devices.csv" "$OUT/compare-fleetstate-duckdb.txt")
    echo "e2e: N=$N comparing findings.csv" >&2
    f_cmp="n/a"
    if [ -f "$OUT/fleetstate/findings.csv" ] && [ -f "$OUT/duckdb/findings.csv" ]; then
        python3 "$PEERS/compare_findings.py" "$OUT/fleetstate/findings.csv" "$OUT/duckdb/findings.csv" \
            --summary "$OUT/compare-findings.txt" > "$OUT/compare-findings.log" || true
        f_cmp=$(sed 's/ /, /g' "$OUT/compare-findings.txt")
    fi
    fs_exp="-"; db_exp="-"
    if [ "$COMPARE_EXPECTED" = 1 ]; then
        fs_exp=$(compare "$OUT/fleetstate/devices.csv" "$FLEET/expected.csv" "$OUT/compare-fleetstate-expected.txt" --map findings=rules)
        db_exp=$(compare "$OUT/duckdb/devices.csv" "$FLEET/expected.csv" "$OUT/compare-duckdb-expected.txt" --map findings=rules)
    fi

    fs_w=$(stats 1 .2f "${fs_wall[@]}"); fs_m=$(stats 1024 .0f "${fs_rss[@]}")
    db_w=$(stats 1 .2f "${db_wall[@]}"); db_m=$(stats 1024 .0f "${db_rss[@]}")
    [ -n "$fs_fail" ] && fs_w="$fs_w; failed: $fs_fail"
    [ -n "$db_fail" ] && db_w="$db_w; failed: $db_fail"
    ratio_w="n/a"; ratio_m="n/a"
    if [ ${#fs_wall[@]} -gt 0 ] && [ ${#db_wall[@]} -gt 0 ]; then
        ratio_w=$(python3 -c "print(f'{$(median "${db_wall[@]}") / max($(median "${fs_wall[@]}"), 1e-9):.2f}x')")
        ratio_m=$(python3 -c "print(f'{$(median "${db_rss[@]}") / max($(median "${fs_rss[@]}"), 1):.2f}x')")
    fi
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
        "$N" "$fs_w" "$fs_m" "$db_w" "$db_m" "$ratio_w" "$ratio_m" "$d_cmp" "$f_cmp" "$fs_exp" "$db_exp" >> "$RESULTS"
    echo "e2e: N=$N fleetstate ${fs_w}s ${fs_m} MiB; DuckDB ${db_w}s ${db_m} MiB; devices $d_cmp; findings $f_cmp" >&2

    if [ "$KEEP_FLEETS" = 0 ]; then rm -rf "$FLEET"; fi
done

echo "e2e: results appended to $RESULTS" >&2
tail -n $(( $(echo $SIZES | wc -w) + 2 )) "$RESULTS"
