//! The `fleetstate` binary: flag parsing, terminal output and exit codes. The work is done
//! by the library.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;

/// mimalloc: the run allocates and frees millions of small strings across two threads;
/// glibc's malloc spent a fifth of a 1M-device run in its own bookkeeping (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            // A closed pipe (`fleetstate rules | head`) is not an error.
            if err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("fleetstate: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
