//! Applying a Landlock layer with the raw system calls. A [`Prepared`] layer holds everything
//! that allocates (the rules' paths as C strings); [`Prepared::apply`] allocates nothing and
//! takes no lock, so it also runs between fork and exec, and in the exec wrappers of the C
//! library. What the layer holds (which rights, which paths) is the caller's decision; this
//! module only carries it out.

use std::ffi::CString;

/// `LANDLOCK_RULE_PATH_BENEATH`.
const RULE_PATH_BENEATH: libc::c_long = 1;
/// `LANDLOCK_RULE_NET_PORT`.
const RULE_NET_PORT: libc::c_long = 2;
/// `LANDLOCK_RESTRICT_SELF_TSYNC` (ABI 8): every thread, not only the caller.
const RESTRICT_SELF_TSYNC: u32 = 8;

/// `struct landlock_ruleset_attr` (ABI 6 size; the kernel accepts the zeroed tail of fields it
/// does not know).
#[repr(C)]
struct RulesetAttr {
    handled_access_fs: u64,
    handled_access_net: u64,
    scoped: u64,
}

/// `struct landlock_path_beneath_attr` (packed in the uapi header).
#[repr(C, packed)]
struct PathBeneathAttr {
    allowed_access: u64,
    parent_fd: i32,
}

/// `struct landlock_net_port_attr`.
#[repr(C)]
struct NetPortAttr {
    allowed_access: u64,
    port: u64,
}

/// `LANDLOCK_ACCESS_FS_EXECUTE`.
pub const ACCESS_FS_EXECUTE: u64 = 1 << 0;
/// `LANDLOCK_ACCESS_FS_READ_FILE`.
pub const ACCESS_FS_READ_FILE: u64 = 1 << 2;
/// The rights a rule on a file (not a directory) may hold: `EXECUTE`, `WRITE_FILE`,
/// `READ_FILE`, `TRUNCATE` (ABI 3) and `IOCTL_DEV` (ABI 5). libc has no Landlock constants.
pub const FILE_RIGHTS: u64 = 1 << 0 | 1 << 1 | 1 << 2 | 1 << 14 | 1 << 15;

/// Where a rule attaches.
#[derive(Debug)]
pub enum Target {
    /// A path, opened with `O_PATH` when the layer is applied; a missing path is skipped when
    /// `missing_ok`.
    Path {
        /// The path.
        path: CString,
        /// Whether a path that does not exist (ENOENT) is skipped rather than a failure.
        missing_ok: bool,
    },
    /// A descriptor the caller holds open.
    Held(i32),
}

/// A layer ready to apply: the rights it handles, its rules, and the flags for
/// `landlock_restrict_self`.
#[derive(Debug)]
pub struct Prepared {
    fs: u64,
    net: u64,
    scopes: u64,
    rules: Vec<(Target, u64)>,
    ports: Vec<(u64, u64)>,
    flags: u32,
}

/// The file an `execve` is about to start.
#[derive(Clone, Copy, Debug)]
pub enum Executed {
    /// By path (NUL-terminated, valid for the call).
    Path(*const libc::c_char),
    /// By descriptor (`fexecve`, `execveat` with `AT_EMPTY_PATH`).
    Fd(i32),
}

/// Why applying failed: the errno, and the rule's place when a rule failed.
#[derive(Debug)]
pub struct Failure {
    /// The errno.
    pub errno: i32,
    /// The index of the rule (in the plan's `rules`) that failed, if one did.
    pub rule: Option<usize>,
}

/// The rights of one kind a layer handles: what its ruleset restricts.
#[derive(Clone, Copy, Debug, Default)]
pub struct Handled {
    /// `handled_access_fs`.
    pub fs: u64,
    /// `handled_access_net`.
    pub net: u64,
    /// `scoped` (ABI 6).
    pub scopes: u64,
}

