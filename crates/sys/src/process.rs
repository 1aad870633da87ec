//! Processes, signals and descriptors: starting a program (fork, the vfork-style
//! [`spawn_shared`], execve), watching it (pidfds, wait, signalfd) and moving bytes and
//! descriptors around.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

pub(crate) fn check(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

pub(crate) fn check_long(r: libc::c_long) -> io::Result<libc::c_long> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// Which side of a fork this is.
pub enum Forked {
    /// In the parent: the child's pid.
    Parent(libc::pid_t),
    /// In the child.
    Child,
}

/// fork(2). The caller must be single-threaded, so that the child may allocate.
pub fn fork() -> io::Result<Forked> {
    // SAFETY: fork has no memory preconditions; the command calls it while single-threaded, so
    // no lock can be held by a thread that does not exist in the child.
    let pid = check(unsafe { libc::fork() })?;
    Ok(if pid == 0 {
        Forked::Child
    } else {
        Forked::Parent(pid)
    })
}

/// Runs `child` in a new process that shares this one's memory until it executes a program or
/// exits, as `posix_spawn` does (`clone(CLONE_VM | CLONE_VFORK)`, on a stack of its own): no
/// page is copied, and no page of this process becomes copy-on-write, so neither side pays a
/// page fault for each page it then writes. This process is suspended until then. Returns the
/// child's pid.
///
/// `child` runs with this thread's memory and thread-local storage, as if it were this thread
/// while it is suspended: the caller must be single-threaded, and `child` must end in `execve`
/// or an exit, never wait for this process, never panic, and not use the thread's identity
/// (`raise`, `abort`); what it allocates stays allocated here.
pub fn spawn_shared(child: &mut dyn FnMut() -> i32) -> io::Result<libc::pid_t> {
    const STACK: usize = 1 << 20;
    extern "C" fn entry(arg: *mut libc::c_void) -> libc::c_int {
        // SAFETY: `arg` is the `&mut dyn FnMut` below, alive until this process runs again,
        // which is after the child has left this function for good.
        let child = unsafe { &mut *(arg as *mut &mut dyn FnMut() -> i32) };
        child()
    }
    // SAFETY: an anonymous private mapping; checked below.
    let stack = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            STACK,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
            -1,
            0,
        )
    };
    if stack == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the lowest page of the mapping just made becomes a guard against overflow.
    if unsafe { libc::mprotect(stack, 4096, libc::PROT_NONE) } != 0 {
        let err = io::Error::last_os_error();
        // SAFETY: the mapping made above, used by no one.
        unsafe { libc::munmap(stack, STACK) };
        return Err(err);
    }
    let mut arg: &mut dyn FnMut() -> i32 = child;
    // SAFETY: the stack grows down from the top of the mapping, which stays mapped until the
    // child has executed or exited (CLONE_VFORK suspends this process until then).
    let pid = unsafe {
        libc::clone(
            entry,
            (stack as *mut u8).add(STACK) as *mut libc::c_void,
            libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
            &mut arg as *mut &mut dyn FnMut() -> i32 as *mut libc::c_void,
        )
    };
    let err = io::Error::last_os_error();
    // SAFETY: the mapping made above, no longer used by anyone.
    unsafe { libc::munmap(stack, STACK) };
    if pid < 0 {
        return Err(err);
    }
    Ok(pid)
}

/// A pid file descriptor for `pid` (close-on-exec).
pub fn pidfd_open(pid: libc::pid_t) -> io::Result<OwnedFd> {
    // SAFETY: integer arguments only; a non-negative result is a new descriptor we own.
    let fd = check_long(unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) })?;
    // SAFETY: see above.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// A copy of descriptor `fd` of the process behind `pidfd` (close-on-exec).
pub fn pidfd_getfd(pidfd: BorrowedFd<'_>, fd: RawFd) -> io::Result<OwnedFd> {
    // SAFETY: integer arguments only; a non-negative result is a new descriptor we own.
    let new =
        check_long(unsafe { libc::syscall(libc::SYS_pidfd_getfd, pidfd.as_raw_fd(), fd, 0) })?;
    // SAFETY: see above.
    Ok(unsafe { OwnedFd::from_raw_fd(new as RawFd) })
}

