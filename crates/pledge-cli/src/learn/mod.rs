//! `pledge --learn [-o FILE] PROGRAM [ARGS...]`: runs the program once, observed but not
//! restricted, and prints the smallest pledge that would have let it do what it did (see
//! docs/learn.md).
//!
//! The program starts exactly as under enforcement, through the same [`crate::runner::run`],
//! with the empty promise set: the same startup filter lets the dynamic loader work, the same
//! preload and handshake mark the point where the program's own promises begin, and the same
//! program filter stops every call `pledge("")` would not allow. The only difference is the
//! [`Handler`](crate::supervisor): the [`Observer`] records each stopped call and lets it run
//! (and, under `--verify`, the output is recorded). So the loader's needs are left
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
use std::time::Duration;

use scopes::policy::Context;
use scopes::{Permissions, Promises};

use crate::options::Run;
use crate::program::{Program, Start};
use crate::runner::{self, Finished};
use crate::window::Windows;
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
    let mut mode = Learning {
        verify,
        input: None,
        recorders: None,
    };
    let Finished {
        program,
        handler: mut observer,
        ctx,
        status,
        wall,
    } = match runner::run(&observed, &mut mode) {
        Ok(finished) => finished,
        // No suggestion from a run that never reached the program.
        Err(status) => return status,
    };
    let mut suggestion = suggest(&mut observer, &program, &ctx);
    let verdict = match (mode.input.as_ref(), mode.recorders) {
        (Some(input), Some(recorders)) => Some(replayed(
            &mut suggestion,
            run,
            input,
            recorders,
            &mut observer,
            status,
            wall,
        )),
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

/// The suggestion from what `observer` saw of `program` (whose filter had `ctx`).
fn suggest(observer: &mut Observer, program: &Program, ctx: &Context) -> scopes::learn::Suggestion {
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
    keep_scripts_readable(&mut suggestion, program, ctx.pid);
    keep_harmless_readable(&mut suggestion, &observer.harmless_files, ctx, ctx.pid);
    suggestion
}

/// `--verify`: replays the program under `suggestion` (see [`replay`]) once the observed run's
/// output is recorded, and narrows the suggestion in place.
fn replayed(
    suggestion: &mut scopes::learn::Suggestion,
    run: &Run,
    input: &capture::Input,
    (out, err): (capture::Recorder, capture::Recorder),
    observer: &mut Observer,
    status: i32,
    wall: Duration,
) -> replay::Verdict {
    let (stdout, out_done) = out.finish(Duration::from_secs(2));
    let (stderr, err_done) = err.finish(Duration::from_secs(2));
    if !out_done || !err_done {
        return replay::Verdict::NotVerified(
            "not replayed: a process the program started still holds its output open".into(),
        );
    }
    let ran = replay::Ran {
        status,
        stdout,
        stderr,
    };
    let changed = observer.learner.touched().uses().any(|(p, u)| {
        (u.access.contains(Permissions::WRITE) || u.access.contains(Permissions::CREATE))
            && !scopes::policy::harmless::is_harmless_read(p)
            && !p.starts_with("/dev")
    });
    replay::verify(suggestion, run, input, &ran, wall, changed)
}

/// Observing a program (`pledge --learn`): the [`runner::Mode`] whose handler is an
/// [`Observer`].
struct Learning {
    /// `--verify`: standard input is captured for the replays, and the output recorded.
    verify: bool,
    /// The captured standard input, with `--verify`.
    input: Option<capture::Input>,
    /// What the observed run wrote, with `--verify`.
    recorders: Option<(capture::Recorder, capture::Recorder)>,
}

impl runner::Mode for Learning {
    type Prepared = Windows;
    type Handler = Observer;

    fn prepare(&mut self, _program: &Program) -> Result<Windows, i32> {
        if self.verify {
            // With --verify, the input is kept for the replays.
            match capture::Input::capture() {
                Ok(i) => self.input = Some(i),
                Err(e) => {
                    error(&format!(
                        "--verify: reading standard input: {}",
                        crate::describe_io(&e)
                    ));
                    return Err(EXIT_ERROR);
                }
            }
        }
        Ok(Windows::learning())
    }

    fn spawn(
        &mut self,
        run: &Run,
        program: &Program,
        preload: Option<&crate::preload::Preload>,
        mask: crate::sys::SigSet,
    ) -> std::io::Result<crate::launch::Child> {
        let (child, recorders) = start(run, program, preload, mask, self.input.as_ref())?;
        self.recorders = recorders;
        Ok(child)
    }

    fn handler(&mut self, windows: Windows, program: &Program, ctx: Context) -> Observer {
        Observer::new(
            ctx,
            program.scripts.clone(),
            program.start == Start::Dynamic,
            windows,
        )
    }
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
