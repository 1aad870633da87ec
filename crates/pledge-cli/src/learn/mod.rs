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

mod capture;
mod observer;
mod output;
mod replay;
mod touch;

use std::fs::File;
use std::io::Write as _;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use scopes::policy::{Context, CurrentContext as _};
use scopes::{Permissions, Promises};

use crate::options::Run;
use crate::program::{LaunchError, Program, Start};
use crate::supervisor::{self, Outcome};
use crate::{error, EXIT_ERROR};
use observer::Observer;

/// Runs `run`'s program observed and writes the suggestion to `output` (stderr when `None`).
/// Returns the program's exit status (or 125 and the like for the command's own errors).
/// With `verify`, the program is run again under the suggestion to prove it (see
/// [`replay`]).
pub fn learn(run: &Run, output: Option<&Path>, verify: bool) -> i32 {
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
    // With --verify, the input is kept for the replays and the output recorded as it passes.
    let input = if verify {
        match capture::Input::capture() {
            Ok(i) => Some(i),
            Err(e) => {
                error(&format!(
                    "--verify: reading standard input: {}",
                    crate::describe_io(&e)
                ));
                return EXIT_ERROR;
            }
        }
    } else {
        None
    };
    // Observed under the empty promise set: every call beyond it stops at the observer.
    let observed = Run {
        promises: Promises::EMPTY,
        unveils: Vec::new(),
        kill: false,
        quiet: true,
        keep_capabilities: true,
        observed: true,
        ..run.clone()
    };
    let started = Instant::now();
    let (child, recorders) =
        match start(&observed, &program, preload.as_ref(), mask, input.as_ref()) {
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
    let child_pid = child.pid as u32;
    let mut observer = Observer::new(
        Context {
            pid: child.pid as u32,
            ..here
        },
        program.scripts.clone(),
        program.start == Start::Dynamic,
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
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let mut suggestion = observer.learner.suggest(
        |p| p.exists(),
        |p, access, promises| {
            executed.iter().any(|e| e == p) || scopes::learn::implied(promises, p, access)
        },
        home.as_deref(),
    );
    keep_scripts_readable(&mut suggestion, &program, child_pid);
    keep_harmless_readable(&mut suggestion, &observer.harmless_files, &here, child_pid);
    let verdict = match (input.as_ref(), recorders) {
        (Some(input), Some((out, err))) => {
            let (stdout, out_done) = out.finish(Duration::from_secs(2));
            let (stderr, err_done) = err.finish(Duration::from_secs(2));
            if !out_done || !err_done {
                Some(replay::Verdict::NotVerified(
                    "not replayed: a process the program started still holds its output open"
                        .into(),
                ))
            } else {
                let ran = replay::Ran {
                    status,
                    stdout,
                    stderr,
                };
                let changed = observer.learner.touched().uses().any(|(p, u)| {
                    (u.access.contains(Permissions::WRITE)
                        || u.access.contains(Permissions::CREATE))
                        && !scopes::policy::harmless::is_harmless_read(p)
                        && !p.starts_with("/dev")
                });
                Some(replay::verify(
                    &mut suggestion,
                    run,
                    input,
                    &ran,
                    wall,
                    changed,
                ))
            }
        }
        _ => None,
    };
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
            verdict: verdict.as_ref(),
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

/// Starts the observed program. With `input` (`--verify`), its standard input is the one every
/// replay gets too, and its output and error go through pipes whose [`capture::Recorder`]s
/// pass them on and keep them. The command's own descriptors are swapped only around the fork,
/// which must happen while this process is single-threaded: the threads start after.
fn start(
    observed: &Run,
    program: &Program,
    preload: Option<&crate::preload::Preload>,
    mask: crate::sys::SigSet,
    input: Option<&capture::Input>,
) -> std::io::Result<(
    crate::launch::Child,
    Option<(capture::Recorder, capture::Recorder)>,
)> {
    let Some(input) = input else {
        return Ok((
            crate::launch::spawn(observed, program, preload, mask)?,
            None,
        ));
    };
    let (stdin, writer) = input.for_run()?;
    let (out_r, out_w) = std::io::pipe()?;
    let (err_r, err_w) = std::io::pipe()?;
    let (out_w, err_w): (OwnedFd, OwnedFd) = (out_w.into(), err_w.into());
    // A terminal stays the observed run's own (replays get /dev/null).
    let keep_terminal = matches!(input, capture::Input::Terminal);
    let swapped = capture::Swapped::new([
        (!keep_terminal).then_some(&stdin),
        Some(&out_w),
        Some(&err_w),
    ])?;
    let (to_out, to_err) = (swapped.original(1), swapped.original(2));
    let child = crate::launch::spawn(observed, program, preload, mask);
    drop(swapped);
    let child = child?;
    drop((stdin, out_w, err_w));
    input.feed(writer);
    let recorders = (
        capture::Recorder::start(out_r, to_out),
        capture::Recorder::start(err_r, to_err),
    );
    Ok((child, Some(recorders)))
}

/// Under unveil entries, a `#!` script must be one of them: the interpreter opens it by path
/// after the unveil layer is in place (the command hands it over itself only when the promises
/// do not let the interpreter open files at all). Its opening is not counted as a need, so it
/// is added here.
fn keep_scripts_readable(s: &mut scopes::learn::Suggestion, program: &Program, pid: u32) {
    if s.unveil.is_empty() {
        return;
    }
    for script in &program.scripts {
        let Ok(path) = std::fs::canonicalize(script) else {
            continue;
        };
        if s.unveil
            .iter()
            .any(|(p, a)| path.starts_with(p) && a.contains(Permissions::READ))
        {
            continue;
        }
        let at = s.unveil.partition_point(|(p, _)| *p < path);
        s.unveil.insert(at, (path.clone(), Permissions::READ));
        s.unveil_reasons.insert(
            at,
            Some(scopes::learn::Example {
                pid,
                program: "#!".into(),
                call: "the interpreter reads its script".into(),
            }),
        );
    }
}

/// Harmless reads reach the command, which serves them, only under promises that do not let a
/// read-only `open` through; under promises that do (`rpath`, `getpw`...), Landlock decides,
/// so each harmless file the program read needs an entry whenever a Landlock layer will apply:
/// there are entries already, or the promises reach only some paths. (Under `rpath` with no
/// entry at all everything is readable, and an entry would hide the rest.)
fn keep_harmless_readable(
    s: &mut scopes::learn::Suggestion,
    files: &std::collections::BTreeMap<PathBuf, scopes::learn::Example>,
    ctx: &Context,
    pid: u32,
) {
    let read = [
        libc::AT_FDCWD as u32 as u64,
        0,
        libc::O_RDONLY as u64,
        0,
        0,
        0,
    ];
    let ctx = Context { pid, ..*ctx };
    let opens = scopes::policy::decide_by_name(s.promises, false, &ctx, "openat", &read)
        == scopes::policy::Decision::Allow;
    let everything = s.promises.contains(scopes::Promise::Rpath);
    if !opens || (everything && s.unveil.is_empty()) {
        return;
    }
    for (path, example) in files {
        let covered = s
            .unveil
            .iter()
            .any(|(p, a)| path.starts_with(p) && a.contains(Permissions::READ));
        if covered || scopes::learn::implied(s.promises, path, Permissions::READ) {
            continue;
        }
        let at = s.unveil.partition_point(|(p, _)| p < path);
        s.unveil.insert(at, (path.clone(), Permissions::READ));
        s.unveil_reasons.insert(at, Some(example.clone()));
    }
}