/// Sends `sig` to the process behind `pidfd` (no pid-reuse race).
pub fn pidfd_send_signal(pidfd: BorrowedFd<'_>, sig: i32) -> io::Result<()> {
    // SAFETY: a NULL siginfo asks the kernel to fill it in as kill() would.
    check_long(unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            sig,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        )
    })
    .map(drop)
}

/// Leaves the process at once: no destructors, no atexit handlers, no stdio flush. The only
/// exit safe under any filter (exit_group is allowed by every promise set).
pub fn exit_now(code: i32) -> ! {
    // SAFETY: exit_group does not return; _exit is there for the type.
    unsafe {
        libc::syscall(libc::SYS_exit_group, code);
        libc::_exit(code)
    }
}

/// kill(2).
pub fn kill(pid: libc::pid_t, sig: i32) -> io::Result<()> {
    // SAFETY: integer arguments only.
    check(unsafe { libc::kill(pid, sig) }).map(drop)
}

/// This process's pid.
pub fn getpid() -> libc::pid_t {
    // SAFETY: no arguments.
    unsafe { libc::getpid() }
}

/// Makes this process a child subreaper (`PR_SET_CHILD_SUBREAPER`): a process below it whose
/// parent dies becomes its child, not init's, so that every descendant stays findable in its
/// children lists and its status comes here.
pub fn become_subreaper() -> io::Result<()> {
    // SAFETY: integer arguments only.
    check(unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) }).map(drop)
}

/// Asks the kernel to SIGKILL the calling process when its parent ends, and checks that the
/// parent is still `parent` afterwards: had it ended before the request, the request would
/// never fire (the process would have a new parent already).
pub fn die_with_parent(parent: libc::pid_t) -> io::Result<()> {
    // SAFETY: integer arguments only.
    check(unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) })?;
    // SAFETY: no arguments.
    if unsafe { libc::getppid() } != parent {
        return Err(io::Error::other(
            "the command ended while starting the program",
        ));
    }
    Ok(())
}

/// Reaps one child that has ended, whichever it is (`__WALL`: also those with another exit
/// signal than SIGCHLD). `Ok(None)`: children exist, none has ended; `Err` with ECHILD: no
/// children at all.
pub fn reap_any() -> io::Result<Option<(libc::pid_t, Ended)>> {
    waitpid(-1, libc::WNOHANG | libc::__WALL)
}

/// `waitpid(pid, flags)`, retried on EINTR and on stops: the child that ended and how, or
/// `None` when none has ended (with WNOHANG).
fn waitpid(pid: libc::pid_t, flags: i32) -> io::Result<Option<(libc::pid_t, Ended)>> {
    loop {
        let mut status = 0;
        // SAFETY: waitpid writes the status into our local.
        let r = unsafe { libc::waitpid(pid, &mut status, flags) };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if r == 0 {
            return Ok(None);
        }
        if libc::WIFEXITED(status) {
            return Ok(Some((r, Ended::Exited(libc::WEXITSTATUS(status)))));
        }
        if libc::WIFSIGNALED(status) {
            return Ok(Some((r, Ended::Signaled(libc::WTERMSIG(status)))));
        }
    }
}

/// How a process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// exit(code).
    Exited(i32),
    /// Killed by this signal.
    Signaled(i32),
}

impl Ended {
    /// The status a shell would report: the code, or 128 + the signal number.
    pub fn code(self) -> i32 {
        match self {
            Ended::Exited(c) => c,
            Ended::Signaled(s) => 128 + s,
        }
    }
}

/// Reaps the child `pid`: `None` while it runs (with `block` false).
pub fn wait(pid: libc::pid_t, block: bool) -> io::Result<Option<Ended>> {
    let flags = if block { 0 } else { libc::WNOHANG };
    Ok(waitpid(pid, flags)?.map(|(_, ended)| ended))
}

