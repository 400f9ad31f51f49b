//! Per-stage benchmarks on a generated fleet: read each source, resolve, classify, rules,
//! write. `FLEETSTATE_BENCH_DEVICES` sets the fleet size (default 100,000).
//!
//! cargo bench --bench stages

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use fleetstate::analyze::{self, AnalyzeOptions, InputSpec};
use fleetstate::classify::{self, ClassifyOptions};
use fleetstate::ingest::{self, ReadOptions};
use fleetstate::report::{self, WriteOptions};
use fleetstate::resolve;
use std::path::PathBuf;

/// The allocator of the `fleetstate` binary, so the stages are measured as users run them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn fleet() -> (tempfile::TempDir, Vec<PathBuf>, usize) {
    let n: usize = std::env::var("FLEETSTATE_BENCH_DEVICES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("tempdir");
    fleetstate::sample::write_sample(
        &fleetstate::sample::SampleOptions {
            devices: n,
            seed: 1,
        },
        dir.path(),
    )
    .expect("sample");
    let files = [
        "intune-devices.csv",
        "entra-devices.csv",
        "configmgr-devices.csv",
        "autopilot-devices.csv",
    ]
    .iter()
    .map(|f| dir.path().join(f))
    .collect();
    (dir, files, n)
}

fn stages(c: &mut Criterion) {
    let (_dir, files, n) = fleet();
    let opts = ReadOptions::default();
    let mut g = c.benchmark_group(format!("fleet-{n}"));
    g.sample_size(10);
    for f in &files {
        let size = std::fs::metadata(f).map(|m| m.len()).unwrap_or(0);
        let rows = ingest::read_file(f, None, &opts)
            .map(|i| i.rows_read)
            .unwrap_or(0);
        let name = f
            .file_name()
            .and_then(|s| s.to_str())
            .unwrap_or("file")
            .replace(".csv", "");
        // The same read twice: criterion reports one throughput per benchmark.
        g.throughput(Throughput::Bytes(size));
        g.bench_function(format!("read/{name} ({rows} rows) bytes"), |b| {
            b.iter(|| ingest::read_file(f, None, &opts).expect("read"))
        });
        g.throughput(Throughput::Elements(rows));
        g.bench_function(format!("read/{name} ({rows} rows) rows"), |b| {
            b.iter(|| ingest::read_file(f, None, &opts).expect("read"))
        });
    }
    let inputs: Vec<ingest::Input> = files
        .iter()
        .map(|f| ingest::read_file(f, None, &opts).expect("read"))
        .collect();
    let records: u64 = inputs.iter().map(|i| i.rows_used()).sum();
    g.throughput(Throughput::Elements(records));
    g.bench_function("resolve", |b| {
        b.iter_batched(
            || inputs.clone(),
            |mut inputs| {
                let fleet = resolve::gather(&mut inputs);
                resolve::resolve(fleet)
            },
            BatchSize::LargeInput,
        )
    });
    let mut owned = inputs.clone();
    let resolved = resolve::resolve(resolve::gather(&mut owned));
    let copts = ClassifyOptions {
        stale_days: 90,
        as_of: None,
    };
    g.throughput(Throughput::Elements(resolved.devices.len() as u64));
    g.bench_function("classify", |b| {
        b.iter(|| classify::classify(&resolved, &copts))
    });
    let (devices, as_of) = classify::classify(&resolved, &copts);
    let policy = fleetstate::policy::Policy::default();
    let sel = fleetstate::rules::Selection::default();
    g.bench_function("rules", |b| {
        b.iter(|| {
            fleetstate::rules::evaluate(&resolved, &devices, as_of, &policy, &sel, true)
                .expect("rules")
        })
    });
    let a = analyze::analyze(&AnalyzeOptions {
        inputs: files
            .iter()
            .map(|p| InputSpec {
                path: p.clone(),
                forced: None,
            })
            .collect(),
        ..Default::default()
    })
    .expect("analyze");
    let out = tempfile::tempdir().expect("tempdir");
    let wopts = WriteOptions {
        no_html: true,
        ..Default::default()
    };
    g.bench_function("write (csv, parquet, findings, summary)", |b| {
        b.iter(|| report::write_all(&a, out.path(), &wopts).expect("write"))
    });
    g.bench_function("end-to-end analyze (no html)", |b| {
        b.iter(|| {
            let a = analyze::analyze(&AnalyzeOptions {
                inputs: files
                    .iter()
                    .map(|p| InputSpec {
                        path: p.clone(),
                        forced: None,
                    })
                    .collect(),
                ..Default::default()
            })
            .expect("analyze");
            report::write_all(&a, out.path(), &wopts).expect("write")
        })
    });
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
