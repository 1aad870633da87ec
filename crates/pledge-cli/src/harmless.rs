//! Which calls are harmless reads ([`scopes::policy::harmless`]), as `pledge --learn` sees
//! them: the enforcing command's broker (`crate::broker`) serves these reads itself, so learning
//! never counts one as a need, nor suggests a read the command would then refuse.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt as _;
use std::path::{Path, PathBuf};

use scopes::learn::normalize;
use scopes::policy::harmless::is_harmless_read;

use crate::supervisor::Call;

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
