//! The SHA-256 of the inputs, taken when a core would otherwise be idle.
//!
//! summary.json records each input's SHA-256 and size (`verify` checks a report against
//! them). Hashing while parsing put SHA-256, about a tenth of the reading's CPU time, on
//! the two busiest seconds of a run, when both cores parse; linking, the rules and the
//! writers leave a core idle now and then. So `analyze` reads the files without hashing,
//! keeps each one open, and a thread of the lowest priority (`SCHED_IDLE` on Linux: run
//! only on a core nothing else wants, preempted at once when something does) hashes each
//! one again from its start. Whatever is left when the analysis needs the digests is
//! hashed then, by the thread that asks: `analyze` asks beside the writers of the data
//! files, which need no digest, and writes summary.json after them
//! ([`crate::report::write_all_digesting`]). When every core is busy from the first read
//! to the last rule, as at 1M devices and more on 2 cores, nearly all the hashing is
//! done there, on a core of its own among the writers' work, instead of before the
//! writers with the other core idle.
//!
//! The hash is ring's SHA-256: its assembly uses the CPU's SHA instructions where there are
//! some and AVX2 otherwise. On a CPU without them it hashes 340 MB/s against 180 MB/s for
//! the sha2 crate's portable code, which had a 1M-device run wait 3.7 s at its end for the
//! digests that idle time had not finished (BENCHMARKS.md, nineteenth round).
//!
//! (Tried first: the same steps as rayon jobs that ran only when a worker found no other
//! work. A worker waiting at a `join` can then be a step late for the work it waited for;
//! the scheduler's idle class has no such delay and leaves rayon's scheduling alone.)
//!
//! The file is hashed through the handle that was parsed, so a file replaced (renamed
//! over) meanwhile is still the one read. A file changed in place between the parse and
//! the hash (another size or modification time than when it was opened) is an error
//! rather than a digest of other bytes than those analysed.

use super::IngestError;
use ring::digest::{Context, SHA256};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, TryLockError};
use std::time::SystemTime;

/// Bytes hashed in one step: about half a millisecond of SHA-256 with the CPU's SHA
/// instructions, 3 ms without (ring's AVX2 code), the longest `finish` waits for the idle
/// thread to let go of a file.
const STEP: usize = 1 << 20;

/// A file's (sha256 hex, size in bytes), or why it could not be read again.
pub type Digest256 = Result<(String, u64), IngestError>;

/// A file read without its digest, still open.
#[derive(Debug)]
pub struct Later {
    file: File,
    path: String,
    len: u64,
    modified: Option<SystemTime>,
}

impl Later {
    /// `file` as it was when opened (`meta` read from the handle before parsing).
    pub fn new(file: File, path: String, meta: &std::fs::Metadata) -> Later {
        Later {
            file,
            path,
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }
}

/// The digests of several files, hashed on an idle thread ([`Digests::start`]) and
/// finished by [`Digests::finish`]. Dropping it stops the idle thread.
pub struct Digests {
    shared: Arc<Shared>,
}

struct Shared {
    /// Each file with the caller's index for it.
    files: Vec<(usize, Mutex<Progress>)>,
    stop: AtomicBool,
}

struct Progress {
    later: Option<Later>,
    hasher: Context,
    bytes: u64,
    buf: Vec<u8>,
    /// Set once the file is hashed (or failed).
    out: Option<Digest256>,
}

impl Digests {
    /// Starts hashing `files` (each with an index of the caller's) on a thread of its
    /// own that the system runs only on a core nothing else wants (`SCHED_IDLE` on
    /// Linux, the lowest priority elsewhere).
    pub fn start(files: Vec<(usize, Later)>) -> Digests {
        let shared = Arc::new(Shared {
            files: files
                .into_iter()
                .map(|(at, later)| {
                    let m = Mutex::new(Progress {
                        later: Some(later),
                        hasher: Context::new(&SHA256),
                        bytes: 0,
                        buf: Vec::new(),
                        out: None,
                    });
                    (at, m)
                })
                .collect(),
            stop: AtomicBool::new(false),
        });
        // `--threads 1` keeps the run on one core: `finish` hashes everything. So it does
        // if no thread can be started.
        if !shared.files.is_empty() && rayon::current_num_threads() > 1 {
            let s = Arc::clone(&shared);
            let _ = std::thread::Builder::new()
                .name("digests".into())
                .spawn(move || idle_thread(&s));
        }
        Digests { shared }
    }

    /// Hashes what is left, on this thread, and returns each file's index and (sha256
    /// hex, size), in the order given to [`Digests::start`].
    pub fn finish(self) -> Vec<(usize, Digest256)> {
        let shared = &self.shared;
        shared
            .files
            .iter()
            .map(|(at, m)| {
                let mut p = m.lock().unwrap_or_else(PoisonError::into_inner);
                while !p.step() {}
                let out = p.out.take().unwrap_or_else(|| {
                    Err(IngestError::Io {
                        path: String::new(),
                        error: std::io::Error::other("digest already taken"),
                    })
                });
                (*at, out)
            })
            .collect()
    }
}

impl Drop for Digests {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
    }
}

/// The idle thread: the files in turn, a step at a time (so that `finish` can take a
/// file over between two steps; a file it holds is left to it), until all are hashed or
/// the digests are dropped.
fn idle_thread(shared: &Shared) {
    lowest_priority();
    let mut left = true;
    while left && !shared.stop.load(Ordering::Relaxed) {
        left = false;
        for (_, m) in &shared.files {
            let mut p = match m.try_lock() {
                Ok(p) => p,
                Err(TryLockError::Poisoned(e)) => e.into_inner(),
                Err(TryLockError::WouldBlock) => continue,
            };
            if !p.step() {
                left = true;
                break;
            }
        }
    }
}

