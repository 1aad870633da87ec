//! The violation report's raw half: a SIGSYS handler that decodes the trapped system call,
//! has a [`Reporter`] (`scopes` formats the line with its promise table) write one line into a
//! fixed buffer, writes it to stderr, then makes sure the process dies of SIGSYS.
//!
//! The filter answers violations with `SECCOMP_RET_TRAP`. The kernel then forces a SIGSYS on
//! the thread: blocking or ignoring it only makes the kernel reset it to the default action
//! (death). A reporting filter refuses `rt_sigaction(SIGSYS, ...)`, so the handler cannot be
//! replaced once one is in force. The handler itself never returns: after writing, it repeats
//! a call every filter denies while SIGSYS is blocked (it is, inside its own handler), so the
//! kernel kills the whole process with SIGSYS; `exit_group` is the last resort. Nothing it
//! reads from writable memory can change that outcome: the reporter is chosen at compile time
//! (the handler is generic over it, so no function pointer sits in writable memory), and
//! corrupted data only makes the report wrong.
//!
//! Everything the handler runs is async-signal-safe: atomic loads, the reporter (which must
//! not allocate or lock: it formats into the given [`Line`]), `write`, and the final calls.

use std::sync::atomic::{AtomicBool, Ordering};

/// The system call that was trapped, decoded from the signal's `siginfo_t` and context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trapped {
    /// The system call number.
    pub nr: i32,
    /// The `AUDIT_ARCH_*` value of the call's calling convention.
    pub arch: u32,
    /// The six argument registers.
    pub args: [u64; 6],
}

/// Writes the report line for a trapped call.
pub trait Reporter {
    /// Writes the line for `trapped` into `line`. Runs in the signal handler: it must not
    /// allocate, lock, or panic, and should read only atomics.
    fn report(trapped: &Trapped, line: &mut Line);
}

/// A fixed buffer that `write!` can fill without allocating; what does not fit is cut off.
pub struct Line {
    buf: [u8; 512],
    len: usize,
}

impl Line {
    /// An empty line.
    pub fn new() -> Line {
        Line {
            buf: [0; 512],
            len: 0,
        }
    }

    /// What was written.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl Default for Line {
    fn default() -> Line {
        Line::new()
    }
}

impl std::fmt::Write for Line {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let room = self.buf.len() - self.len;
        let n = s.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

static INSTALLED: AtomicBool = AtomicBool::new(false);

/// The SIGSYS action the program had before the first install.
struct SavedAction(libc::sigaction);
// SAFETY: a sigaction is plain data (a handler address, flags and a mask).
unsafe impl Send for SavedAction {}
static PREVIOUS: std::sync::Mutex<Option<SavedAction>> = std::sync::Mutex::new(None);

/// Installs the handler that reports with `R` (once: while it is installed, later calls change
/// nothing). The previous action is kept so that [`restore_after_failure`] can put it back.
pub fn install<R: Reporter>() -> std::io::Result<()> {
    if INSTALLED.load(Ordering::SeqCst) {
        return Ok(());
    }
    // SAFETY: a zeroed sigaction is a valid starting point; we set a handler with the
    // SA_SIGINFO signature and an empty extra mask (SIGSYS itself stays blocked while it runs).
    let r = unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_sigsys::<R> as *const () as usize;
        sa.sa_flags = libc::SA_SIGINFO;
        libc::sigemptyset(&mut sa.sa_mask);
        let mut old: libc::sigaction = std::mem::zeroed();
        let r = libc::sigaction(libc::SIGSYS, &sa, &mut old);
        *PREVIOUS.lock().unwrap_or_else(|p| p.into_inner()) = Some(SavedAction(old));
        r
    };
    if r != 0 {
        return Err(std::io::Error::last_os_error());
    }
    INSTALLED.store(true, Ordering::SeqCst);
    Ok(())
}

/// Puts the program's own SIGSYS action back after a first pledge failed, so that a failed
/// pledge leaves the process as it was. Only valid while no reporting filter is installed.
pub fn restore_after_failure() {
    if let Some(SavedAction(old)) = PREVIOUS.lock().unwrap_or_else(|p| p.into_inner()).take() {
        // SAFETY: reinstalling an action the kernel gave us.
        unsafe { libc::sigaction(libc::SIGSYS, &old, std::ptr::null_mut()) };
        INSTALLED.store(false, Ordering::SeqCst);
    }
}

/// Whether the handler is in place (it cannot be replaced once a reporting filter exists).
pub fn installed() -> bool {
    INSTALLED.load(Ordering::SeqCst)
}

/// The calling thread's name (`PR_GET_NAME`), NUL-padded: asked without opening files.
pub fn thread_name() -> [u8; 16] {
    let mut comm = [0u8; 16];
    // SAFETY: PR_GET_NAME writes at most 16 bytes, NUL included, into the buffer.
    unsafe { libc::prctl(libc::PR_GET_NAME, comm.as_mut_ptr()) };
    comm
}

#[cfg(target_arch = "x86_64")]
fn syscall_args(uc: &libc::ucontext_t) -> [u64; 6] {
    let g = &uc.uc_mcontext.gregs;
    [
        g[libc::REG_RDI as usize] as u64,
        g[libc::REG_RSI as usize] as u64,
        g[libc::REG_RDX as usize] as u64,
        g[libc::REG_R10 as usize] as u64,
        g[libc::REG_R8 as usize] as u64,
        g[libc::REG_R9 as usize] as u64,
    ]
}

#[cfg(target_arch = "aarch64")]
fn syscall_args(uc: &libc::ucontext_t) -> [u64; 6] {
    let r = &uc.uc_mcontext.regs;
    [r[0], r[1], r[2], r[3], r[4], r[5]]
}

extern "C" fn on_sigsys<R: Reporter>(
    _sig: libc::c_int,
    info: *mut libc::siginfo_t,
    ucontext: *mut libc::c_void,
) {
    let mut line = Line::new();
    // SAFETY: the kernel passes a valid siginfo for SIGSYS: si_call_addr (pointer) at offset 16,
    // si_syscall (int) at 24 and si_arch (u32) at 28 of `siginfo_t`.
    let (nr, arch) = unsafe {
        let base = info as *const u8;
        (*(base.add(24) as *const i32), *(base.add(28) as *const u32))
    };
    // SAFETY: with SA_SIGINFO the third argument is the interrupted context.
    let args = unsafe { syscall_args(&*(ucontext as *const libc::ucontext_t)) };
    R::report(&Trapped { nr, arch, args }, &mut line);
    // SAFETY: write(2) of our own stack buffer; the report channel rule allows fd 2.
    unsafe {
        libc::write(2, line.buf.as_ptr() as *const libc::c_void, line.len);
        // SIGSYS is blocked here, so a second violation makes the kernel kill the process with
        // SIGSYS whatever handler or mask the program set. ptrace is denied under every promise.
        libc::syscall(libc::SYS_ptrace, -1i64, 0, 0, 0);
        libc::syscall(libc::SYS_exit_group, 128 + libc::SIGSYS);
    }
}
