//! The files and directories unveil rules attach to. Each is held open with `O_PATH` from the
//! unveil() call until the layer is committed, as OpenBSD holds the vnode: a directory that is
//! renamed stays covered. Only `O_PATH` opens, `fstat` and `readlinkat` on a held link are
//! used, so unveil() works under `pledge("stdio unveil")`.
//!
//! Whether a rule lies beneath another is judged where the file really is, not where the path
//! spells it: Landlock checks an access by walking up from the file reached, so a file named
//! through a symbolic link is judged in the directory the link leads to. Everything is found
//! from descriptors, one lookup per component, so that what is judged is what the rule names.

use std::ffi::OsString;
use std::fs::File;
use std::os::fd::AsFd as _;
use std::os::unix::ffi::OsStrExt as _;
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
    /// For a file that is not a directory: its name in the directory it was found in, after
    /// following symbolic links. A file can have several (hard links); a directory has one
    /// place, found from the directory itself.
    pub name: Option<OsString>,
    /// The identities of the directories above it, nearest first, up to the root: what
    /// Landlock walks through when checking an access below them.
    pub ancestors: Vec<Id>,
}

/// The deepest directory nesting followed when listing ancestors.
const MAX_DEPTH: usize = 4096;

/// The most symbolic links followed in the last component, as the kernel's own limit (40).
const MAX_LINKS: usize = 40;

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

/// Splits `path` into the directory its last component is looked up in and that component,
/// when the last component is a name; `None` when the path can only name a directory (it ends
/// in `/`, `.` or `..`, or is `/`). Done on the bytes: `Path::file_name` would skip a final
/// `.`.
fn split_last(path: &Path) -> Option<(&Path, &Path)> {
    let bytes = path.as_os_str().as_bytes();
    let (dir, name): (&[u8], &[u8]) = match bytes.iter().rposition(|&b| b == b'/') {
        Some(i) => (&bytes[..=i], &bytes[i + 1..]),
        None => (b".", bytes),
    };
    if name.is_empty() || name == b"." || name == b".." {
        return None;
    }
    Some((
        Path::new(std::ffi::OsStr::from_bytes(dir)),
        Path::new(std::ffi::OsStr::from_bytes(name)),
    ))
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
        // The whole path first: its errors (ENOENT, ENOTDIR, ELOOP, EACCES) are the caller's.
        let file = crate::landlock::open_path(path).map_err(|e| path_error(path, e))?;
        let (id, is_dir) = identify(&file).map_err(|e| path_error(path, e))?;
        if is_dir {
            // `..` of the directory itself: the kernel resolves it from where the directory
            // really is, whatever links the path went through.
            let ancestors = parents_of_dir(&file, id).map_err(|e| path_error(path, e))?;
            return Ok(Node {
                path: path.to_owned(),
                file,
                id,
                is_dir,
                name: None,
                ancestors,
            });
        }
        let (dir, name, found) = locate(path).map_err(|e| path_error(path, e))?;
        let (found_id, found_dir) = identify(&found).map_err(|e| path_error(path, e))?;
        if found_id != id || found_dir {
            // Renamed or replaced between the two lookups: judging one file and attaching the
            // rule to another would be wrong either way. Calling again resolves it afresh.
            return Err(path_error(
                path,
                std::io::Error::from_raw_os_error(libc::EAGAIN),
            ));
        }
        let (dir_id, _) = identify(&dir).map_err(|e| path_error(path, e))?;
        let mut ancestors = vec![dir_id];
        ancestors.extend(parents_of_dir(&dir, dir_id).map_err(|e| path_error(path, e))?);
        Ok(Node {
            path: path.to_owned(),
            file: found,
            id,
            is_dir,
            name: Some(name),
            ancestors,
        })
    }

    /// Whether `other` lies beneath this node (this is one of its ancestors).
    pub fn covers(&self, other: &Node) -> bool {
        self.is_dir && other.ancestors.contains(&self.id)
    }

    /// Whether both name the same file in the same place: then the later unveil replaces the
    /// earlier one. The same file in another place (a hard link, a second mount) is not.
    pub fn same_place(&self, other: &Node) -> bool {
        self.id == other.id && self.name == other.name && self.ancestors == other.ancestors
    }

    /// Checks that the descriptor still refers to the file opened, in case the program closed
    /// it (closefrom) and the number was reused.
    pub fn still_open(&self) -> bool {
        identify(&self.file)
            .map(|(id, _)| id == self.id)
            .unwrap_or(false)
    }
}

