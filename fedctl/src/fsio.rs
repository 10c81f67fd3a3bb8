//! Writing output without ever leaving half of it on disk.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use fed_render::OutputFile;

/// The file that marks a folder as fedctl's rendered output, so that rendering again may
/// replace it, while a folder of the user's is never touched.
pub(crate) const MARKER: &str = ".fedctl-rendered";

/// Why output could not be written.
#[derive(Debug)]
pub(crate) struct WriteError(pub(crate) String);

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn io<'a>(what: &'a str, path: &'a Path) -> impl FnOnce(std::io::Error) -> WriteError + 'a {
    move |e| WriteError(format!("cannot {what} {}: {e}", path.display()))
}

/// A folder's replacement, all or nothing, being written: a sibling temporary folder that takes the place of
/// `target` by rename on [`Staging::commit`], and is removed if the staging is dropped
/// uncommitted (an error, a panic), leaving `target` untouched. An existing `target` is only
/// replaced if it is empty or was written by fedctl (it holds [`MARKER`]).
///
/// Nothing is synced to disk file by file: the output is made again byte for byte by rendering
/// again, and a crash before the swap leaves only the temporary folder, never a half-written
/// `target` (a `fsync` per file made `render -o` about 14 times slower when it wrote one file
/// per object; BENCHMARKS.md).
pub(crate) struct Staging {
    tmp: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl Staging {
    /// Checks that `target` may be replaced and makes the temporary folder, with the marker.
    pub(crate) fn begin(target: &Path, marker_note: &str) -> Result<Self, WriteError> {
        if target.exists() {
            let mut entries = std::fs::read_dir(target).map_err(io("read", target))?;
            let empty = entries.next().is_none();
            if !empty && !target.join(MARKER).exists() {
                return Err(WriteError(format!(
                    "refusing to replace {}: it is not empty and was not written by fedctl (no {MARKER} in it)",
                    target.display()
                )));
            }
        }
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(io("create", &parent))?;
        let base = target
            .file_name()
            .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
        let tmp = parent.join(format!(".{base}.fedctl-tmp-{}", std::process::id()));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(io("remove", &tmp))?;
        }
        // From here on, dropping the staging removes what was made.
        let staging = Self {
            tmp,
            target: target.to_path_buf(),
            committed: false,
        };
        std::fs::create_dir_all(&staging.tmp).map_err(io("create", &staging.tmp))?;
        let marker = staging.tmp.join(MARKER);
        std::fs::write(&marker, marker_note).map_err(io("write", &marker))?;
        Ok(staging)
    }

    /// Writes `files` (paths relative to the folder, none written before) into the
    /// replacement. Several threads may write at once, each its own files. Each folder is
    /// created once per call, not once per file.
    pub(crate) fn write(&self, files: &[OutputFile]) -> Result<(), WriteError> {
        let mut made: HashSet<&Path> = HashSet::new();
        for f in files {
            let relative = Path::new(&f.path);
            if let Some(dir) = relative.parent()
                && !dir.as_os_str().is_empty()
                && made.insert(dir)
            {
                let dir = self.tmp.join(dir);
                std::fs::create_dir_all(&dir).map_err(io("create", &dir))?;
            }
            let path = self.tmp.join(relative);
            create_new(&path, f.secret)?
                .write_all(f.contents.as_bytes())
                .map_err(io("write", &path))?;
        }
        Ok(())
    }

