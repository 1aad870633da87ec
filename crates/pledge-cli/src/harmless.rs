//! Harmless reads ([`scopes::policy::harmless`]): a read-only open of a message catalog, the
//! time zone, `/dev/null`... that the program's promises do not allow is answered by the
//! command itself, unreported: it opens the file and hands it over, or answers ENOENT when
//! there is none. `pledge --learn` asks the same question ([`harmless_open`]) so that it never
//! counts such a read as a need, nor suggests a read the command would then refuse.
//!
//! This is the hook where a file broker serving more than these reads belongs: the enforcing
//! handler asks [`serve`] before judging an open.

use std::ffi::OsString;
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd as _;
use std::os::unix::ffi::OsStringExt as _;
use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use scopes::learn::normalize;
use scopes::policy::harmless::is_harmless_read;

use crate::supervisor::{Answer, Call};

/// A read-only open of a harmless path.
#[derive(Debug, PartialEq, Eq)]
pub struct HarmlessOpen {
    /// The path, absolute and normalised, the process's own `/proc` directory written
    /// `/proc/self`.
    pub path: PathBuf,
    /// The open flags.
    pub flags: i32,
}

/// When `call` is a read-only `open`/`openat` of an absolute path that is a harmless read,
/// that path. The path is read from the process: it only chooses what the command opens (the
/// call itself never runs), so a program changing it meanwhile gains nothing.
pub fn harmless_open(call: &Call<'_>, name: &str) -> Option<HarmlessOpen> {
    let args = call.args();
    let (path_arg, flags) = match name {
        "open" => (args[0], args[1] as u32 as i32),
        "openat" => (args[1], args[2] as u32 as i32),
        _ => return None,
    };
    let forbidden = libc::O_ACCMODE
        | libc::O_CREAT
        | libc::O_TRUNC
        | libc::O_TMPFILE
        | libc::O_PATH
        | libc::O_DIRECTORY;
    if flags & forbidden != 0 {
        return None;
    }
    let raw = PathBuf::from(OsString::from_vec(call.read_c_string(path_arg)?));
    if !raw.is_absolute() {
        return None;
    }
    let (tgid, _) = call.process();
    let path = own_proc(&normalize(Path::new("/"), &raw), tgid, call.tid());
    is_harmless_read(&path).then_some(HarmlessOpen { path, flags })
}

/// `/proc/<pid>/...` of the calling process or thread, and `/proc/thread-self/...`, as
/// `/proc/self/...`.
pub fn own_proc(path: &Path, tgid: u32, tid: u32) -> PathBuf {
    let Ok(rest) = path.strip_prefix("/proc") else {
        return path.to_path_buf();
    };
    let mut parts = rest.components();
    let first = parts
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    let ours = match first.as_deref() {
        Some("self" | "thread-self") => true,
        Some(n) => n.parse::<u32>().is_ok_and(|pid| pid == tgid || pid == tid),
        None => false,
    };
    if ours {
        Path::new("/proc/self").join(parts.as_path())
    } else {
        path.to_path_buf()
    }
}

/// The command's answer to a harmless read: the file, opened by the command and checked to be
/// a harmless regular file (or `/dev/null`) once open, or ENOENT when it does not exist.
/// `None` when the read cannot be served (a directory, a link leading elsewhere): it is then
/// judged like any other call.
pub fn serve(call: &Call<'_>, open: &HarmlessOpen) -> Option<Answer> {
    let (tgid, _) = call.process();
    let real = match open.path.strip_prefix("/proc/self") {
        Ok(rest) => Path::new("/proc").join(tgid.to_string()).join(rest),
        Err(_) => open.path.clone(),
    };
    let canonical = match std::fs::canonicalize(&real) {
        Ok(c) => c,
        Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR)) => {
            // Nothing there: the answer the program would get with every promise.
            return call.still_pending().then_some(Answer::Fail(libc::ENOENT));
        }
        Err(_) => return None,
    };
    let file = open_checked(&canonical, tgid).ok()?;
    call.still_pending().then_some(Answer::Open {
        file,
        cloexec: open.flags & libc::O_CLOEXEC != 0,
    })
}

/// Opens `path` read-only without following a link in its last component, and without
/// blocking on anything but a regular file: first as `O_PATH`, whose inode is checked (still a
/// harmless path, a regular file or `/dev/null`), then that very inode through
/// `/proc/self/fd`.
fn open_checked(path: &Path, tgid: u32) -> io::Result<File> {
    let refused = || io::Error::from_raw_os_error(libc::EACCES);
    let handle = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH | libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)?;
    let link = format!("/proc/self/fd/{}", handle.as_raw_fd());
    let landed = std::fs::read_link(&link)?;
    if !is_harmless_read(&own_proc(&landed, tgid, tgid)) {
        return Err(refused());
    }
    let meta = handle.metadata()?;
    let null = meta.file_type().is_char_device() && meta.rdev() == libc::makedev(1, 3);
    if !meta.is_file() && !null {
        return Err(refused());
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOCTTY | libc::O_CLOEXEC)
        .open(&link)?;
    let again = file.metadata()?;
    if again.dev() != meta.dev() || again.ino() != meta.ino() {
        return Err(refused());
    }
    Ok(file)
}