/// A set of signals.
#[derive(Clone, Copy)]
pub struct SigSet(libc::sigset_t);

impl SigSet {
    /// The set holding `signals`.
    pub fn of(signals: &[i32]) -> SigSet {
        // SAFETY: sigemptyset and sigaddset initialise and fill the set in place.
        unsafe {
            let mut set = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            for s in signals {
                libc::sigaddset(&mut set, *s);
            }
            SigSet(set)
        }
    }
}

/// Blocks `set` and returns the previous mask.
pub fn block_signals(set: &SigSet) -> io::Result<SigSet> {
    // SAFETY: zeroed is a valid sigset_t to be overwritten; both pointers are to locals.
    let mut old: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: see above.
    let r = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set.0, &mut old) };
    if r != 0 {
        return Err(io::Error::from_raw_os_error(r));
    }
    Ok(SigSet(old))
}

/// Restores a mask saved by [`block_signals`].
pub fn set_signal_mask(mask: &SigSet) -> io::Result<()> {
    // SAFETY: the set is initialised; the old mask is not asked for.
    let r = unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &mask.0, std::ptr::null_mut()) };
    if r != 0 {
        return Err(io::Error::from_raw_os_error(r));
    }
    Ok(())
}

/// What the command keeps of Rust's runtime set-up (it starts without it, see `main.rs`):
/// descriptors 0, 1 and 2 are open (on `/dev/null` when they were not), so that no socket or
/// file of the command's takes their place; and SIGPIPE is ignored, so that a closed pipe is
/// an error where it is written to, not the command's death.
pub fn prepare_process() -> io::Result<()> {
    for fd in 0..3 {
        // SAFETY: F_GETFD on any number only reads the descriptor table.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } >= 0 {
            continue;
        }
        // SAFETY: a constant NUL-terminated path. The lower numbers are open, so the new
        // descriptor is `fd`.
        check(unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) })?;
    }
    // SAFETY: SIG_IGN is a valid disposition for SIGPIPE.
    if unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) } == libc::SIG_ERR {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Puts every signal's disposition the command may have changed back to the default: the
/// command ignores SIGPIPE, and an ignored signal stays ignored across `execve`.
pub fn reset_signal_dispositions() -> io::Result<()> {
    // SAFETY: SIG_DFL is a valid disposition for SIGPIPE.
    if unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) } == libc::SIG_ERR {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// A signalfd for `set` (close-on-exec, blocking reads; poll it first).
pub fn signalfd(set: &SigSet) -> io::Result<OwnedFd> {
    // SAFETY: the set is initialised; -1 asks for a new descriptor, which we then own.
    let fd = check(unsafe { libc::signalfd(-1, &set.0, libc::SFD_CLOEXEC) })?;
    // SAFETY: see above.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// One signal read from a signalfd.
#[derive(Clone, Copy, Debug)]
pub struct Received {
    /// The signal number.
    pub signo: i32,
    /// `si_code`: SI_USER for kill(), SI_KERNEL for the terminal's signals.
    pub code: i32,
}

/// Reads one signal from a signalfd.
pub fn read_signal(fd: BorrowedFd<'_>) -> io::Result<Received> {
    // SAFETY: an all-zero signalfd_siginfo is valid; read fills at most its size.
    let mut info: libc::signalfd_siginfo = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<libc::signalfd_siginfo>();
    // SAFETY: the buffer is our local of `size` bytes.
    let n = unsafe {
        libc::read(
            fd.as_raw_fd(),
            &mut info as *mut _ as *mut libc::c_void,
            size,
        )
    };
    if n != size as isize {
        return Err(if n < 0 {
            io::Error::last_os_error()
        } else {
            io::Error::from(io::ErrorKind::UnexpectedEof)
        });
    }
    Ok(Received {
        signo: info.ssi_signo as i32,
        code: info.ssi_code,
    })
}

/// The process group of `pid` (0: this process), or `None` when it is gone.
pub fn process_group(pid: libc::pid_t) -> Option<libc::pid_t> {
    // SAFETY: integer argument only.
    let r = unsafe { libc::getpgid(pid) };
    (r >= 0).then_some(r)
}

/// The foreground process group of this process's controlling terminal, or `None` when it has
/// none (or it was hung up).
pub fn terminal_foreground() -> Option<libc::pid_t> {
    // SAFETY: a constant NUL-terminated path; the descriptor is closed below.
    let fd = unsafe {
        libc::open(
            c"/dev/tty".as_ptr(),
            libc::O_RDONLY | libc::O_NOCTTY | libc::O_CLOEXEC | libc::O_NONBLOCK,
        )
    };
    if fd < 0 {
        return None;
    }
    // SAFETY: `fd` is the descriptor just opened, closed once and not used again.
    let group = unsafe {
        let group = libc::tcgetpgrp(fd);
        libc::close(fd);
        group
    };
    (group > 0).then_some(group)
}

/// `SI_KERNEL`: a signal the kernel sent (the terminal's ^C, ^\, hang-up).
pub const SI_KERNEL: i32 = 0x80;

/// Opens a pidfd for `pid` if `pid` is then a child of `parent` (read from `/proc/PID/status`
/// after opening the pidfd, so that the pidfd cannot belong to another process that reused the
/// pid, provided the caller knows `parent` was alive throughout). Returns the pidfd and whether
/// the process is a zombie, or `None` when `pid` is gone or no longer `parent`'s child.
pub fn open_child_of(pid: u32, parent: u32) -> Option<(OwnedFd, bool)> {
    let pidfd = pidfd_open(pid as libc::pid_t).ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(str::trim)
    };
    if field("PPid:")?.parse::<u32>().ok()? != parent {
        return None;
    }
    let zombie = field("State:").is_some_and(|s| s.starts_with('Z') || s.starts_with('X'));
    Some((pidfd, zombie))
}

/// A connected `AF_UNIX` `SOCK_SEQPACKET` pair, both ends close-on-exec.
pub fn seqpacket_pair() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: socketpair writes two new descriptors into the array, which we then own.
    check(unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    })?;
    // SAFETY: see above.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Lets another runnable thread (the program being set up) have this CPU.
