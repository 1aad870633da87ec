//! The violation report: the line the SIGSYS handler of [`scopes_sys::sigsys`] writes when a
//! call is trapped, naming the system call and the promise that would have allowed it. That
//! module explains how the process then dies of SIGSYS whatever the program did; this one
//! formats the line with the promise table. It runs in the signal handler: it allocates
//! nothing, takes no lock, and reads only atomics.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU32, AtomicU8, Ordering};

use scopes_sys::sigsys::{self, Line, Trapped};

use crate::policy::{promises_needed, Context};
use crate::{Arch, Promise, Promises};

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
    if sigsys::installed() {
        return Ok(());
    }
    // Asked once, without opening files (a later pledge may no longer be allowed to).
    for (byte, slot) in sigsys::thread_name().iter().zip(&COMM) {
        slot.store(*byte, Ordering::SeqCst);
    }
    sigsys::install::<Report>()
}

pub use scopes_sys::sigsys::{installed, restore_after_failure};

/// Updates the promise set the report compares against.
pub fn set_promises(promises: Promises) {
    PROMISES.store(promises.bits(), Ordering::SeqCst);
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
            match crate::policy::describe::argument_name(ctx, name, args, i) {
                Some(constant) => out.write_str(constant)?,
                None => write!(out, "{a:#x}")?,
            }
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

/// The library's reporter.
struct Report;

impl sigsys::Reporter for Report {
    fn report(trapped: &Trapped, line: &mut Line) {
        report(trapped, line)
    }
}

/// Writes the line for `trapped` into the handler's buffer.
fn report(trapped: &Trapped, line: &mut Line) {
    let Trapped { nr, arch, args } = *trapped;
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
        scopes_sys::process::getpid() as u32
    } else {
        ctx.pid
    };
    let _ = match name {
        Some(name) => format_report(line, comm, pid, held, &ctx, name, &args),
        None => writeln!(line, "pledge: {comm}[{pid}]: system call {nr} denied"),
    };
}
