//! The violation report: a SIGSYS handler that writes one line naming the system call and the
//! promise that would have allowed it, then makes sure the process dies of SIGSYS.
//!
//! The filter answers violations with `SECCOMP_RET_TRAP`. The kernel then forces a SIGSYS on
//! the thread: blocking or ignoring it only makes the kernel reset it to the default action
//! (death). A reporting filter refuses `rt_sigaction(SIGSYS, ...)`, so the handler cannot be
//! replaced once one is in force. The handler itself never returns: after writing, it repeats
//! a call every filter denies while SIGSYS is blocked (it is, inside its own handler), so the
//! kernel kills the whole process with SIGSYS; `exit_group` is the last resort. Nothing it reads from writable memory
//! can change that outcome: a corrupted promise set only makes the report wrong.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU8, Ordering};

use crate::policy::{promises_needed, Context};
use crate::{Arch, Promise, Promises};

static INSTALLED: AtomicBool = AtomicBool::new(false);
static PROMISES: AtomicU32 = AtomicU32::new(0);
static PID: AtomicU32 = AtomicU32::new(0);
static UID: AtomicU32 = AtomicU32::new(0);
static GID: AtomicU32 = AtomicU32::new(0);
static COMM: [AtomicU8; 16] = [const { AtomicU8::new(0) }; 16];

/// Records what the report needs and installs the handler (once).
pub fn install(promises: Promises, ctx: &Context) -> std::io::Result<()> {
    PROMISES.store(promises.bits(), Ordering::SeqCst);
    PID.store(ctx.pid, Ordering::SeqCst);
    UID.store(ctx.uid, Ordering::SeqCst);
    GID.store(ctx.gid, Ordering::SeqCst);
    if INSTALLED.load(Ordering::SeqCst) {
        return Ok(());
    }
    // Asked once, without opening files (a later pledge may no longer be allowed to).
    let mut comm = [0u8; 16];
    // SAFETY: PR_GET_NAME writes at most 16 bytes, NUL included, into the buffer.
    unsafe { libc::prctl(libc::PR_GET_NAME, comm.as_mut_ptr()) };
    for (byte, slot) in comm.iter().zip(&COMM) {
        slot.store(*byte, Ordering::SeqCst);
    }
    // SAFETY: a zeroed sigaction is a valid starting point; we set a handler with the
    // SA_SIGINFO signature and an empty extra mask (SIGSYS itself stays blocked while it runs).
    // The previous action is kept so that a pledge that fails can put it back.
    let r = unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_sigsys as *const () as usize;
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

/// The SIGSYS action the program had before the first reporting pledge.
struct SavedAction(libc::sigaction);
// SAFETY: a sigaction is plain data (a handler address, flags and a mask).
unsafe impl Send for SavedAction {}
static PREVIOUS: std::sync::Mutex<Option<SavedAction>> = std::sync::Mutex::new(None);

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

/// Updates the promise set the report compares against.
pub fn set_promises(promises: Promises) {
    PROMISES.store(promises.bits(), Ordering::SeqCst);
}

/// A fixed buffer that `write!` can fill without allocating.
struct Line {
    buf: [u8; 512],
    len: usize,
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

/// Formats the report line for a denied call. Allocation-free, so the handler can use it.
pub fn format_report(
    out: &mut dyn std::fmt::Write,
    comm: &str,
    pid: u32,
    held: Promises,
    ctx: &Context,
    name: &str,
    args: &[u64; 6],
) -> std::fmt::Result {
    write!(out, "pledge: {comm}[{pid}]: {name}(")?;
    if name == "socket" || name == "socketpair" {
        write!(
            out,
            "{}, {:#x}, {})",
            crate::policy::describe::family_name(args[0] as i32).unwrap_or("AF_?"),
            args[1] as u32,
            args[2] as u32
        )?;
    } else {
        for (i, a) in args.iter().take(3).enumerate() {
            if i > 0 {
                out.write_str(", ")?;
            }
            write!(out, "{a:#x}")?;
        }
        out.write_str(", ...)")?;
    }
    if let Some(needed) = promises_needed(held, ctx, name, args) {
        let plural = if needed.iter().count() > 1 { "s" } else { "" };
        write!(out, " needs promise{plural} \"{needed}\"")?;
    } else {
        write!(out, " is not allowed by any promise")?;
    }
    out.write_str("\n")
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

extern "C" fn on_sigsys(
    _sig: libc::c_int,
    info: *mut libc::siginfo_t,
    ucontext: *mut libc::c_void,
) {
    let mut line = Line {
        buf: [0; 512],
        len: 0,
    };
    // SAFETY: the kernel passes a valid siginfo for SIGSYS: si_call_addr (pointer) at offset 16,
    // si_syscall (int) at 24 and si_arch (u32) at 28 of `siginfo_t`.
    let (nr, arch) = unsafe {
        let base = info as *const u8;
        (*(base.add(24) as *const i32), *(base.add(28) as *const u32))
    };
    // SAFETY: with SA_SIGINFO the third argument is the interrupted context.
    let args = unsafe { syscall_args(&*(ucontext as *const libc::ucontext_t)) };
    let held = Promises::from_bits(PROMISES.load(Ordering::Relaxed));
    let ctx = Context {
        pid: PID.load(Ordering::Relaxed),
        uid: UID.load(Ordering::Relaxed),
        gid: GID.load(Ordering::Relaxed),
    };
    let mut comm_buf = [0u8; 16];
    for (b, slot) in comm_buf.iter_mut().zip(&COMM) {
        *b = slot.load(Ordering::Relaxed);
    }
    let comm_len = comm_buf.iter().position(|b| *b == 0).unwrap_or(16);
    let comm = std::str::from_utf8(&comm_buf[..comm_len]).unwrap_or("?");
    let native = Arch::native();
    let name = if arch == native.audit_arch() {
        native.syscall_name(nr as u32)
    } else {
        None
    };
    // A forked child has another pid; getpid is only safe to call under stdio.
    let pid = if held.contains(Promise::Stdio) {
        // SAFETY: getpid has no preconditions.
        unsafe { libc::getpid() as u32 }
    } else {
        ctx.pid
    };
    let _ = match name {
        Some(name) => format_report(&mut line, comm, pid, held, &ctx, name, &args),
        None => writeln!(line, "pledge: {comm}[{pid}]: system call {nr} denied"),
    };
    // SAFETY: write(2) of our own stack buffer; the report channel rule allows fd 2.
    unsafe {
        libc::write(2, line.buf.as_ptr() as *const libc::c_void, line.len);
        // SIGSYS is blocked here, so a second violation makes the kernel kill the process with
        // SIGSYS whatever handler or mask the program set. ptrace is denied under every promise.
        libc::syscall(libc::SYS_ptrace, -1i64, 0, 0, 0);
        libc::syscall(libc::SYS_exit_group, 128 + libc::SIGSYS);
    }
}
