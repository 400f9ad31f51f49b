#!/usr/bin/env bash
# Trend benchmark: `fleetstate trend` over W weekly snapshots of raw exports (analysed in
# parallel) against analysing the same snapshots one after another.
#
#   cargo build --release          # this script builds nothing
#   benches/trend.sh               # WEEKS=52 DEVICES=100000 RUNS=3
#
# It generates the snapshots once into target/bench/trend-<DEVICES>x<WEEKS>/ with
# `fleetstate sample --snapshots`, then, RUNS times each under GNU time:
#   parallel:      fleetstate trend <every week folder> --out ...
#   sequential:    for each week, fleetstate trend <that week folder> --out ...  (summed)
#   sequential -j1: the same, each analysis on one thread (--threads 1)
# All do the same work per snapshot (read the four CSV exports, resolve, classify, the
# rules, the counts of trend.csv) and write trend.csv, trend.html and the charts. The
# target is parallel <= 1.5 x sequential / cores. "Sequential / cores" is the ideal
# parallel time when each analysis in the sequence runs on one core, so the ratio against
# the -j1 sequence measures how well trend uses the cores; against the default sequence
# (each analysis already on every core) it also counts what one analysis leaves idle.
# Both ratios are reported. One row per run set is appended to target/bench/results.md.
#
# Environment: WEEKS (52), DEVICES (100000), RUNS (3), SEED (1), FLEETSTATE, BENCH_DIR.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
WEEKS=${WEEKS:-52}
DEVICES=${DEVICES:-100000}
RUNS=${RUNS:-3}
SEED=${SEED:-1}
BENCH=${BENCH_DIR:-$ROOT/target/bench}
FS=${FLEETSTATE:-$ROOT/target/release/fleetstate}
RESULTS=$BENCH/results.md
DIR=$BENCH/trend-${DEVICES}x${WEEKS}
OUT=$BENCH/trend-out

die() { echo "trend.sh: $*" >&2; exit 2; }
[ -x "$FS" ] || die "$FS is missing: run \`cargo build --release\` first"
/usr/bin/time -f %e true 2>/dev/null || die "GNU time (/usr/bin/time) is needed: apt-get install -y time"
mkdir -p "$BENCH"

if [ ! -f "$DIR/.complete" ] || [ "$(cat "$DIR/.complete")" != "devices=$DEVICES weeks=$WEEKS seed=$SEED" ]; then
    rm -rf "$DIR"
    need_kb=$(( DEVICES * WEEKS * 13 / 10 + 1048576 ))
    have_kb=$(df -Pk "$BENCH" | awk 'NR == 2 { print $4 }')
    [ "$have_kb" -ge "$need_kb" ] || die "$WEEKS snapshots of $DEVICES devices need ~$(( need_kb / 1048576 )) GB free under $BENCH"
    echo "trend.sh: generating $WEEKS weekly snapshots of $DEVICES devices into $DIR" >&2
    /usr/bin/time -f "trend.sh: generated in %e s" "$FS" sample --devices "$DEVICES" --seed "$SEED" \
        --snapshots "$WEEKS" --out "$DIR" >/dev/null
    echo "devices=$DEVICES weeks=$WEEKS seed=$SEED" > "$DIR/.complete"
fi
mapfile -t WEEK_DIRS < <(find "$DIR" -mindepth 1 -maxdepth 1 -type d | sort)
[ "${#WEEK_DIRS[@]}" -eq "$WEEKS" ] || die "expected $WEEKS week folders in $DIR, found ${#WEEK_DIRS[@]}"

wall() { # command... -> wall seconds on stdout (the command's own output discarded)
    local t; t=$(mktemp)
    /usr/bin/time -f %e -o "$t" "$@" >/dev/null 2>&1 || { cat "$t" >&2; rm -f "$t"; die "failed: $*"; }
    cat "$t"; rm -f "$t"
}

sequence() { # extra flags... -> summed wall seconds of one trend per week
    local total=0 s w
    for w in "${WEEK_DIRS[@]}"; do
        rm -rf "$OUT"
        s=$(wall "$FS" trend "$w" --out "$OUT" "$@")
        total=$(awk -v a="$total" -v b="$s" 'BEGIN { print a + b }')
    done
    echo "$total"
}

par=() seq=() one=()
for run in $(seq 1 "$RUNS"); do
    rm -rf "$OUT"
    p=$(wall "$FS" trend "${WEEK_DIRS[@]}" --out "$OUT")
    s=$(sequence)
    o=$(sequence --threads 1)
    echo "trend.sh: run $run: parallel $p s, sequential $s s, sequential -j1 $o s" >&2
    par+=("$p"); seq+=("$s"); one+=("$o")
done
rm -rf "$OUT"

CORES=$(nproc)
python3 - "$CORES" "$WEEKS" "$DEVICES" "${par[*]}" "${seq[*]}" "${one[*]}" >> "$RESULTS" <<'EOF'
import statistics, sys, datetime, os
cores, weeks, devices = int(sys.argv[1]), sys.argv[2], sys.argv[3]
par = [float(x) for x in sys.argv[4].split()]
seq = [float(x) for x in sys.argv[5].split()]
one = [float(x) for x in sys.argv[6].split()]
fmt = lambda xs: " / ".join(f"{v:.2f}" for v in (min(xs), statistics.median(xs), max(xs)))
med = statistics.median
ratio = med(par) / (med(seq) / cores)
ratio1 = med(par) / (med(one) / cores)
load = open("/proc/loadavg").read().split()[:3]
print()
print(f"## {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%dT%H:%M:%SZ}: trend over {weeks} weekly snapshots of {devices} devices")
print()
print(f"{cores} cores; load average at the end: {' '.join(load)}; {len(par)} runs; min / median / max.")
print()
print("| snapshots | devices each | trend (parallel) wall s | one after another, summed wall s | the same with --threads 1 s | parallel / (sequential -j1 / cores) | parallel / (sequential / cores) |")
print("| ---: | ---: | --- | --- | --- | ---: | ---: |")
print(f"| {weeks} | {devices} | {fmt(par)} | {fmt(seq)} | {fmt(one)} | {ratio1:.2f}x | {ratio:.2f}x |")
EOF
tail -6 "$RESULTS" >&2