/// Finds where the non-directory `path` names really is: the directory it is in, its name
/// there and the file itself (opened without following). The directories on the way are
/// resolved by the kernel; a symbolic link in the last component is read from its descriptor
/// and followed from the directory it is in, as the kernel follows it, until a file that is
/// not a link.
fn locate(path: &Path) -> std::io::Result<(File, OsString, File)> {
    let not_a_file = || std::io::Error::from_raw_os_error(libc::EAGAIN);
    let (dir_path, name) = split_last(path).ok_or_else(not_a_file)?;
    let mut dir = crate::landlock::open_path(dir_path)?;
    let mut name = name.as_os_str().to_owned();
    for _ in 0..=MAX_LINKS {
        let entry = crate::sys::open_path_at(dir.as_fd(), Path::new(&name), false)?;
        if !entry.metadata()?.file_type().is_symlink() {
            return Ok((dir, name, entry));
        }
        let target = crate::sys::read_link_fd(entry.as_fd())?;
        // The kernel found a file at the end of these links, so the last one names a file.
        let (target_dir, target_name) = split_last(&target).ok_or_else(not_a_file)?;
        dir = crate::sys::open_path_at(dir.as_fd(), target_dir, true)?;
        name = target_name.as_os_str().to_owned();
    }
    Err(std::io::Error::from_raw_os_error(libc::ELOOP))
}

/// The directories above directory `dir` (identity `id`), nearest first, found by opening
/// `..` from each in turn until the root, whose `..` is itself.
fn parents_of_dir(dir: &File, id: Id) -> std::io::Result<Vec<Id>> {
    let mut chain = Vec::new();
    let mut current = id;
    let mut up = crate::sys::open_path_at(dir.as_fd(), Path::new(".."), false)?;
    for _ in 0..MAX_DEPTH {
        let (parent, _) = identify(&up)?;
        if parent == current {
            return Ok(chain);
        }
        chain.push(parent);
        current = parent;
        up = crate::sys::open_path_at(up.as_fd(), Path::new(".."), false)?;
    }
    Err(std::io::Error::from_raw_os_error(libc::ELOOP))
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

    #[test]
    fn the_last_component_is_split_on_bytes() {
        let split = |p: &str| split_last(Path::new(p)).map(|(d, n)| (d.to_owned(), n.to_owned()));
        let pair = |d: &str, n: &str| Some((PathBuf::from(d), PathBuf::from(n)));
        assert_eq!(split("f"), pair(".", "f"));
        assert_eq!(split("/f"), pair("/", "f"));
        assert_eq!(split("a/b/f"), pair("a/b/", "f"));
        assert_eq!(split("../f"), pair("../", "f"));
        for dir_only in ["/", "a/", "a/.", "a/..", ".", ".."] {
            assert_eq!(split(dir_only), None, "{dir_only}");
        }
    }

    /// A fresh directory for one test.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("scopes-node-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("d/sub")).unwrap();
        std::fs::create_dir_all(dir.join("e")).unwrap();
        std::fs::write(dir.join("d/f"), "f").unwrap();
        dir
    }

    #[test]
    fn a_symlink_to_a_file_is_judged_where_the_file_is() {
        use std::os::unix::fs::symlink;
        let t = scratch("symlink");
        symlink(t.join("d/f"), t.join("abs")).unwrap();
        symlink("../d/f", t.join("e/rel")).unwrap();
        symlink("abs", t.join("chain")).unwrap();
        symlink("d/sub", t.join("subdir")).unwrap();
        symlink("loop", t.join("loop")).unwrap();
        let d = Node::open(&t.join("d")).unwrap();
        let f = Node::open(&t.join("d/f")).unwrap();
        assert_eq!(f.name.as_deref(), Some(std::ffi::OsStr::new("f")));
        for other in [
            "abs",
            "e/rel",
            "chain",
            "subdir/../f",
            "d/sub/../f",
            "e/../d/f",
        ] {
            let node = Node::open(&t.join(other)).unwrap();
            assert!(d.covers(&node), "{other}");
            assert!(node.same_place(&f), "{other}");
            assert_eq!(node.path, t.join(other), "messages name the path as given");
        }
        // A link to a directory leads to the directory itself.
        let sub = Node::open(&t.join("subdir")).unwrap();
        assert!(sub.is_dir && d.covers(&sub));
        assert!(sub.same_place(&Node::open(&t.join("d/sub")).unwrap()));
        let err = Node::open(&t.join("loop")).unwrap_err();
        assert_eq!(err.errno(), libc::ELOOP);
        std::fs::remove_dir_all(&t).unwrap();
    }

    #[test]
    fn a_hard_link_is_the_same_file_in_another_place() {
        let t = scratch("hardlink");
        std::fs::hard_link(t.join("d/f"), t.join("e/h")).unwrap();
        std::fs::hard_link(t.join("d/f"), t.join("d/g")).unwrap();
        let d = Node::open(&t.join("d")).unwrap();
        let f = Node::open(&t.join("d/f")).unwrap();
        let h = Node::open(&t.join("e/h")).unwrap();
        let g = Node::open(&t.join("d/g")).unwrap();
        assert_eq!(f.id, h.id);
        assert!(
            !f.same_place(&h) && !f.same_place(&g),
            "another name, another place"
        );
        assert!(!d.covers(&h), "e/h is reached without going through d");
        assert!(d.covers(&g));
        std::fs::remove_dir_all(&t).unwrap();
    }
}
