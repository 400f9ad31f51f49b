#!/usr/bin/env bash
# Builds fleetstate with profile-guided optimisation (PGO): an instrumented build runs a
# training workload, and the release build then lays out and inlines the code by the
# branch and call counts it recorded. The binary is `target/pgo/<host>/release/fleetstate`;
# benchmark it with `FLEETSTATE=<that path> benches/e2e.sh`.
#
# The training workload is a fleet of its own (100,000 devices, another seed than the
# benchmarks' fleets), `sample-data/` with every output (HTML and XLSX included) and a
# trend over a few snapshots: every stage runs, and no benchmark file is read.
#
# Needs `llvm-profdata` of the LLVM that rustc is built on (`rustc -vV`): taken from the
# `llvm-tools` rustup component when installed, else `llvm-profdata-<major>`, else installed
# from Debian's `llvm-<major>` package (as root). Set LLVM_PROFDATA to use another.
#
# Takes about 35 minutes on 2 cores: the instrumented build (the `quick` profile, about 14
# min), the training (a minute) and the release build (thin LTO, about 20 min), each
# build of every crate, in target directories of their own (target/pgo-gen, target/pgo).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
HOST=$(rustc -vV | sed -n 's/^host: //p')
MAJOR=$(rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')

profdata=${LLVM_PROFDATA:-}
if [ -z "$profdata" ]; then
    for c in "$(rustc --print sysroot)/lib/rustlib/$HOST/bin/llvm-profdata" \
        "$(command -v "llvm-profdata-$MAJOR" || true)" "/usr/lib/llvm-$MAJOR/bin/llvm-profdata"; do
        if [ -n "$c" ] && [ -x "$c" ]; then
            profdata=$c
            break
        fi
    done
fi
if [ -z "$profdata" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "pgo: installing llvm-$MAJOR for llvm-profdata" >&2
        apt-get install -y "llvm-$MAJOR" >/dev/null || { apt-get update >/dev/null && apt-get install -y "llvm-$MAJOR" >/dev/null; }
        profdata=/usr/lib/llvm-$MAJOR/bin/llvm-profdata
    else
        echo "pgo: no llvm-profdata for LLVM $MAJOR: install rustup's llvm-tools component or set LLVM_PROFDATA" >&2
        exit 1
    fi
fi

DATA=$ROOT/target/pgo-data
TRAIN=$ROOT/target/pgo-train
rm -rf "$DATA" "$TRAIN"
mkdir -p "$DATA" "$TRAIN"

# `--target` keeps RUSTFLAGS off the build scripts and procedural macros: only the
# program is instrumented, then optimised.
echo "pgo: instrumented build" >&2
RUSTFLAGS="-Cprofile-generate=$DATA" cargo build --profile quick --locked \
    --target "$HOST" --target-dir target/pgo-gen
GEN=target/pgo-gen/$HOST/quick/fleetstate

echo "pgo: training" >&2
"$GEN" sample --devices 100000 --seed 20261128 --out "$TRAIN/fleet" >/dev/null
"$GEN" analyze "$TRAIN"/fleet/{intune,entra,configmgr,autopilot}-devices.csv \
    --out "$TRAIN/fleet-out" --no-html 2>"$TRAIN/fleet.log"
"$GEN" analyze sample-data --out "$TRAIN/sample-out" --xlsx 2>"$TRAIN/sample.log"
"$GEN" sample --devices 5000 --seed 20261128 --snapshots 6 --out "$TRAIN/weeks" >/dev/null
"$GEN" trend "$TRAIN"/weeks/*/ --out "$TRAIN/trend-out" 2>"$TRAIN/trend.log"
"$profdata" merge -o "$DATA/merged.profdata" "$DATA"

echo "pgo: optimised build" >&2
RUSTFLAGS="-Cprofile-use=$DATA/merged.profdata" cargo build --release --locked \
    --target "$HOST" --target-dir target/pgo
echo "target/pgo/$HOST/release/fleetstate"
