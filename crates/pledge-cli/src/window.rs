//! The loader's window for programs started by `exec` inside the tree. The first program's
//! loader runs under the start-up filter; a program that the sandboxed program executes runs
//! under the program filter from its first instruction, so its loader would need `rpath` (to
//! open its libraries) and `prot_exec` (to map them executable). OpenBSD lets ld.so make
//! executable mappings until the program's own start (`kbind`); here the supervisor does the
//! same for each process it lets `execve`, from the `execve` until that process's own code
//! runs:
//!
//! - it serves, read-only, the loader's opens of the libraries beneath the system library
//!   directories and of its cache ([`scopes::policy::harmless::LOADER_DIRS`]), as the broker
//!   serves harmless files (opened by the command, beneath directories opened before the
//!   program started, handed over with ADDFD);
//! - it lets through `mmap` with `PROT_EXEC` (never with `PROT_WRITE`, never anonymous) of a
//!   descriptor whose file it checks itself (taken with `pidfd_getfd`): a regular file beneath
//!   those directories, owned by root and writable by no one else, open read-only.
//!
//! The window is bounded and fails closed. It opens only when the `execve` did replace the
//! process's image (its stack and code addresses changed; a failed `execve` leaves the old
//! image and gets nothing), only for that process (held by a pidfd, so a reused pid gets
//! nothing), only for calls made from the code of the glibc loader itself (the notification's
//! instruction pointer), and only while the process has one thread (after `execve` nothing
//! else shares its descriptor table, so the descriptor checked is the one mapped). It closes
//! for good when glibc, the loader done, reads the stack limit (`prlimit64(0, RLIMIT_STACK,
//! NULL, ...)`, which the program filter sends to the supervisor when windows are in use:
//! before any library constructor and before `main`), at the process's first other stopped
//! call that is not one of these, and after [`MAX_CALLS`] calls. A static program
//! has no loader code to call from, so it never gets one. What it grants is never a write, a
//! socket, or a file outside the system library directories.

use std::collections::HashMap;
use std::ffi::CString;
use std::fs::File;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use scopes::policy::harmless::{LOADER_DIRS, LOADER_FILES, LOADER_PROBES};

use crate::broker::components;

use crate::supervisor::{Answer, Call};
use crate::sys;

/// The most calls one window answers (a program with hundreds of libraries makes a few per
/// library).
pub const MAX_CALLS: u32 = 4096;

/// What identifies a process image: its code and stack addresses (`/proc/PID/stat` fields 26
/// to 28), which a successful `execve` replaces (they are randomised; without address space
/// randomisation a re-executed program would look unchanged and get no window: the safe side).
type Image = (u64, u64, u64);

struct Window {
    /// The process, held so that its pid cannot name another.
    pidfd: OwnedFd,
    /// Its image before the `execve`.
    before: Image,
    /// The loader's code in the new image, once the `execve` is known to have happened.
    loader: Option<(u64, u64)>,
    calls: u32,
}