pub fn yield_cpu() {
    // SAFETY: no arguments.
    unsafe { libc::sched_yield() };
}

/// ppoll(2) over `fds`; no timeout waits for ever. EINTR counts as nothing ready.
pub fn poll(fds: &mut [libc::pollfd], timeout: Option<std::time::Duration>) -> io::Result<usize> {
    let ts = timeout.map(|t| libc::timespec {
        tv_sec: t.as_secs() as libc::time_t,
        tv_nsec: t.subsec_nanos() as libc::c_long,
    });
    let ts_ptr = ts
        .as_ref()
        .map_or(std::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: the slice is valid for its length; the timeout (or NULL: wait forever) outlives
    // the call; no signal mask change.
    let r = unsafe {
        libc::ppoll(
            fds.as_mut_ptr(),
            fds.len() as libc::nfds_t,
            ts_ptr,
            std::ptr::null(),
        )
    };
    if r < 0 {
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::Interrupted {
            return Ok(0);
        }
        return Err(e);
    }
    Ok(r as usize)
}

/// Duplicates `fd` onto `target` (which is closed first if open), with or without close-on-exec.
pub fn dup_onto(fd: RawFd, target: RawFd, cloexec: bool) -> io::Result<()> {
    if fd == target {
        return set_cloexec(fd, cloexec);
    }
    // SAFETY: integer arguments only.
    check(unsafe { libc::dup3(fd, target, if cloexec { libc::O_CLOEXEC } else { 0 }) }).map(drop)
}

/// Sets or clears close-on-exec.
pub fn set_cloexec(fd: RawFd, on: bool) -> io::Result<()> {
    // SAFETY: integer arguments only.
    check(unsafe { libc::fcntl(fd, libc::F_SETFD, if on { libc::FD_CLOEXEC } else { 0 }) })
        .map(drop)
}

/// Closes every descriptor from `first` to `last` inclusive.
pub fn close_range(first: u32, last: u32) -> io::Result<()> {
    if first > last {
        return Ok(());
    }
    // SAFETY: integer arguments only. The caller no longer uses these descriptors.
    check_long(unsafe { libc::syscall(libc::SYS_close_range, first, last, 0) }).map(drop)
}

/// Sets both limits of `resource` to `value`.
pub fn set_rlimit(resource: libc::__rlimit_resource_t, value: u64) -> io::Result<()> {
    let lim = libc::rlimit {
        rlim_cur: value,
        rlim_max: value,
    };
    // SAFETY: the struct is a valid local.
    check(unsafe { libc::setrlimit(resource, &lim) }).map(drop)
}

/// execve(2); returns only on failure.
pub fn execve(path: &CString, argv: &[CString], envp: &[CString]) -> io::Error {
    let argv_ptrs: Vec<*const libc::c_char> = argv
        .iter()
        .map(|a| a.as_ptr())
        .chain([std::ptr::null()])
        .collect();
    let envp_ptrs: Vec<*const libc::c_char> = envp
        .iter()
        .map(|a| a.as_ptr())
        .chain([std::ptr::null()])
        .collect();
    // SAFETY: NUL-terminated strings and NULL-terminated pointer arrays that outlive the call.
    unsafe { libc::execve(path.as_ptr(), argv_ptrs.as_ptr(), envp_ptrs.as_ptr()) };
    io::Error::last_os_error()
}

/// Writes all of `bytes` to `fd`, waiting out a full pipe or a non-blocking flag the program
/// may have set on a shared file description, so that a report is never dropped.
pub fn write_all(fd: RawFd, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        // SAFETY: the buffer is valid for its length.
        let n = unsafe { libc::write(fd, bytes.as_ptr() as *const libc::c_void, bytes.len()) };
        if n < 0 {
            let e = io::Error::last_os_error();
            match e.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock => {
                    let mut p = [libc::pollfd {
                        fd,
                        events: libc::POLLOUT,
                        revents: 0,
                    }];
                    poll(&mut p, Some(std::time::Duration::from_secs(1)))?;
                    continue;
                }
                _ => return Err(e),
            }
        }
        bytes = &bytes[n as usize..];
    }
    Ok(())
}

