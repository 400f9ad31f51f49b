//! Atomic output sets (outputs.md): files are written into `DIR/.fleetstate-tmp-<run>/`,
//! then the old `summary.json` is removed, the files are renamed into place, and
//! `summary.json` comes last as the mark of a complete set.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub struct Staging {
    dir: PathBuf,
    tmp: PathBuf,
    committed: bool,
}

impl Staging {
    pub fn new(dir: &Path) -> io::Result<Staging> {
        fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".fleetstate-tmp-{}", std::process::id()));
        if tmp.exists() {
            fs::remove_dir_all(&tmp)?;
        }
        fs::create_dir(&tmp)?;
        Ok(Staging {
            dir: dir.to_path_buf(),
            tmp,
            committed: false,
        })
    }

    /// Where to write `name` before the commit.
    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.join(name)
    }

    /// Moves the files (or folders) into place, `last` after all others. Outputs of an
    /// earlier run named in `known` but not written by this one are removed, so the set in
    /// the folder is always one run's.
    pub fn commit(mut self, files: &[&str], last: &str, known: &[&str]) -> io::Result<()> {
        let final_last = self.dir.join(last);
        if final_last.exists() {
            fs::remove_file(&final_last)?;
        }
        for f in known.iter().filter(|k| !files.contains(k)) {
            remove(&self.dir.join(f))?;
        }
        for f in files {
            let target = self.dir.join(f);
            remove(&target)?;
            fs::rename(self.tmp.join(f), target)?;
        }
        fs::rename(self.tmp.join(last), final_last)?;
        self.committed = true;
        fs::remove_dir_all(&self.tmp)
    }
}

fn remove(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}
