//! execpromises for C programs: the exec family of libc, wrapped so that the program a call
//! starts runs under the execpromises given to `pledge()`.
//!
//! On Linux a seccomp filter survives `execve` and cannot be removed, so a started program
//! always runs under the caller's promises. When execpromises were given, each wrapper first
//! installs the execpromises filter (plus `exec`, which the `execve` itself needs) on the
//! calling thread, then makes the `execve`/`execveat` system call directly. The filter is
//! compiled when `pledge()` records the execpromises, so a wrapper neither allocates nor locks:
//! it is safe in the child of `fork()` or `vfork()`. It binds the filter's own-pid checks to
//! the calling process on a copy on its stack (up to 32 KiB, the kernel's largest filter).
//!
//! Being in the program (dynamically: `libpledge.so` comes before libc in the lookup order;
//! statically: the archive's definitions win over libc's), these definitions replace libc's for
//! the program and all its libraries. libc's own internal exec calls (`posix_spawn`, `system`,
//! `popen`) do not come through here: they start programs under the caller's promises.
//!
//! If the `execve` fails, the calling thread stays narrowed to execpromises: stricter than
//! asked, never looser. A failure to install the filter makes the exec fail (fail closed).

// The C ABI: libc's exec family, `#[no_mangle] extern "C"` functions that take raw pointers
// and pass them to the kernel (and naked trampolines for the variadic ones). Each `unsafe`
// block says what the caller of the C function promised.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_int};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use scopes::bpf::Insn;

use crate::sys::{self, set_errno};

/// One compiled execpromises filter, and the Landlock layer that goes in before it.
struct ExecFilter {
    /// The execpromises it was compiled for.
    key: u32,
    prog: Vec<Insn>,
    /// The layer, or the errno that building it failed with (exec then fails: fail closed).
    layer: Result<scopes::exec::ExecLayer, c_int>,
}

/// Compiled filters, never freed: a wrapper running in another thread (or a vfork child) may
/// still be reading an older one. Execpromises only shrink, so a process records at most one
/// per promise plus one: fewer than the slots.
///
/// A filter's "own pid" checks are bound to the exec'ing process's pid on a copy, on the stack,
/// at each exec (`scopes::exec::bind_to_pid`).
static FILTERS: [OnceLock<ExecFilter>; SLOTS] = [const { OnceLock::new() }; SLOTS];
const SLOTS: usize = 32;
const _: () = assert!(SLOTS > scopes::Promise::ALL.len() + 1);

/// Which filter applies: 0 none, `i + 1` slot `i`, `FULL` none could be recorded.
static CURRENT: AtomicUsize = AtomicUsize::new(0);
const FULL: usize = usize::MAX;

/// Compiles the filter for the execpromises `pledge()` recorded, if they changed. Under the
/// library's lock ([`scopes::exec::with_recorded`]): recordings do not interleave, and a fork
/// never copies a slot half-set into a child.
pub fn record_execpromises() {
    scopes::exec::with_recorded(|recorded| {
        let Some(recorded) = recorded else {
            return;
        };
        let key = recorded.promises().bits();
        if current().is_some_and(|f| f.key == key) {
            return;
        }
        let prog = recorded.filter();
        let layer = recorded.layer().map_err(|e| e.errno());
        let slot = FILTERS.iter().position(|s| s.get().is_none());
        match slot {
            Some(i) if FILTERS[i].set(ExecFilter { key, prog, layer }).is_ok() => {
                CURRENT.store(i + 1, Ordering::Release)
            }
            // Cannot happen (see FILTERS); if it did, exec is refused rather than left wider.
            _ => CURRENT.store(FULL, Ordering::Release),
        }
    })
}

fn current() -> Option<&'static ExecFilter> {
    match CURRENT.load(Ordering::Acquire) {
        0 | FULL => None,
        i => FILTERS[i - 1].get(),
    }
}

/// Narrows the calling thread to the recorded execpromises, paths included, letting
/// `executed` be read and executed; the errno when that fails.
fn narrow(executed: Option<scopes::exec::Executed>) -> Result<(), c_int> {
    if CURRENT.load(Ordering::Acquire) == FULL {
        return Err(libc::EPERM);
    }
    let Some(filter) = current() else {
        return Ok(());
    };
    match &filter.layer {
        Ok(layer) => {
            sys::set_no_new_privs()?;
            layer.apply(executed)?;
        }
        Err(errno) => return Err(*errno),
    }
    // Bound to this process's pid (the program keeps it through execve) on a copy: the
    // recorded filter serves every exec, in this process and in its forked children.
    sys::install_thread_filter(&filter.prog, std::process::id())
}

/// `execve(2)`, narrowed to the execpromises first.
///
/// # Safety
/// The arguments are what `execve(2)` expects.
#[no_mangle]
pub unsafe extern "C" fn execve(
    path: *const c_char,
    argv: *const *const c_char,
    envp: *const *const c_char,
) -> c_int {
    if let Err(errno) = narrow(Some(scopes::exec::Executed::Path(path))) {
        set_errno(errno);
        return -1;
    }
    // SAFETY: the caller's arguments, passed on unchanged.
    unsafe { sys::raw_execve(path, argv, envp) }
}

