//! Writing output files and folders atomically: readers see the old version or the new one, never a part.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

/// Writes a file atomically: into a temporary file beside it, renamed into place when complete.
pub fn write_atomically(path: &Path, fill: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut file = new_file_builder().tempfile_in(dir).with_context(|| format!("cannot write in {}", dir.display()))?;
    {
        let mut buffered = io::BufWriter::new(file.as_file_mut());
        fill(&mut buffered).with_context(|| format!("writing {}", path.display()))?;
        buffered.flush()?;
    }
    file.as_file().sync_all()?;
    file.persist(path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// A temporary file that becomes an output file: created with mode 0666 less the umask, as any file a program
/// creates (tempfile's default of 0600 made every report private whatever the umask, and turned an existing 0644
/// report into 0600). Keys are written elsewhere, with 0600.
pub fn new_file_builder() -> tempfile::Builder<'static, 'static> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".pledgecheck-");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    builder
}

/// Writes a folder of files atomically: the files go into a temporary folder beside `dir`, which is then
/// renamed into place. An existing `dir` is replaced only when it is empty or every entry passes `replaceable`
/// (files an earlier run wrote); anything else in it is refused, and nothing is changed.
pub fn write_dir_atomically(
    dir: &Path,
    files: &[(String, Vec<u8>)],
    replaceable: impl Fn(&str) -> bool,
) -> anyhow::Result<()> {
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    write_files_atomically(dir, &names, replaceable, |i, out| out.write_all(&files[i].1))
}

/// [`write_dir_atomically`], each file's bytes written by `fill` (given the file's place in `names`) as they
/// come, so that no file is held whole in memory.
pub fn write_files_atomically(
    dir: &Path,
    names: &[&str],
    replaceable: impl Fn(&str) -> bool,
    mut fill: impl FnMut(usize, &mut dyn Write) -> io::Result<()>,
) -> anyhow::Result<()> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let existing = existing_entries(dir)?;
    if let Some(foreign) = existing.iter().find(|name| !replaceable(name)) {
        anyhow::bail!(
            "{} already holds {foreign:?}, which pledgecheck did not write; choose a new or empty folder",
            dir.display()
        );
    }
    let staging = tempfile::Builder::new()
        .prefix(".pledgecheck-")
        .tempdir_in(parent)
        .with_context(|| format!("cannot write in {}", parent.display()))?;
    for (i, name) in names.iter().enumerate() {
        let path = staging.path().join(name);
        let file = std::fs::File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
        let mut buffered = io::BufWriter::new(file);
        fill(i, &mut buffered).with_context(|| format!("writing {}", path.display()))?;
        buffered.flush()?;
        buffered.get_ref().sync_all()?;
    }
    if existing.is_empty() {
        if dir.exists() {
            std::fs::remove_dir(dir).with_context(|| format!("cannot replace {}", dir.display()))?;
        }
        std::fs::rename(staging.path(), dir).with_context(|| format!("cannot write {}", dir.display()))?;
        let _ = staging.keep();
    } else {
        // Move the old folder aside, the new one in, then remove the old one's files.
        let old: PathBuf = tempfile::Builder::new().prefix(".pledgecheck-old-").tempdir_in(parent)?.keep();
        std::fs::rename(dir, &old).with_context(|| format!("cannot replace {}", dir.display()))?;
        if let Err(e) = std::fs::rename(staging.path(), dir) {
            let _ = std::fs::rename(&old, dir);
            return Err(e).with_context(|| format!("cannot write {}", dir.display()));
        }
        let _ = staging.keep();
        for name in &existing {
            let _ = std::fs::remove_file(old.join(name));
        }
        let _ = std::fs::remove_dir(&old);
    }
    if let Ok(parent) = std::fs::File::open(parent) {
        let _ = parent.sync_all();
    }
    Ok(())
}

/// The names of the entries of a folder; none when it does not exist.
fn existing_entries(dir: &Path) -> anyhow::Result<Vec<String>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    if !dir.is_dir() {
        anyhow::bail!("{} exists and is not a folder", dir.display());
    }
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.file_type()?.is_file() {
            anyhow::bail!("{} already holds {name:?}, which pledgecheck did not write", dir.display());
        }
        names.push(name);
    }
    names.sort();
    Ok(names)
}
