//! The paths a stopped call reaches, and the access each needs, read from the process.
//!
//! Everything is read once, into the observer's own memory, and checked against
//! `SECCOMP_IOCTL_NOTIF_ID_VALID` afterwards (through [`Call`]): a program that rewrites a path
//! while it is read, or dies and has its pid reused, can only make its own suggestion wrong.
//! Reads are bounded (one path, one socket address).

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

use scopes::learn::{normalize, Observed, Probe, Touched};
use scopes::{Permissions, Promise};

use crate::supervisor::Call;

const R: Permissions = Permissions::READ;
const W: Permissions = Permissions::WRITE;
const X: Permissions = Permissions::EXECUTE;
const C: Permissions = Permissions::CREATE;
const AT_FDCWD: u64 = libc::AT_FDCWD as u32 as u64;

/// Fills `obs.paths` (what the policy judges the call by) and `touched` (what the unveil
/// entries are built from) for one call, and tells probes from needs (`obs.probe`,
/// `obs.avoid`). An `execve` also touches the `#!` interpreters it runs and the script they
/// read. Returns the paths touched (as the unveil entries name them), for the explanations.
pub fn inspect(call: &Call<'_>, obs: &mut Observed, touched: &mut Touched) -> Vec<PathBuf> {
    let a = obs.args;
    let mut t = Toucher {
        call,
        obs,
        touched,
        used: Vec::new(),
    };
    match t.obs.name {
        "open" => t.open(AT_FDCWD, a[0], a[1]),
        "openat" => t.open(a[0], a[1], a[2]),
        "openat2" => {
            if let Some(flags) = t.obs.struct_flags {
                t.open(a[0], a[1], flags)
            }
        }
        "creat" => t.open(
            AT_FDCWD,
            a[0],
            (libc::O_CREAT | libc::O_WRONLY | libc::O_TRUNC) as u64,
        ),
        "execve" => t.exec(AT_FDCWD, a[0]),
        "execveat" => t.exec(a[0], a[1]),
        "mkdir" | "mknod" => t.change(AT_FDCWD, a[0], true),
        "mkdirat" | "mknodat" => t.change(a[0], a[1], true),
        "rmdir" | "unlink" => t.change(AT_FDCWD, a[0], false),
        "unlinkat" => t.change(a[0], a[1], false),
        "rename" => {
            t.change(AT_FDCWD, a[0], false);
            t.change(AT_FDCWD, a[1], true);
        }
        "renameat" | "renameat2" => {
            t.change(a[0], a[1], false);
            t.change(a[2], a[3], true);
        }
        "link" | "symlink" => t.change(AT_FDCWD, a[1], true),
        "linkat" => t.change(a[2], a[3], true),
        "symlinkat" => t.change(a[1], a[2], true),
        "truncate" => {
            if let Some(p) = t.resolve(AT_FDCWD, a[0]) {
                t.touch(&p, W);
            }
        }
        "getdents" | "getdents64" => {
            if let Some(dir) = t.resolve_fd(a[0]) {
                t.obs.paths.push((dir.clone(), R));
                let shown = t.shown(&dir);
                t.avoid_for(&shown);
                t.touched.add_listing(&shown);
                t.used.push(shown);
            }
        }
        "bind" | "connect" => t.unix_socket(a[1], a[2]),
        // Path metadata: Landlock does not restrict it, so no unveil entry; judged as a read
        // of the path, so that the promise suggested is one that reaches it.
        "stat" | "lstat" | "access" | "readlink" | "statfs" | "chdir" | "getxattr"
        | "lgetxattr" | "listxattr" | "llistxattr" => t.query(AT_FDCWD, a[0]),
        "newfstatat" | "statx" | "faccessat" | "faccessat2" | "readlinkat" => t.query(a[0], a[1]),
        _ => {}
    }
    t.used
}

struct Toucher<'c, 'a> {
    call: &'c Call<'a>,
    obs: &'c mut Observed,
    touched: &'c mut Touched,
    used: Vec<PathBuf>,
}

impl Toucher<'_, '_> {
    /// Records `access` on `path` both for the judge and for the unveil entries.
    fn touch(&mut self, path: &Path, access: Permissions) {
        self.obs.paths.push((path.to_path_buf(), access));
        let shown = self.shown(path);
        self.avoid_for(&shown);
        self.touched.add(&shown, access);
        self.used.push(shown);
    }

