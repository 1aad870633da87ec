//! Applying a planned Landlock layer ([`crate::compiler::paths::LayerPlan`]) with the raw
//! system calls. [`Prepared::new`] does the allocating part (C strings); [`Prepared::apply`]
//! allocates nothing and takes no lock, so it also runs between fork and exec, and in the exec
//! wrappers of the C library.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt as _;

use landlock::{AccessFs, BitFlags, ABI};

use crate::compiler::paths::{LayerPlan, Place};

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

/// Where a prepared rule attaches.
#[derive(Debug)]
enum Target {
    Path { path: CString, missing_ok: bool },
    Held(i32),
}

/// A layer ready to apply.
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

fn errno() -> i32 {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

/// The rights a rule on a file (not a directory) may hold.
fn file_rights() -> u64 {
    AccessFs::from_file(ABI::V5).bits()
}

impl Prepared {
    /// Prepares `plan`; `all_threads` asks the kernel to confine every thread (ABI 8).
    pub fn new(plan: &LayerPlan, all_threads: bool) -> Result<Prepared, crate::Error> {
        let mut rules = Vec::with_capacity(plan.rules.len());
        for rule in &plan.rules {
            let target = match &rule.place {
                Place::Path(path) => Target::Path {
                    path: CString::new(path.as_os_str().as_bytes())
                        .map_err(|_| crate::Error::BadString)?,
                    missing_ok: rule.missing_ok,
                },
                Place::Held(fd) => Target::Held(*fd),
            };
            rules.push((target, rule.access.bits()));
        }
        Ok(Prepared {
            fs: plan.fs.bits(),
            net: plan.net.bits(),
            scopes: plan.scopes.bits(),
            rules,
            ports: plan
                .ports
                .iter()
                .map(|(port, right)| (u64::from(*port), BitFlags::from(*right).bits()))
                .collect(),
            flags: if all_threads { RESTRICT_SELF_TSYNC } else { 0 },
        })
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
        let access = (AccessFs::ReadFile | AccessFs::Execute).bits() & self.fs;
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
        for (index, (target, access)) in self.rules.iter().enumerate() {
            let fail = |errno| Failure {
                errno,
                rule: Some(index),
            };
            let (fd, opened) = match target {
                Target::Held(fd) => (*fd, false),
                Target::Path { path, missing_ok } => {
                    // SAFETY: a NUL-terminated path; O_PATH opens read nothing.
                    let fd = unsafe { libc::open(path.as_ptr(), libc::O_PATH | libc::O_CLOEXEC) };
                    if fd < 0 {
                        let e = errno();
                        if *missing_ok && e == libc::ENOENT {
                            continue;
                        }
                        return Err(fail(e));
                    }
                    (fd, true)
                }
            };
            let added = add_path_rule(ruleset, fd, *access);
            if opened {
                // SAFETY: closing the descriptor opened just above.
                unsafe { libc::close(fd) };
            }
            added.map_err(fail)?;
        }
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
        Err(libc::EINVAL) if access & !file_rights() != 0 => {
            let on_file = access & file_rights();
            if on_file == 0 {
                Ok(())
            } else {
                add(on_file)
            }
        }
        other => other,
    }
}