/// The windows of the processes the supervisor let `execve`.
pub struct Windows {
    /// Off when the promises lack `exec` (nothing is executed) or hold `prot_exec` (the loader
    /// needs no window).
    enabled: bool,
    /// By thread group id.
    open: HashMap<u32, Window>,
    /// The library directories as given, opened before the program started (`None`: absent),
    /// and where they really are (for descriptors' paths, which the kernel gives resolved).
    dirs: Vec<(&'static str, Option<OwnedFd>, PathBuf)>,
    /// The glibc loader, resolved.
    loader: PathBuf,
    /// `--learn`: every call is stopped there, so a call of the loader's own that the window
    /// does not grant (a library in `LD_LIBRARY_PATH`, which enforcement lets through under
    /// `rpath` without stopping it) leaves the window open.
    learning: bool,
}

fn image_of(tgid: u32) -> Option<Image> {
    let stat = std::fs::read_to_string(format!("/proc/{tgid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    // `rest` starts at field 3; fields 26, 27, 28 are its 23rd to 25th.
    let mut f = rest.split_whitespace().skip(23);
    Some((
        f.next()?.parse().ok()?,
        f.next()?.parse().ok()?,
        f.next()?.parse().ok()?,
    ))
}

fn threads_of(tgid: u32) -> Option<u32> {
    let status = std::fs::read_to_string(format!("/proc/{tgid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
}

/// The executable mapping of `file` in the process, from its maps.
fn code_of(tgid: u32, file: &Path) -> Option<(u64, u64)> {
    let maps = std::fs::read(format!("/proc/{tgid}/maps")).ok()?;
    for line in maps.split(|b| *b == b'\n') {
        let text = String::from_utf8_lossy(line);
        let mut f = text.split_whitespace();
        let (Some(range), Some(perms)) = (f.next(), f.next()) else {
            continue;
        };
        let path = f.nth(3);
        if !perms.contains('x') || path.map(Path::new) != Some(file) {
            continue;
        }
        let (a, b) = range.split_once('-')?;
        return Some((
            u64::from_str_radix(a, 16).ok()?,
            u64::from_str_radix(b, 16).ok()?,
        ));
    }
    None
}

fn open_dir(path: &str) -> Option<OwnedFd> {
    let c = CString::new(path).ok()?;
    let root = File::open("/").ok()?;
    sys::openat2(
        root.as_fd(),
        &c,
        libc::O_PATH | libc::O_DIRECTORY,
        libc::RESOLVE_NO_MAGICLINKS,
    )
    .ok()
}

impl Windows {
    /// Prepares the windows for `promises` (opens the library directories: call before the
    /// program starts).
    pub fn new(promises: scopes::Promises) -> Windows {
        let enabled = crate::filters::has_loader_windows(promises);
        let dirs = if enabled {
            LOADER_DIRS
                .iter()
                .map(|d| {
                    let real = std::fs::canonicalize(d).unwrap_or_else(|_| PathBuf::from(d));
                    (*d, open_dir(d), real)
                })
                .collect()
        } else {
            Vec::new()
        };
        let loader = crate::program::glibc_loader(scopes::Arch::native());
        Windows {
            enabled,
            open: HashMap::new(),
            dirs,
            loader: std::fs::canonicalize(loader).unwrap_or_else(|_| PathBuf::from(loader)),
            learning: false,
        }
    }

    /// For `--learn`, which enforces nothing: windows for every `execve`, so that what they
    /// would grant is not counted as the program's need (enforcement grants it whatever the
    /// promises).
    pub fn learning() -> Windows {
        let mut w = Windows::new(scopes::Promises::EMPTY.with(scopes::Promise::Exec));
        w.enabled = true;
        w.learning = true;
        w
    }

    /// The supervisor is letting `call`, an `execve`, run: its process may get a window.
    pub fn on_exec(&mut self, call: &Call<'_>) {
        if !self.enabled {
            return;
        }
        // Forget the processes that are gone.
        self.open
            .retain(|_, w| sys::pidfd_send_signal(w.pidfd.as_fd(), 0).is_ok());
        let (tgid, _) = call.process();
        let Ok(pidfd) = sys::pidfd_open(tgid as i32) else {
            return;
        };
        let Some(before) = image_of(tgid) else {
            return;
        };
        if !call.still_pending() {
            return; // the pid may not be the caller's any more
        }
        self.open.insert(
            tgid,
            Window {
                pidfd,
                before,
                loader: None,
                calls: 0,
            },
        );
    }

    /// Answers `call` when it is the loader's, in an open window; otherwise closes the
    /// caller's window (if any) and returns `None`.
    pub fn handle(&mut self, call: &Call<'_>, name: &str) -> Option<Answer> {
        if self.open.is_empty() {
            return None;
        }
        let (tgid, _) = call.process();
        let mut window = self.open.remove(&tgid)?;
        let mut from_loader = false;
        let answer = self.judge(&mut window, tgid, call, name, &mut from_loader);
        let keep = answer.is_some() || (self.learning && from_loader);
        if keep && window.calls < MAX_CALLS {
            self.open.insert(tgid, window);
        }
        answer
    }

    fn judge(
        &self,
        window: &mut Window,
        tgid: u32,
        call: &Call<'_>,
        name: &str,
        from_loader: &mut bool,
    ) -> Option<Answer> {
        // The very process that executed, still alive (so its pid names it).
        sys::pidfd_send_signal(window.pidfd.as_fd(), 0).ok()?;
        if window.loader.is_none() {
            let now = image_of(tgid)?;
            if now == window.before {
                return None; // its execve failed: the old image gets nothing
            }
            window.loader = Some(code_of(tgid, &self.loader)?);
        }
        let (start, end) = window.loader?;
        let ip = call.instruction_pointer();
        if ip < start || ip >= end {
            return None; // the program's own code (or a library's) is running
        }
        if threads_of(tgid) != Some(1) {
            return None;
        }
        *from_loader = true;
        window.calls += 1;
        let args = call.args();
        let answer = match name {
            "openat" => self.open_library(call, args[1], args[2] as u32 as i32),
            "open" => self.open_library(call, args[0], args[1] as u32 as i32),
            "access" => self.probe(call, args[0]),
            "faccessat" | "faccessat2" => self.probe(call, args[1]),
            "mmap" => self.map(window, args),
            _ => None,
        }?;
        // The answer must still reach that process.
        call.still_pending().then_some(answer)
    }

    /// The loader opens a library (or its cache) read-only: the command opens it itself.
    fn open_library(&self, call: &Call<'_>, path_arg: u64, flags: i32) -> Option<Answer> {
        let allowed = libc::O_CLOEXEC | libc::O_NOCTTY | libc::O_NONBLOCK | 0o100000;
        if flags & libc::O_ACCMODE != libc::O_RDONLY || flags & !allowed != 0 {
            return None;
        }
        let path = call.read_c_string(path_arg)?;
        let parts = components(&path)?;
        let ours = libc::O_RDONLY | libc::O_NONBLOCK | libc::O_NOCTTY;
        let beneath = libc::RESOLVE_BENEATH | libc::RESOLVE_NO_MAGICLINKS;
        let opened = if LOADER_FILES
            .iter()
            .any(|f| components(f.as_bytes()).as_deref() == Some(&parts[..]))
        {
            let parent = open_dir("/etc")?;
            let last = CString::new(*parts.last()?).ok()?;
            sys::openat2(
                parent.as_fd(),
                &last,
                ours,
                beneath | libc::RESOLVE_NO_SYMLINKS,
            )
        } else {
            let (root, dir) = self.dirs.iter().find_map(|(d, fd, _)| {
                let root = components(d.as_bytes())?;
                (parts.len() > root.len() && parts[..root.len()] == root[..])
                    .then_some((root.len(), fd))
            })?;
            let Some(dir) = dir else {
                return Some(Answer::Fail(libc::ENOENT));
            };
            // Links among the libraries (libfoo.so.1 -> libfoo.so.1.2) are followed, never
            // out of the directory.
            let rest = CString::new(parts[root..].join(&b'/')).ok()?;
            sys::openat2(dir.as_fd(), &rest, ours, beneath)
        };
        let file = match opened {
            Ok(fd) => File::from(fd),
            Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR)) => {
                return Some(Answer::Fail(libc::ENOENT))
            }
            Err(_) => return None,
        };
        if !system_file(&file) {
            return None;
        }
        if flags & libc::O_NONBLOCK == 0 {
            sys::clear_nonblock(file.as_fd()).ok()?;
        }
        Some(Answer::Open {
            file,
            cloexec: flags & libc::O_CLOEXEC != 0,
        })
    }

    /// The loader's `access` probe of a file it reads if present: the system's answer when the
    /// file is missing.
    fn probe(&self, call: &Call<'_>, path_arg: u64) -> Option<Answer> {
        let path = call.read_c_string(path_arg)?;
        if !LOADER_PROBES
            .iter()
            .any(|p| p.as_bytes() == path.as_slice())
        {
            return None;
        }
        match std::fs::symlink_metadata(Path::new(std::ffi::OsStr::from_bytes(&path))) {
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Some(Answer::Fail(libc::ENOENT)),
            _ => None,
        }
    }

    /// `mmap(addr, len, prot, flags, fd, off)` with `PROT_EXEC`: let through when the
    /// descriptor is a system library, opened read-only.
    fn map(&self, window: &Window, args: &[u64; 6]) -> Option<Answer> {
        let prot = args[2] as u32 as i32;
        let flags = args[3] as u32 as i32;
        let fd = args[4] as u32 as i32;
        if prot & libc::PROT_EXEC == 0
            || prot & libc::PROT_WRITE != 0
            || flags & libc::MAP_ANONYMOUS != 0
            || flags & libc::MAP_SHARED != 0
            || fd < 0
        {
            return None;
        }
        let file = File::from(sys::pidfd_getfd(window.pidfd.as_fd(), fd).ok()?);
        if sys::file_flags(file.as_fd()).ok()? & libc::O_ACCMODE != libc::O_RDONLY {
            return None;
        }
        if !system_file(&file) {
            return None;
        }
        let path = std::fs::read_link(format!("/proc/self/fd/{}", {
            use std::os::fd::AsRawFd as _;
            file.as_raw_fd()
        }))
        .ok()?;
        if !self.dirs.iter().any(|(_, _, real)| path.starts_with(real)) {
            return None;
        }
        Some(Answer::Continue)
    }
}

/// A regular file owned by root that no one else may write.
fn system_file(file: &File) -> bool {
    file.metadata()
        .is_ok_and(|m| m.is_file() && m.uid() == 0 && m.mode() & 0o022 == 0)
}