    /// Promises not to suggest for a call on `shown`: `ps` for the process's own `/proc`
    /// directory, `tmppath` for a file in /tmp the program did not create.
    fn avoid_for(&mut self, shown: &Path) {
        if shown.starts_with("/proc/self") {
            self.obs.avoid = self.obs.avoid.with(Promise::Ps);
        }
        if shown.starts_with("/tmp") && !self.touched.created(shown) {
            self.obs.avoid = self.obs.avoid.with(Promise::Tmppath);
        }
    }

    /// The call names a path that does not exist, and fails with ENOENT whatever the promises.
    fn missing(&mut self, path: &Path, access: Permissions) {
        self.obs.probe = Some(Probe::Missing);
        self.obs.paths.push((path.to_path_buf(), access));
    }

    /// stat, access, readlink...: judged as a read of the path; no unveil entry.
    fn query(&mut self, dirfd: u64, path: u64) {
        if self.call.read_c_string(path).is_some_and(|p| p.is_empty()) {
            return; // AT_EMPTY_PATH: the descriptor itself
        }
        let Some(p) = self.resolve(dirfd, path) else {
            return self.unknown();
        };
        if std::fs::symlink_metadata(&p).is_err() {
            return self.missing(&p, R);
        }
        self.obs.metadata = true;
        self.obs.paths.push((p.clone(), R));
        let shown = self.shown(&p);
        self.avoid_for(&shown);
    }

    fn open(&mut self, dirfd: u64, path: u64, flags: u64) {
        let Some(p) = self.resolve(dirfd, path) else {
            return self.unknown();
        };
        let flags = flags as u32 as i32;
        if flags & libc::O_PATH != 0 {
            return; // Landlock checks nothing for O_PATH
        }
        if flags & libc::O_TMPFILE == libc::O_TMPFILE {
            // An unnamed file in directory `p`.
            self.obs.paths.push((p.clone(), C | W));
            let shown = self.shown(&p);
            self.touched.add_change(&shown, None);
            self.touched.add(&shown, W);
            self.used.push(shown);
            return;
        }
        let mut access = match flags & libc::O_ACCMODE {
            libc::O_WRONLY => W,
            libc::O_RDWR => R | W,
            _ => R,
        };
        if flags & libc::O_TRUNC != 0 {
            access = access | W;
        }
        if flags & libc::O_CREAT == 0 && !p.exists() {
            return self.missing(&p, access);
        }
        if flags & libc::O_CREAT != 0 && !p.exists() {
            if let Some(dir) = p.parent() {
                self.obs.paths.push((dir.to_path_buf(), C));
                let (dir, file) = (self.shown(dir), self.shown(&p));
                self.touched.add_change(&dir, Some(&file));
            }
        }
        self.touch(&p, access);
    }

    /// The kernel opens every file it executes (the program, `#!` interpreters, the ELF
    /// interpreter) for reading and executing, and Landlock checks both rights. The judge
    /// only sees `x`, which is what the `exec` promise's path grant gives.
    fn exec(&mut self, dirfd: u64, path: u64) {
        let Some(p) = self.resolve(dirfd, path) else {
            return self.unknown();
        };
        if !p.exists() {
            // A shell or execvp trying each directory of $PATH.
            return self.missing(&p, X);
        }
        self.obs.paths.push((p.clone(), X));
        let mut run = vec![p.clone()];
        if let Ok(program) = crate::program::resolve(p.as_os_str()) {
            run.extend(program.executed.iter().skip(1).cloned());
            if program.start == crate::program::Start::Dynamic {
                run.push(PathBuf::from(crate::program::glibc_loader(
                    scopes::Arch::native(),
                )));
            }
        }
        for file in run {
            let shown = self.shown(&file);
            self.touched.add(&shown, R | X);
            self.used.push(shown);
        }
    }

