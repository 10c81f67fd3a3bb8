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

/// Replaces folder `target` with exactly `files` (paths relative to it), all or nothing:
/// everything is written into a sibling temporary folder first, which then takes `target`'s
/// place by rename. An existing `target` is only replaced if it is empty or was written by
/// fedctl (it holds [`MARKER`]).
pub(crate) fn replace_dir(
    target: &Path,
    files: &[OutputFile],
    marker_note: &str,
) -> Result<(), WriteError> {
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
    let result = write_tree(&tmp, files, marker_note).and_then(|()| swap_in(&tmp, target));
    if result.is_err() {
        // Leave nothing behind but the untouched target.
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

/// Writes `files` under a new folder `root`. Nothing is synced to disk file by file: the
/// output is made again byte for byte by rendering again, and a crash before the swap leaves
/// only the temporary folder, never a half-written `target` (a `fsync` per file made
/// `render -o` about 14 times slower when it wrote one file per object; BENCHMARKS.md). Each
/// folder is created once, not once per file.
fn write_tree(root: &Path, files: &[OutputFile], marker_note: &str) -> Result<(), WriteError> {
    if root.exists() {
        std::fs::remove_dir_all(root).map_err(io("remove", root))?;
    }
    std::fs::create_dir_all(root).map_err(io("create", root))?;
    std::fs::write(root.join(MARKER), marker_note).map_err(io("write", &root.join(MARKER)))?;
    let mut made: HashSet<&Path> = HashSet::new();
    for f in files {
        let relative = Path::new(&f.path);
        if let Some(dir) = relative.parent()
            && !dir.as_os_str().is_empty()
            && made.insert(dir)
        {
            let dir = root.join(dir);
            std::fs::create_dir_all(&dir).map_err(io("create", &dir))?;
        }
        let path = root.join(relative);
        create_new(&path, f.secret)?
            .write_all(f.contents.as_bytes())
            .map_err(io("write", &path))?;
    }
    Ok(())
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