fn errno() -> i32 {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

impl Prepared {
    /// A layer handling `handled`, with `rules` (where, and the rights granted there, in the
    /// caller's order: a failure names its index) and `ports` (port, rights);
    /// `all_threads` asks the kernel to confine every thread (ABI 8).
    pub fn new(
        handled: Handled,
        rules: Vec<(Target, u64)>,
        ports: Vec<(u64, u64)>,
        all_threads: bool,
    ) -> Prepared {
        Prepared {
            fs: handled.fs,
            net: handled.net,
            scopes: handled.scopes,
            rules,
            ports,
            flags: if all_threads { RESTRICT_SELF_TSYNC } else { 0 },
        }
    }

    /// Creates the ruleset, adds the rules and restricts the calling process (every thread
    /// with TSYNC). no_new_privs must be set. Allocates nothing.
    pub fn apply(&self) -> Result<(), Failure> {
        self.apply_with(None)
    }

    /// [`Prepared::apply`], with one more rule: the file about to be executed may be read and
    /// executed (what `execve` needs of it), named by a NUL-terminated path or a descriptor.
    pub fn apply_with(&self, executed: Option<Executed>) -> Result<(), Failure> {
        let ruleset = self.empty_ruleset()?;
        let result = self.add_executed(ruleset, executed);
        let result = result
            .and_then(|()| self.fill(ruleset))
            .and_then(|()| self.restrict(ruleset));
        // SAFETY: closing the ruleset descriptor created above, which nothing else uses.
        unsafe { libc::close(ruleset) };
        result
    }

    /// Creates the ruleset and adds the rules, restricting nothing: for another process to
    /// enforce with `landlock_restrict_self` (the descriptor is close-on-exec).
    pub fn create(&self) -> Result<std::os::fd::OwnedFd, Failure> {
        use std::os::fd::FromRawFd as _;
        let ruleset = self.empty_ruleset()?;
        // SAFETY: a descriptor the kernel just created (close-on-exec), owned by nothing else.
        let owned = unsafe { std::os::fd::OwnedFd::from_raw_fd(ruleset) };
        self.fill(ruleset)?;
        Ok(owned)
    }

    /// A new ruleset handling what the layer handles, with no rule yet (close-on-exec).
    fn empty_ruleset(&self) -> Result<i32, Failure> {
        let attr = RulesetAttr {
            handled_access_fs: self.fs,
            handled_access_net: self.net,
            scoped: self.scopes,
        };
        // SAFETY: the attribute is a valid struct of the size passed, read during the call.
        let ruleset = unsafe {
            libc::syscall(
                libc::SYS_landlock_create_ruleset,
                &attr as *const RulesetAttr,
                std::mem::size_of::<RulesetAttr>(),
                0u32,
            )
        };
        if ruleset < 0 {
            return Err(Failure {
                errno: errno(),
                rule: None,
            });
        }
        Ok(ruleset as i32)
    }

    /// The flags for `landlock_restrict_self`.
    pub fn flags(&self) -> u32 {
        self.flags
    }

    fn add_executed(&self, ruleset: i32, executed: Option<Executed>) -> Result<(), Failure> {
        let access = (ACCESS_FS_READ_FILE | ACCESS_FS_EXECUTE) & self.fs;
        if access == 0 {
            return Ok(());
        }
        let fail = |errno| Failure { errno, rule: None };
        match executed {
            None => Ok(()),
            Some(Executed::Fd(fd)) => add_path_rule(ruleset, fd, access).map_err(fail),
            Some(Executed::Path(path)) => {
                // SAFETY: the caller passes a NUL-terminated path; O_PATH reads nothing.
                let fd = unsafe { libc::open(path, libc::O_PATH | libc::O_CLOEXEC) };
                if fd < 0 {
                    // execve will report what is wrong with the path itself.
                    return Ok(());
                }
                let added = add_path_rule(ruleset, fd, access);
                // SAFETY: closing the descriptor opened just above.
                unsafe { libc::close(fd) };
                added.map_err(fail)
            }
        }
    }

    fn fill(&self, ruleset: i32) -> Result<(), Failure> {
        let mut held = Held::default();
        let added = self.add_path_rules(ruleset, &mut held);
        held.close();
        added?;
        self.add_port_rules(ruleset)
    }

    /// Adds the path rules. The descriptors opened for them stay open until the caller closes
    /// `held`, most often all in one `close_range`.
    fn add_path_rules(&self, ruleset: i32, held: &mut Held) -> Result<(), Failure> {
        for (index, (target, access)) in self.rules.iter().enumerate() {
            let fail = |errno| Failure {
                errno,
                rule: Some(index),
            };
            let fd = match target {
                Target::Held(fd) => *fd,
                Target::Path { path, missing_ok } => match held.open(path) {
                    Ok(fd) => fd,
                    Err(libc::ENOENT) if *missing_ok => continue,
                    Err(e) => return Err(fail(e)),
                },
            };
            add_path_rule(ruleset, fd, *access).map_err(fail)?;
        }
        Ok(())
    }

    fn add_port_rules(&self, ruleset: i32) -> Result<(), Failure> {
        for (port, access) in &self.ports {
            let attr = NetPortAttr {
                allowed_access: *access,
                port: *port,
            };
            // SAFETY: a valid attribute of the rule type named, read during the call.
            let r = unsafe {
                libc::syscall(
                    libc::SYS_landlock_add_rule,
                    ruleset,
                    RULE_NET_PORT,
                    &attr as *const NetPortAttr,
                    0u32,
                )
            };
            if r < 0 {
                return Err(Failure {
                    errno: errno(),
                    rule: None,
                });
            }
        }
        Ok(())
    }

    fn restrict(&self, ruleset: i32) -> Result<(), Failure> {
        // SAFETY: restricting the calling process (or every thread, with TSYNC) with a
        // ruleset we own.
        let r = unsafe { libc::syscall(libc::SYS_landlock_restrict_self, ruleset, self.flags) };
        if r < 0 {
            return Err(Failure {
                errno: errno(),
                rule: None,
            });
        }
        Ok(())
    }
}

/// The descriptors a layer opened for its rules, kept open in runs of consecutive numbers and
/// closed a run at a time: one `close_range` instead of a `close` per rule (about 0.5 µs each
/// in a fresh process, a fifth of what a rule costs). Every number of a run is one this layer
/// opened and still holds, so closing the range closes nothing else, whatever other threads
/// open meanwhile. Runs break where the process already holds a descriptor; when every slot
/// is taken the runs are closed, so this never allocates.
#[derive(Default)]
struct Held {
    /// (first, last) of each run; `len` in use.
    runs: [(i32, i32); HELD_RUNS],
    len: usize,
}

/// Runs held at once: descriptors the process already holds split the free numbers into a
/// few stretches at most.
const HELD_RUNS: usize = 4;

impl Held {
    /// Opens `path` with `O_PATH` (nothing read, no permission needed) and holds it; returns
    /// the descriptor or the errno. When the process is out of descriptors, the runs are
    /// closed and the open tried once more: holding them never fails a layer that closing
    /// each descriptor at once would have applied.
    fn open(&mut self, path: &CString) -> Result<i32, i32> {
        let open = || {
            // SAFETY: a NUL-terminated path; O_PATH opens read nothing.
            let fd = unsafe { libc::open(path.as_ptr(), libc::O_PATH | libc::O_CLOEXEC) };
            if fd < 0 {
                Err(errno())
            } else {
                Ok(fd)
            }
        };
        let fd = match open() {
            Err(libc::EMFILE) if self.len > 0 => {
                self.close();
                open()?
            }
            other => other?,
        };
        self.hold(fd);
        Ok(fd)
    }

    fn hold(&mut self, fd: i32) {
        if let Some(run) = self.runs[..self.len].iter_mut().find(|r| r.1 + 1 == fd) {
            run.1 = fd;
            return;
        }
        if self.len == HELD_RUNS {
            self.close();
        }
        self.runs[self.len] = (fd, fd);
        self.len += 1;
    }

    /// Closes every run. `close_range` may be refused (a kernel before 5.9, or a filter this
    /// process inherited): each descriptor is then closed on its own.
    fn close(&mut self) {
        for &(first, last) in &self.runs[..self.len] {
            if first < last {
                // SAFETY: closing descriptors this layer opened and no longer uses.
                let r = unsafe {
                    libc::syscall(libc::SYS_close_range, first as u32, last as u32, 0u32)
                };
                if r == 0 {
                    continue;
                }
            }
            for fd in first..=last {
                // SAFETY: as above, one at a time.
                unsafe { libc::close(fd) };
            }
        }
        self.len = 0;
    }
}

/// Adds "`fd` and beneath it get `access`"; a file (not a directory) keeps only the rights a
/// file can have, which the kernel tells by refusing the others with EINVAL. Asking the kernel
/// spares an fstat, which the filter in force may not allow.
fn add_path_rule(ruleset: i32, fd: i32, access: u64) -> Result<(), i32> {
    let add = |access: u64| {
        let attr = PathBeneathAttr {
            allowed_access: access,
            parent_fd: fd,
        };
        // SAFETY: a valid attribute of the rule type named, read during the call.
        let r = unsafe {
            libc::syscall(
                libc::SYS_landlock_add_rule,
                ruleset,
                RULE_PATH_BENEATH,
                &attr as *const PathBeneathAttr,
                0u32,
            )
        };
        if r < 0 {
            Err(errno())
        } else {
            Ok(())
        }
    };
    match add(access) {
        Err(libc::EINVAL) if access & !FILE_RIGHTS != 0 => {
            let on_file = access & FILE_RIGHTS;
            if on_file == 0 {
                Ok(())
            } else {
                add(on_file)
            }
        }
        other => other,
    }
}