/// `execv(3)`: [`execve`] with the current environment.
///
/// # Safety
/// The arguments are what `execv(3)` expects.
#[no_mangle]
pub unsafe extern "C" fn execv(path: *const c_char, argv: *const *const c_char) -> c_int {
    // SAFETY: the caller's arguments and the process environment.
    unsafe { execve(path, argv, sys::environment()) }
}

/// `execvpe(3)`: the `PATH` search of `execvp`, with an explicit environment.
///
/// # Safety
/// The arguments are what `execvpe(3)` expects.
#[no_mangle]
pub unsafe extern "C" fn execvpe(
    file: *const c_char,
    argv: *const *const c_char,
    envp: *const *const c_char,
) -> c_int {
    // The file the search will find is not known yet: it may be executed, and read only
    // where the execpromises allow (`rpath`).
    if let Err(errno) = narrow(None) {
        set_errno(errno);
        return -1;
    }
    // SAFETY: the caller's arguments, passed on unchanged; the search only makes execve calls.
    unsafe { __pledge_execvpe_search(file, argv, envp) }
}

/// `execvp(3)`: [`execvpe`] with the current environment.
///
/// # Safety
/// The arguments are what `execvp(3)` expects.
#[no_mangle]
pub unsafe extern "C" fn execvp(file: *const c_char, argv: *const *const c_char) -> c_int {
    // SAFETY: the caller's arguments and the process environment.
    unsafe { execvpe(file, argv, sys::environment()) }
}

/// `fexecve(3)`: executes the file open on `fd`.
///
/// # Safety
/// The arguments are what `fexecve(3)` expects.
#[no_mangle]
pub unsafe extern "C" fn fexecve(
    fd: c_int,
    argv: *const *const c_char,
    envp: *const *const c_char,
) -> c_int {
    // SAFETY: an empty path with AT_EMPTY_PATH names `fd` itself.
    unsafe { execveat(fd, c"".as_ptr(), argv, envp, libc::AT_EMPTY_PATH) }
}

/// `execveat(2)`, narrowed to the execpromises first.
///
/// # Safety
/// The arguments are what `execveat(2)` expects.
#[no_mangle]
pub unsafe extern "C" fn execveat(
    dirfd: c_int,
    path: *const c_char,
    argv: *const *const c_char,
    envp: *const *const c_char,
    flags: c_int,
) -> c_int {
    // SAFETY: a non-NULL `path` is NUL-terminated, as execveat(2) requires.
    let first = if path.is_null() { 0 } else { unsafe { *path } };
    let executed = if first == 0 && flags & libc::AT_EMPTY_PATH != 0 {
        Some(scopes::exec::Executed::Fd(dirfd))
    } else if first != 0 && (dirfd == libc::AT_FDCWD || first == b'/' as c_char) {
        Some(scopes::exec::Executed::Path(path))
    } else {
        // Relative to another directory: not named here, so only executable.
        None
    };
    if let Err(errno) = narrow(executed) {
        set_errno(errno);
        return -1;
    }
    // SAFETY: the caller's arguments, passed on unchanged.
    unsafe { sys::raw_execveat(dirfd, path, argv, envp, flags) }
}

extern "C" {
    // In csrc/exec.c: C gathers variadic arguments, which stable Rust cannot define.
    fn __pledge_execvpe_search(
        file: *const c_char,
        argv: *const *const c_char,
        envp: *const *const c_char,
    ) -> c_int;
    fn __pledge_execl(path: *const c_char, arg: *const c_char, ...) -> c_int;
    fn __pledge_execle(path: *const c_char, arg: *const c_char, ...) -> c_int;
    fn __pledge_execlp(file: *const c_char, arg: *const c_char, ...) -> c_int;
}

/// Defines an exported variadic function that jumps to its C implementation. A tail jump
/// keeps every argument register and the stack as the caller left them.
macro_rules! variadic_trampoline {
    ($(#[$doc:meta])* $name:ident => $target:ident) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// Called from C with the arguments of its libc namesake (a NULL-terminated list).
        #[unsafe(naked)]
        #[no_mangle]
        pub unsafe extern "C" fn $name() -> c_int {
            #[cfg(target_arch = "x86_64")]
            core::arch::naked_asm!("jmp {}", sym $target);
            #[cfg(target_arch = "aarch64")]
            core::arch::naked_asm!("b {}", sym $target);
            #[cfg(target_arch = "riscv64")]
            core::arch::naked_asm!("tail {}", sym $target);
        }
    };
}

variadic_trampoline!(
    /// `execl(3)`: `execl(path, arg0, ..., NULL)`, through [`execve`].
    execl => __pledge_execl
);
variadic_trampoline!(
    /// `execle(3)`: `execle(path, arg0, ..., NULL, envp)`, through [`execve`].
    execle => __pledge_execle
);
variadic_trampoline!(
    /// `execlp(3)`: `execlp(file, arg0, ..., NULL)`, through [`execvp`].
    execlp => __pledge_execlp
);
