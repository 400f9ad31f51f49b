use fleetstate::analyze::{self, Analysis, AnalyzeOptions, InputSpec};
use fleetstate::classify::Classified;
use std::path::{Path, PathBuf};

pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

pub fn run(paths: &[PathBuf]) -> Analysis {
    let opts = AnalyzeOptions {
        inputs: paths
            .iter()
            .map(|p| InputSpec {
                path: p.clone(),
                forced: None,
            })
            .collect(),
        ..Default::default()
    };
    analyze::analyze(&opts).expect("analysis runs")
}

/// Writes files into a fresh temporary folder and analyses it.
pub fn run_files(files: &[(&str, &str)]) -> (tempfile::TempDir, Analysis) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write fixture");
    }
    let a = run(&[dir.path().to_path_buf()]);
    (dir, a)
}

pub fn device<'a>(a: &'a Analysis, key: &str) -> &'a Classified {
    a.devices
        .iter()
        .find(|d| d.device_key == key)
        .unwrap_or_else(|| {
            let keys: Vec<String> = a.devices.iter().map(|d| d.device_key.to_string()).collect();
            panic!("no device {key}; have {keys:?}")
        })
}

pub fn bin() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_fleetstate"))
}