    /// An entry created (`created`) or removed at `path`: the directory it is in changes.
    fn change(&mut self, dirfd: u64, path: u64, created: bool) {
        let Some(p) = self.resolve(dirfd, path) else {
            return self.unknown();
        };
        if !created && std::fs::symlink_metadata(&p).is_err() {
            return self.missing(&p, C);
        }
        let Some(dir) = p.parent() else { return };
        self.obs.paths.push((dir.to_path_buf(), C));
        let (dir, file) = (self.shown(dir), self.shown(&p));
        if !created {
            self.avoid_for(&file);
        }
        self.touched
            .add_change(&dir, created.then_some(file.as_path()));
        self.used.push(if created { file } else { dir });
    }

    /// bind() and connect() on a named AF_UNIX socket. Landlock does not check these on every
    /// kernel, so the judge does not see the path; the unveil entries do. A connect to a
    /// socket that does not exist fails whatever the promises.
    fn unix_socket(&mut self, addr: u64, len: u64) {
        let len = len.min(110) as usize;
        let Some(bytes) = self.call.read_bytes(addr, len) else {
            return;
        };
        if bytes.len() < 3
            || u16::from_ne_bytes([bytes[0], bytes[1]]) != libc::AF_UNIX as u16
            || bytes[2] == 0
        {
            return; // another family, or an abstract socket
        }
        let raw: Vec<u8> = bytes[2..]
            .iter()
            .take_while(|b| **b != 0)
            .copied()
            .collect();
        let Some(base) = self.base(AT_FDCWD) else {
            return;
        };
        let p = normalize(&base, &PathBuf::from(OsString::from_vec(raw)));
        let shown = self.shown(&p);
        if self.obs.name == "bind" {
            if let Some(dir) = shown.parent() {
                self.touched.add_change(dir, Some(&shown));
            }
        } else if p.exists() {
            self.touched.add(&shown, W);
        } else {
            self.obs.fails_anyway = true;
        }
    }

    /// The path could not be read: judge the call as if it could be anywhere, so that no
    /// promise limited to a few paths is suggested for it.
    fn unknown(&mut self) {
        self.obs.paths.push((PathBuf::from("/"), R));
    }

    /// The absolute path a (dirfd, path pointer) pair names, read from the process.
    fn resolve(&self, dirfd: u64, path: u64) -> Option<PathBuf> {
        let raw = self.call.read_c_string(path)?;
        let rel = PathBuf::from(OsString::from_vec(raw));
        if rel.is_absolute() {
            return Some(normalize(Path::new("/"), &rel));
        }
        let base = self.base(dirfd)?;
        Some(normalize(&base, &rel))
    }

    /// The directory relative paths start from: the thread's cwd or the directory `dirfd`.
    fn base(&self, dirfd: u64) -> Option<PathBuf> {
        if dirfd as u32 == AT_FDCWD as u32 {
            self.link(&format!("/proc/{}/cwd", self.call.tid()))
        } else {
            self.resolve_fd(dirfd)
        }
    }

    /// The path of one of the thread's descriptors, when it is a file system object.
    fn resolve_fd(&self, fd: u64) -> Option<PathBuf> {
        self.link(&format!(
            "/proc/{}/fd/{}",
            self.call.tid(),
            fd as u32 as i32
        ))
    }

    fn link(&self, proc_path: &str) -> Option<PathBuf> {
        let target = std::fs::read_link(proc_path).ok()?;
        // Pipes, sockets and deleted files have no path to unveil.
        let text = target.as_os_str().as_encoded_bytes();
        if !target.is_absolute() || text.ends_with(b" (deleted)") {
            return None;
        }
        // The pid may have been reused meanwhile: only trust what was read while the call waits.
        self.call.still_pending().then_some(target)
    }

    /// The path as an unveil entry names it: without symbolic links (Landlock rules hold the
    /// inode a path leads to, so `/lib/x` and `/usr/lib/x` are one entry), and
    /// `/proc/<this process>/...` as `/proc/self/...`, since the pid changes from run to run.
    fn shown(&self, path: &Path) -> PathBuf {
        if !path.starts_with("/proc") {
            if let Ok(real) = std::fs::canonicalize(path) {
                return real;
            }
            // Not there (yet): its directory, resolved, and its name.
            return match (path.parent().map(std::fs::canonicalize), path.file_name()) {
                (Some(Ok(dir)), Some(name)) => dir.join(name),
                _ => path.to_path_buf(),
            };
        }
        crate::harmless::own_proc(path, self.call.process().0, self.call.tid())
    }
}
