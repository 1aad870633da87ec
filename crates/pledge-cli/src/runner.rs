//! The one path from a command line to a supervised program that has ended, shared by running
//! (`pledge PROGRAM`, [`crate::enforce::Enforcing`]) and learning (`pledge --learn PROGRAM`,
//! [`crate::learn`]): finding the program, the checks that must pass before anything starts,
//! the signals, the start ([`crate::launch`]: subreaper, parent-death signal, signal scoping,
//! descriptor hygiene, limits, the filters) and the supervision ([`crate::supervisor`]). What
//! differs is a [`Mode`]: the handler that answers the stopped calls, what it opens before the
//! program exists, and how the child is started.

use std::io;
use std::time::{Duration, Instant};

use scopes::policy::{Context, CurrentContext as _};

use crate::launch::{self, Child};
use crate::options::Run;
use crate::preload::Preload;
use crate::program::{self, LaunchError, Program, Start};
use crate::rules::Rule;
use crate::supervisor::{self, Handler, Outcome};
use crate::sys::{self, SigSet};
use crate::{decode, describe_io, error, EXIT_ERROR};

/// What differs between enforcing promises and observing a program.
pub trait Mode {
    /// What [`Mode::prepare`] opens before the program exists, for the handler.
    type Prepared;
    /// Answers the program's stopped calls.
    type Handler: Handler;

    /// Runs once the program is found and every shared check passed, before the program
    /// exists: opens what the handler must hold before the program could swap it. `Err` holds
    /// the exit status, the error already said.
    fn prepare(&mut self, program: &Program) -> Result<Self::Prepared, i32>;

    /// Starts the child ([`launch::spawn`] unless the mode wraps it), while this process is
    /// still single-threaded.
    fn spawn(
        &mut self,
        run: &Run,
        program: &Program,
        preload: Option<&Preload>,
        mask: SigSet,
    ) -> io::Result<Child> {
        launch::spawn(run, program, preload, mask)
    }

    /// The handler for the started program, whose filter is specialised with `ctx`.
    fn handler(
        &mut self,
        prepared: Self::Prepared,
        program: &Program,
        ctx: Context,
    ) -> Self::Handler;
}

/// A program that ran to its end under supervision.
pub struct Finished<H> {
    /// The program, as found.
    pub program: Program,
    /// The handler, with what it gathered.
    pub handler: H,
    /// The values the program's filter was specialised with (its pid among them).
    pub ctx: Context,
    /// Its exit status (128 + N for signal N; 128 + SIGSYS when killed under `-k`).
    pub status: i32,
    /// From its start to its end.
    pub wall: Duration,
}

/// Finds `run`'s program, starts it and supervises it to its end, as `mode` says. `Err` holds
/// the exit status when it could not be run or never got its sandbox (the error already said):
/// 127 or 126 for a program that cannot be found or executed, 125 for the command's own
/// failures.
pub fn run<M: Mode>(run: &Run, mode: &mut M) -> Result<Finished<M::Handler>, i32> {
    let program = find(run)?;
    let preload = match program.start {
        Start::Dynamic => Some(Preload::get().map_err(|text| fail(&text))?),
        Start::Static => None,
    };
    check_kernel_and_settings()?;
    let (signals, mask) = supervisor::take_signals().map_err(|e| {
        fail(&format!(
            "setting up signal forwarding: {}",
            describe_io(&e)
        ))
    })?;
    let prepared = mode.prepare(&program)?;
    let started = Instant::now();
    let child = mode
        .spawn(run, &program, preload.as_ref(), mask)
        .map_err(|e| {
            fail(&format!(
                "starting {}: {}",
                program.path.display(),
                describe_io(&e)
            ))
        })?;
    let ctx = Context {
        pid: child.pid as u32,
        ..Context::current()
    };
    let mut handler = mode.handler(prepared, &program, ctx);
    let status = match supervisor::supervise(child, program.start, signals, &mut handler) {
        Outcome::Ended(ended) => ended.code(),
        Outcome::Killed => 128 + libc::SIGSYS,
        Outcome::Failed { why, status } => {
            // Written on the program's side of the handshake: shown escaped, like reports.
            error(&decode::escape(why.as_bytes()));
            return Err(status);
        }
    };
    Ok(Finished {
        program,
        handler,
        ctx,
        status,
        wall: started.elapsed(),
    })
}

/// Says `text` and gives the command's own exit status.
fn fail(text: &str) -> i32 {
    error(text);
    EXIT_ERROR
}

/// The program to execute, judged, once the `-v` paths are known to exist.
fn find(run: &Run) -> Result<Program, i32> {
    let program = match program::resolve(&run.program) {
        Ok(p) => p,
        Err(LaunchError::NotFound(text)) => {
            error(&text);
            return Err(127);
        }
        Err(LaunchError::CannotExecute(text)) => {
            error(&text);
            return Err(126);
        }
    };
    for rule in &run.unveils {
        let Rule::Unveil { permissions, path } = rule else {
            continue;
        };
        if let Err(e) = std::fs::symlink_metadata(path) {
            return Err(fail(&format!(
                "-v {permissions}:{}: {}",
                path.display(),
                describe_io(&e)
            )));
        }
    }
    Ok(program)
}

/// What must hold before anything starts: a valid `$PLEDGE_HANDSHAKE_TIMEOUT`, and a kernel
/// with seccomp user notification.
fn check_kernel_and_settings() -> Result<(), i32> {
    supervisor::handshake_timeout().map_err(|text| fail(&text))?;
    sys::notif::check_sizes().map_err(|e| {
        fail(&format!(
            "the kernel lacks seccomp user notification (Linux 5.0): {}",
            describe_io(&e)
        ))
    })
}