/// Puts this thread below every other: on Linux `SCHED_IDLE`, which the scheduler runs
/// only on a core with nothing else to run and preempts at once for anything else;
/// elsewhere the lowest priority. If the system refuses, the thread keeps its priority.
fn lowest_priority() {
    use thread_priority::*;
    #[cfg(target_os = "linux")]
    let done = set_thread_priority_and_policy(
        thread_native_id(),
        ThreadPriority::Min,
        ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle),
    );
    #[cfg(not(target_os = "linux"))]
    let done = set_current_thread_priority(ThreadPriority::Min);
    let _ = done;
}

impl Progress {
    /// Hashes one step of the file; true once its digest (or error) is known.
    fn step(&mut self) -> bool {
        if self.out.is_some() {
            return true;
        }
        let Some(later) = self.later.as_mut() else {
            return true;
        };
        if self.buf.is_empty() {
            self.buf = vec![0; STEP];
            if let Err(e) = later.file.seek(SeekFrom::Start(0)) {
                return self.fail(e);
            }
        }
        match later.file.read(&mut self.buf) {
            Ok(0) => {
                let later = self.later.take().expect("checked above");
                let now = later.file.metadata();
                let same = now
                    .as_ref()
                    .is_ok_and(|m| m.len() == later.len && m.modified().ok() == later.modified)
                    && self.bytes == later.len;
                self.out = Some(if same {
                    let digest =
                        std::mem::replace(&mut self.hasher, Context::new(&SHA256)).finish();
                    Ok((super::text::hex(digest.as_ref()), self.bytes))
                } else {
                    Err(IngestError::Io {
                        path: later.path,
                        error: std::io::Error::other(
                            "the file changed while it was being analysed (its size or \
                             modification time differ from when it was opened): run again \
                             once it is written",
                        ),
                    })
                });
                self.buf = Vec::new();
                true
            }
            Ok(n) => {
                self.hasher.update(&self.buf[..n]);
                self.bytes += n as u64;
                false
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => false,
            Err(e) => self.fail(e),
        }
    }

    fn fail(&mut self, error: std::io::Error) -> bool {
        let path = self.later.take().map(|l| l.path).unwrap_or_default();
        self.out = Some(Err(IngestError::Io { path, error }));
        self.buf = Vec::new();
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn later(path: &std::path::Path) -> Later {
        let file = File::open(path).expect("open");
        let meta = file.metadata().expect("metadata");
        Later::new(file, path.display().to_string(), &meta)
    }

    #[test]
    fn digests_match_sha256sum_whether_hashed_idle_or_at_the_end() {
        let dir = tempfile::tempdir().expect("tempdir");
        let empty = dir.path().join("empty.csv");
        std::fs::write(&empty, b"").expect("write");
        let abc = dir.path().join("abc.csv");
        std::fs::write(&abc, b"abc").expect("write");
        // More than one step, not a whole number of steps.
        let big = dir.path().join("big.csv");
        let bytes: Vec<u8> = (0..STEP * 2 + 12_345).map(|i| (i % 251) as u8).collect();
        std::fs::write(&big, &bytes).expect("write");
        let expected_big = {
            use sha2::Digest as _;
            let d = sha2::Sha256::digest(&bytes);
            d.iter().map(|b| format!("{b:02x}")).collect::<String>()
        };
        for idle in [false, true] {
            let d = Digests::start(vec![(0, later(&empty)), (1, later(&abc)), (2, later(&big))]);
            if idle {
                // Let the idle thread run (the machine has little else to do).
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            let out: Vec<(usize, (String, u64))> = d
                .finish()
                .into_iter()
                .map(|(i, r)| (i, r.unwrap()))
                .collect();
            assert_eq!(
                out,
                vec![
                    // `sha256sum` of the same bytes
                    (
                        0,
                        (
                            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
                                .to_string(),
                            0
                        )
                    ),
                    (
                        1,
                        (
                            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
                                .to_string(),
                            3
                        )
                    ),
                    (2, (expected_big.clone(), bytes.len() as u64)),
                ]
            );
        }
    }

    #[test]
    fn a_file_changed_in_place_after_it_was_opened_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("intune.csv");
        std::fs::write(&path, b"Device ID,Device name\n").expect("write");
        let l = later(&path);
        std::fs::write(&path, b"Device ID,Device name\nx,y\n").expect("rewrite");
        let out = Digests::start(vec![(0, l)]).finish();
        let err = out.into_iter().next().unwrap().1.unwrap_err().to_string();
        assert!(err.contains("intune.csv"), "{err}");
        assert!(err.contains("changed while it was being analysed"), "{err}");
    }

    #[test]
    fn a_file_renamed_over_keeps_the_digest_of_the_file_opened() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("entra.csv");
        std::fs::write(&path, b"abc").expect("write");
        let l = later(&path);
        let newer = dir.path().join("entra.csv.new");
        std::fs::write(&newer, b"something else").expect("write");
        std::fs::rename(&newer, &path).expect("rename");
        let out = Digests::start(vec![(0, l)]).finish();
        assert_eq!(
            out.into_iter().next().unwrap().1.unwrap(),
            (
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".to_string(),
                3
            )
        );
    }
}