/// Reads exactly `buf.len()` bytes, or fails (end of file included).
pub fn read_exact(fd: RawFd, buf: &mut [u8]) -> io::Result<()> {
    let mut done = 0;
    while done < buf.len() {
        // SAFETY: the pointer and length describe the unfilled part of `buf`.
        let r = unsafe { libc::read(fd, buf[done..].as_mut_ptr().cast(), buf.len() - done) };
        match r {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            r if r < 0 => {
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
            r => done += r as usize,
        }
    }
    Ok(())
}

/// A pipe: (read end, write end), both close-on-exec.
pub fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array, which we then own.
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
    // SAFETY: both descriptors were just created and are owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Whether the caller may execute `path` (access(2) with X_OK, for the real ids).
pub fn can_execute(path: &std::path::Path) -> bool {
    use std::os::unix::ffi::OsStrExt as _;
    let Ok(c) = CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: a valid NUL-terminated string.
    unsafe { libc::access(c.as_ptr(), libc::X_OK) == 0 }
}

/// A sealed, read-only memory file holding `bytes` (close-on-exec), at descriptor `min` or
/// above: what the dynamic loader maps as the preload through `/proc/self/fd/N`, with no file
/// on disk to find or to swap. The seals forbid writing, growing and shrinking it, so nothing
/// that holds it (the program, once it inherits it) can change what a later program loads.
pub fn sealed_memfd(name: &std::ffi::CStr, bytes: &[u8], min: RawFd) -> io::Result<OwnedFd> {
    // SAFETY: a NUL-terminated name and integer flags.
    let fd = check(unsafe {
        libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING)
    })?;
    // SAFETY: `fd` was just created and is owned by nothing else.
    let file = unsafe { OwnedFd::from_raw_fd(fd) };
    write_all(file.as_raw_fd(), bytes)?;
    let seals = libc::F_SEAL_SEAL | libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE;
    // SAFETY: integer arguments only.
    check(unsafe { libc::fcntl(file.as_raw_fd(), libc::F_ADD_SEALS, seals) })?;
    if file.as_raw_fd() >= min {
        return Ok(file);
    }
    // SAFETY: integer arguments only; the duplicate is owned by the returned OwnedFd.
    let moved = check(unsafe { libc::fcntl(file.as_raw_fd(), libc::F_DUPFD_CLOEXEC, min) })?;
    // SAFETY: `moved` was just created and is owned by nothing else.
    Ok(unsafe { OwnedFd::from_raw_fd(moved) })
}

