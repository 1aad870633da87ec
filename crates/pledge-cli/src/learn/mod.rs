//! `pledge --learn [-o FILE] PROGRAM [ARGS...]`: runs the program once, observed but not
//! restricted, and prints the smallest pledge that would have let it do what it did (see
//! docs/learn.md).
//!
//! The program starts exactly as under enforcement, with the empty promise set: the same
//! startup filter lets the dynamic loader work, the same preload and handshake mark the point
//! where the program's own promises begin, and the same program filter stops every call
//! `pledge("")` would not allow. The only difference is the [`Handler`](crate::supervisor):
//! the [`Observer`] records each stopped call and lets it run. So the loader's needs are left
//! out of the suggestion exactly as the enforcement admits them, children (forked or
//! executed) are followed by the filter they inherit, and the program's exit status is the
//! command's.

mod observer;
mod output;
mod touch;

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use scopes::policy::Context;
use scopes::Promises;

use crate::options::Run;
use crate::program::{LaunchError, Start};
use crate::supervisor::{self, Outcome};
use crate::{error, EXIT_ERROR};
use observer::Observer;

/// Runs `run`'s program observed and writes the suggestion to `output` (stderr when `None`).
/// Returns the program's exit status (or 125 and the like for the command's own errors).
pub fn learn(run: &Run, output: Option<&Path>) -> i32 {
    // Opened first: a bad -o must not cost a run of the program.
    let mut sink = match output.map(File::create).transpose() {
        Ok(f) => f,
        Err(e) => {
            error(&format!(
                "-o {}: {}",
                output.unwrap_or(Path::new("")).display(),
                crate::describe_io(&e)
            ));
            return EXIT_ERROR;
        }
    };
    let program = match crate::program::resolve(&run.program) {
        Ok(p) => p,
        Err(LaunchError::NotFound(text)) => {
            error(&text);
            return 127;
        }
        Err(LaunchError::CannotExecute(text)) => {
            error(&text);
            return 126;
        }
    };
    let preload = match program.start {
        Start::Dynamic => match crate::preload::Preload::get() {
            Ok(p) => Some(p),
            Err(text) => {
                error(&text);
                return EXIT_ERROR;
            }
        },
        Start::Static => None,
    };
    if let Err(e) = crate::sys::notif::check_sizes() {
        error(&format!(
            "the kernel lacks seccomp user notification (Linux 5.0): {}",
            crate::describe_io(&e)
        ));
        return EXIT_ERROR;
    }
    let (signals, mask) = match supervisor::take_signals() {
        Ok(s) => s,
        Err(e) => {
            error(&format!(
                "setting up signal forwarding: {}",
                crate::describe_io(&e)
            ));
            return EXIT_ERROR;
        }
    };
    // Observed under the empty promise set: every call beyond it stops at the observer.
    let observed = Run {
        promises: Promises::EMPTY,
        unveils: Vec::new(),
        kill: false,
        quiet: true,
        ..run.clone()
    };
    let started = Instant::now();
    let child = match crate::launch::spawn(&observed, &program, preload.as_ref(), mask) {
        Ok(c) => c,
        Err(e) => {
            error(&format!(
                "starting {}: {}",
                program.path.display(),
                crate::describe_io(&e)
            ));
            return EXIT_ERROR;
        }
    };
    let here = Context::current();
    let mut observer = Observer::new(
        Context {
            pid: child.pid as u32,
            ..here
        },
        program.scripts.clone(),
    );
    let status = match supervisor::supervise(child, program.start, signals, &mut observer) {
        Outcome::Ended(ended) => ended.code(),
        Outcome::Killed => 128 + libc::SIGKILL,
        Outcome::Failed { why, status } => {
            // No suggestion from a run that never reached the program.
            error(&why);
            return status;
        }
    };
    let wall = started.elapsed();

    let executed: Vec<PathBuf> = program
        .executed
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    // Under -v the command keeps reachable the files it executes and the paths the promises
    // imply (as a library caller's unveil does): neither needs suggesting.
    let suggestion = observer.learner.suggest(
        |p| p.exists(),
        |p, access, promises| {
            executed.iter().any(|e| e == p) || scopes::learn::implied(promises, p, access)
        },
    );
    let text = output::report(
        &suggestion,
        &output::Run {
            program: &run.program,
            args: &run.args,
            status,
            wall,
            stopped: observer.stopped,
            unnamed: observer.unnamed,
            busy: observer.busy,
        },
    );
    let written = match sink.as_mut() {
        Some(f) => f.write_all(&text).and_then(|_| f.flush()),
        None => crate::sys::write_all(2, &text),
    };
    if let Err(e) = written {
        let to = output.map_or("stderr".to_string(), |p| p.display().to_string());
        error(&format!(
            "writing the suggestion to {to}: {}",
            crate::describe_io(&e)
        ));
        // The program's status still tells how it ended; a lost suggestion is the command's error.
        return if status == 0 { EXIT_ERROR } else { status };
    }
    status
}