    /// Puts the replacement in `target`'s place.
    pub(crate) fn commit(mut self) -> Result<(), WriteError> {
        swap_in(&self.tmp, &self.target)?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            // Leave nothing behind but the untouched target.
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

fn swap_in(tmp: &Path, target: &Path) -> Result<(), WriteError> {
    if target.exists() {
        let old = tmp.with_extension("old");
        std::fs::rename(target, &old).map_err(io("move aside", target))?;
        if let Err(e) = std::fs::rename(tmp, target) {
            // Put the old output back before reporting.
            let _ = std::fs::rename(&old, target);
            return Err(io("move into place", target)(e));
        }
        std::fs::remove_dir_all(&old).map_err(io("remove", &old))?;
    } else {
        std::fs::rename(tmp, target).map_err(io("move into place", target))?;
    }
    Ok(())
}

/// Creates `path`, which must not exist yet, with mode 0600 when `secret`, and writes
/// `contents` through to the disk before returning: `fedctl certs` writes keys that cannot be
/// made again once their certificates are in use.
pub(crate) fn write_new(path: &Path, contents: &[u8], secret: bool) -> Result<(), WriteError> {
    let mut file = create_new(path, secret)?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(io("write", path))
}

/// Creates `path`, which must not exist yet, with mode 0600 when `secret` (0644 otherwise).
fn create_new(path: &Path, secret: bool) -> Result<std::fs::File, WriteError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(if secret { 0o600 } else { 0o644 });
    }
    options.open(path).map_err(io("create", path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, contents: &str) -> OutputFile {
        OutputFile {
            path: path.into(),
            contents: contents.into(),
            secret: false,
        }
    }

    /// The files under `root` with their contents, sorted, the marker left out.
    fn tree(root: &Path) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.file_name().unwrap() != MARKER {
                    let rel = p.strip_prefix(root).unwrap().display().to_string();
                    out.push((rel, std::fs::read_to_string(&p).unwrap()));
                }
            }
        }
        out.sort();
        out
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("fedctl-fsio-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// The names in `parent`, sorted: a staging leaves nothing beside its target.
    fn siblings(parent: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(parent)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_commit_replaces_the_folder_and_an_abandoned_staging_leaves_it_as_it_was() {
        let parent = scratch("staging");
        let target = parent.join("out");
        let first = Staging::begin(&target, "note").unwrap();
        std::thread::scope(|s| {
            s.spawn(|| first.write(&[file("a/1.yaml", "one")]).unwrap());
            s.spawn(|| first.write(&[file("b/2.yaml", "two")]).unwrap());
        });
        first.commit().unwrap();
        let written = vec![
            ("a/1.yaml".to_owned(), "one".to_owned()),
            ("b/2.yaml".to_owned(), "two".to_owned()),
        ];
        assert_eq!(tree(&target), written);
        assert_eq!(siblings(&parent), ["out"]);

        // Dropped before its commit (an error elsewhere, a panic): the old output stays.
        let abandoned = Staging::begin(&target, "note").unwrap();
        abandoned.write(&[file("a/1.yaml", "changed")]).unwrap();
        drop(abandoned);
        assert_eq!(tree(&target), written);
        assert_eq!(siblings(&parent), ["out"]);

        // A write that fails (the same file twice) is reported and changes nothing.
        let failing = Staging::begin(&target, "note").unwrap();
        let err = failing
            .write(&[file("c.yaml", "x"), file("c.yaml", "y")])
            .unwrap_err();
        assert!(err.to_string().contains("c.yaml"), "{err}");
        drop(failing);
        assert_eq!(tree(&target), written);
        assert_eq!(siblings(&parent), ["out"]);

        // The next commit replaces everything: no file of the old output survives.
        let second = Staging::begin(&target, "note").unwrap();
        second.write(&[file("c.yaml", "three")]).unwrap();
        second.commit().unwrap();
        assert_eq!(tree(&target), [("c.yaml".to_owned(), "three".to_owned())]);
        assert_eq!(siblings(&parent), ["out"]);
        std::fs::remove_dir_all(&parent).unwrap();
    }

    #[test]
    fn a_folder_of_the_users_is_never_staged_over() {
        let parent = scratch("users");
        let target = parent.join("mine");
        std::fs::create_dir_all(&target).unwrap();
        std::fs::write(target.join("notes.txt"), "keep").unwrap();
        let err = Staging::begin(&target, "note").err().unwrap();
        assert!(err.to_string().contains("refusing to replace"), "{err}");
        assert_eq!(tree(&target), [("notes.txt".to_owned(), "keep".to_owned())]);
        assert_eq!(siblings(&parent), ["mine"]);
        std::fs::remove_dir_all(&parent).unwrap();
    }
}