/// `openat2(dirfd, path, flags, resolve)`: opens `path` relative to `dir` (absolute paths are
/// refused by `RESOLVE_BENEATH` when the caller asks for it), with `flags` and the
/// `RESOLVE_*` bits in `resolve`. Always `O_CLOEXEC`.
pub fn openat2(
    dir: BorrowedFd<'_>,
    path: &std::ffi::CStr,
    flags: i32,
    resolve: u64,
) -> io::Result<OwnedFd> {
    // SAFETY: zeroed plain data, then filled in.
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    how.flags = (flags | libc::O_CLOEXEC) as u64;
    how.mode = 0;
    how.resolve = resolve;
    // SAFETY: valid string and struct, whose size is passed.
    let fd = check_long(unsafe {
        libc::syscall(
            libc::SYS_openat2,
            dir.as_raw_fd(),
            path.as_ptr(),
            &how as *const libc::open_how,
            std::mem::size_of::<libc::open_how>(),
        )
    })?;
    // SAFETY: a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// Reads the target of the link `name` in `dir` (`readlinkat`), without following it.
pub fn readlinkat(dir: BorrowedFd<'_>, name: &std::ffi::CStr) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; 4096];
    // SAFETY: the buffer is valid for its length.
    let n = unsafe {
        libc::readlinkat(
            dir.as_raw_fd(),
            name.as_ptr(),
            buf.as_mut_ptr() as *mut libc::c_char,
            buf.len(),
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    buf.truncate(n as usize);
    Ok(buf)
}

/// Clears `O_NONBLOCK` on an open file description of our own.
pub fn clear_nonblock(fd: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: fcntl on a descriptor we hold.
    let flags = check(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) })?;
    // SAFETY: as above.
    check(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags & !libc::O_NONBLOCK) })
        .map(drop)
}

/// Whether `fd` is a terminal.
pub fn is_terminal(fd: BorrowedFd<'_>) -> bool {
    // SAFETY: isatty only inspects the descriptor.
    unsafe { libc::isatty(fd.as_raw_fd()) == 1 }
}

/// The file status flags of a descriptor of our own (`F_GETFL`).
pub fn file_flags(fd: BorrowedFd<'_>) -> io::Result<i32> {
    // SAFETY: fcntl on a descriptor we hold.
    check(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) })
}

/// `fstat` of a descriptor of our own, as the raw bytes of this architecture's `struct stat`
/// (what `stat(2)` writes into a caller's buffer).
pub fn fstat_bytes(fd: BorrowedFd<'_>) -> io::Result<Vec<u8>> {
    // SAFETY: zeroed plain data, filled in by the kernel.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: a valid descriptor and a local of the right type.
    check(unsafe { libc::fstat(fd.as_raw_fd(), &mut st) })?;
    // SAFETY: `struct stat` is plain data; its bytes are what the kernel would copy out.
    let bytes = unsafe {
        std::slice::from_raw_parts(
            &st as *const libc::stat as *const u8,
            std::mem::size_of::<libc::stat>(),
        )
    };
    Ok(bytes.to_vec())
}
