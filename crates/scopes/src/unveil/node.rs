//! The files and directories unveil rules attach to. Each is held open with `O_PATH` from the
//! unveil() call until the layer is committed, as OpenBSD holds the vnode: a directory that is
//! renamed stays covered. Only `O_PATH` opens and `fstat` are used, so unveil() works under
//! `pledge("stdio unveil")`.

use std::fs::File;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// A file's identity: device and inode number.
pub(crate) type Id = (u64, u64);

/// An unveiled file or directory.
#[derive(Debug)]
pub(crate) struct Node {
    /// The path as the caller gave it (for messages).
    pub path: PathBuf,
    /// The `O_PATH` descriptor the rule is added with.
    pub file: File,
    /// Its identity when opened.
    pub id: Id,
    /// Whether it is a directory (then it covers everything beneath it).
    pub is_dir: bool,
    /// The identities of the directories above it, nearest first, up to the root: what
    /// Landlock walks through when checking an access below them.
    pub ancestors: Vec<Id>,
}

/// The deepest directory nesting followed when listing ancestors.
const MAX_DEPTH: usize = 4096;

fn path_error(path: &Path, source: std::io::Error) -> Error {
    Error::Path {
        path: path.to_owned(),
        source,
    }
}

fn identify(file: &File) -> std::io::Result<(Id, bool)> {
    let meta = file.metadata()?;
    Ok(((meta.dev(), meta.ino()), meta.is_dir()))
}

impl Node {
    /// Opens `path` (following symbolic links, as OpenBSD's unveil does). A path that does not
    /// exist is ENOENT even when its parent exists: Landlock rules attach to existing files.
    pub fn open(path: &Path) -> Result<Node, Error> {
        if path.as_os_str().is_empty() {
            return Err(path_error(
                path,
                std::io::Error::from_raw_os_error(libc::EINVAL),
            ));
        }
        if path.as_os_str().as_encoded_bytes().contains(&0) {
            return Err(Error::BadString);
        }
        let file = crate::landlock::open_path(path).map_err(|e| path_error(path, e))?;
        let (id, is_dir) = identify(&file).map_err(|e| path_error(path, e))?;
        let ancestors = if is_dir {
            parents_of_dir(path, id)?
        } else {
            // A file sits in the directory its path names.
            let dir = match path.parent() {
                Some(p) if p.as_os_str().is_empty() => Path::new("."),
                Some(p) => p,
                None => Path::new("/"),
            };
            let dir_file = crate::landlock::open_path(dir).map_err(|e| path_error(dir, e))?;
            let (dir_id, _) = identify(&dir_file).map_err(|e| path_error(dir, e))?;
            let mut chain = vec![dir_id];
            chain.extend(parents_of_dir(dir, dir_id)?);
            chain
        };
        Ok(Node {
            path: path.to_owned(),
            file,
            id,
            is_dir,
            ancestors,
        })
    }

    /// Whether `other` lies beneath this node (this is one of its ancestors).
    pub fn covers(&self, other: &Node) -> bool {
        self.is_dir && other.ancestors.contains(&self.id)
    }

    /// Checks that the descriptor still refers to the file opened, in case the program closed
    /// it (closefrom) and the number was reused.
    pub fn still_open(&self) -> bool {
        identify(&self.file)
            .map(|(id, _)| id == self.id)
            .unwrap_or(false)
    }
}

/// The directories above directory `dir` (identity `id`), nearest first, found by opening
/// `dir/..`, `dir/../..`, ... until the root, whose `..` is itself.
fn parents_of_dir(dir: &Path, id: Id) -> Result<Vec<Id>, Error> {
    let mut chain = Vec::new();
    let mut current = id;
    let mut up = dir.to_path_buf();
    for _ in 0..MAX_DEPTH {
        up.push("..");
        let parent = crate::landlock::open_path(&up)
            .and_then(|f| identify(&f))
            .map_err(|e| path_error(&up, e))?
            .0;
        if parent == current {
            return Ok(chain);
        }
        chain.push(parent);
        current = parent;
    }
    Err(path_error(
        dir,
        std::io::Error::from_raw_os_error(libc::ELOOP),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_reach_the_root() {
        let root = Node::open(Path::new("/")).unwrap();
        assert!(root.is_dir);
        assert!(root.ancestors.is_empty());
        let etc = Node::open(Path::new("/etc")).unwrap();
        assert_eq!(etc.ancestors, vec![root.id]);
        let passwd = Node::open(Path::new("/etc/passwd")).unwrap();
        assert!(!passwd.is_dir);
        assert_eq!(passwd.ancestors, vec![etc.id, root.id]);
        assert!(root.covers(&passwd) && etc.covers(&passwd) && !passwd.covers(&etc));
        assert!(!etc.covers(&root));
        assert!(passwd.still_open());
    }

    #[test]
    fn missing_and_bad_paths_are_errors() {
        let err = Node::open(Path::new("/etc/no-such-file-here")).unwrap_err();
        assert_eq!(err.errno(), libc::ENOENT);
        let err = Node::open(Path::new("/no-such-dir/file")).unwrap_err();
        assert_eq!(err.errno(), libc::ENOENT);
        assert_eq!(Node::open(Path::new("")).unwrap_err().errno(), libc::EINVAL);
        let nul = <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"a\0b");
        assert_eq!(
            Node::open(Path::new(nul)).unwrap_err().errno(),
            libc::EINVAL
        );
    }
}
