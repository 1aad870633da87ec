//! `--verify`: the program runs again under the suggested command line, with `-k` and the same
//! input, and its exit status and output are compared with the observed run's. A suggestion
//! that reproduces them is narrowed further, one promise and one unveil entry at a time, as
//! long as the runs stay the same. What was proven, or why nothing could be, is said plainly.

use std::ffi::OsString;
use std::io;
use std::os::unix::process::ExitStatusExt as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use scopes::learn::Suggestion;
use scopes::policy::paths::PATH_GRANTS;
use scopes::{Permissions, Promise, Promises};

use super::capture::{Input, Recorder};
use crate::options::Run;
use crate::sys;

/// How one run ended and what it wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ran {
    /// Exit status (128 + N for signal N).
    pub status: i32,
    /// Standard output.
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: Vec<u8>,
}

/// What replay established.
#[derive(Debug)]
pub enum Verdict {
    /// The suggestion (possibly narrowed) reproduced the observed run under `-k`.
    Verified {
        /// Runs made under the suggestion and narrower ones.
        runs: u32,
        /// Promises and unveil entries replay showed to be unnecessary, dropped.
        dropped: Vec<String>,
        /// The probes had to be allowed after all (the program did not survive their refusal).
        probes_needed: bool,
    },
    /// Nothing was proven; the text says why.
    NotVerified(String),
}

/// Promises whose runs change things outside the program (files, the network, the clock,
/// ids): replaying them could do it again.
const SIDE_EFFECTS: &[Promise] = &[
    Promise::Wpath,
    Promise::Cpath,
    Promise::Dpath,
    Promise::Tmppath,
    Promise::Fattr,
    Promise::Chown,
    Promise::Inet,
    Promise::Mcast,
    Promise::Unix,
    Promise::Dns,
    Promise::Netlink,
    Promise::Settime,
    Promise::Id,
];

/// At most this many replays in all.
const MAX_RUNS: u32 = 40;

/// Replays the program to verify `s` and narrows it in place. `observed` is the observed run;
/// `changed_files` says whether it wrote, created or removed anything.
pub fn verify(
    s: &mut Suggestion,
    run: &Run,
    input: &Input,
    observed: &Ran,
    wall: Duration,
    changed_files: bool,
) -> Verdict {
    let effects: Vec<&str> = SIDE_EFFECTS
        .iter()
        .filter(|p| s.with_probes.contains(**p))
        .map(|p| p.word())
        .collect();
    if !effects.is_empty() || changed_files {
        let what = if effects.is_empty() {
            "it wrote, created or removed files".to_string()
        } else {
            format!("it needs {} (side effects)", effects.join(" "))
        };
        return Verdict::NotVerified(format!(
            "not replayed: {what}; running it again could repeat them"
        ));
    }
    // Generous: the replay is not observed, so it runs faster than the observed run.
    let limit = wall * 10 + Duration::from_secs(10);
    let mut runs = 0;
    let attempt = |runs: &mut u32, promises: Promises, unveil: &[(PathBuf, Permissions)]| {
        *runs += 1;
        replay(run, promises, unveil, input, limit)
    };
    let first = match attempt(&mut runs, s.promises, &s.unveil) {
        Ok(r) => r,
        Err(e) => return Verdict::NotVerified(format!("replay failed to start: {e}")),
    };
    let mut probes_needed = false;
    if &first != observed {
        // Did the program do the same unwatched? If not, no comparison can prove anything.
        match plain(run, input, limit) {
            Ok(again) if &again != observed => {
                return Verdict::NotVerified(format!(
                    "two runs without any restriction differed ({}): the program is not \
                     deterministic, so replay cannot prove the suggestion",
                    difference(observed, &again)
                ))
            }
            Err(e) => return Verdict::NotVerified(format!("replay failed to start: {e}")),
            Ok(_) => {}
        }
        let wider = s.with_probes;
        let recovered = wider != s.promises
            && attempt(&mut runs, wider, &s.unveil).is_ok_and(|r| &r == observed);
        if !recovered {
            return Verdict::NotVerified(format!(
                "the program did not run the same under the suggestion with -k ({}){}",
                difference(observed, &first),
                tail(&first.stderr)
            ));
        }
        s.promises = wider;
        probes_needed = true;
    }
    // Narrow: each promise, then each unveil entry, dropped while the runs stay the same.
    let mut dropped = Vec::new();
    for p in s.promises.iter().collect::<Vec<_>>() {
        if runs >= MAX_RUNS {
            break;
        }
        let fewer = s.promises.without(p);
        if attempt(&mut runs, fewer, &s.unveil).is_ok_and(|r| &r == observed) {
            s.promises = fewer;
            dropped.push(format!("promise {}", p.word()));
        }
    }
    let mut i = 0;
    while i < s.unveil.len() && runs < MAX_RUNS {
        let mut fewer = s.unveil.clone();
        fewer.remove(i);
        // Without any entry the promises' own reach applies: all of / for rpath.
        let widens = fewer.is_empty() && unlimited(s.promises);
        if !widens && attempt(&mut runs, s.promises, &fewer).is_ok_and(|r| &r == observed) {
            let (path, access) = s.unveil.remove(i);
            s.unveil_reasons.remove(i);
            dropped.push(format!("unveil {access}:{}", path.display()));
        } else {
            i += 1;
        }
    }
    s.reasons.retain(|(p, _)| s.promises.contains(*p));
    Verdict::Verified {
        runs,
        dropped,
        probes_needed,
    }
}

/// Whether one of the promises reaches (nearly) every path by itself.
fn unlimited(promises: Promises) -> bool {
    PATH_GRANTS
        .iter()
        .any(|g| g.unlimited() && g.needs.satisfied_by(promises, false))
}

/// What differs between two runs, in a few words.
fn difference(a: &Ran, b: &Ran) -> String {
    let mut parts = Vec::new();
    if a.status != b.status {
        parts.push(format!("exit status {} instead of {}", b.status, a.status));
    }
    if a.stdout != b.stdout {
        parts.push("different standard output".to_string());
    }
    if a.stderr != b.stderr {
        parts.push("different standard error".to_string());
    }
    parts.join(", ")
}

/// The replay's last report line, if it made one.
fn tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    text.lines()
        .rev()
        .find(|l| l.starts_with("pledge: "))
        .map(|l| format!(": {}", crate::decode::escape(l.as_bytes())))
        .unwrap_or_default()
}

/// Runs `pledge -k -p PROMISES -v ... -- PROGRAM ARGS` with the same input and options.
fn replay(
    run: &Run,
    promises: Promises,
    unveil: &[(PathBuf, Permissions)],
    input: &Input,
    limit: Duration,
) -> io::Result<Ran> {
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.arg("-k").arg("-p").arg(promises.to_string());
    for (path, access) in unveil {
        let mut entry = OsString::from(format!("{access}:"));
        entry.push(path);
        cmd.arg("-v").arg(entry);
    }
    let l = &run.limits;
    for (option, value) in [
        ("--cpu", l.cpu),
        ("--as", l.address_space),
        ("--fsize", l.file_size),
        ("--nproc", l.processes),
        ("--nofile", l.open_files),
    ] {
        if let Some(v) = value {
            cmd.arg(option).arg(v.to_string());
        }
    }
    if run.close_fds {
        cmd.arg("--close-fds");
    }
    if run.drop_caps {
        cmd.arg("--drop-caps");
    }
    cmd.arg("--").arg(&run.program).args(&run.args);
    collect(cmd, input, limit)
}

/// Runs the program once without any restriction, with the same input.
fn plain(run: &Run, input: &Input, limit: Duration) -> io::Result<Ran> {
    let mut cmd = Command::new(&run.program);
    cmd.args(&run.args);
    collect(cmd, input, limit)
}

fn collect(mut cmd: Command, input: &Input, limit: Duration) -> io::Result<Ran> {
    let (stdin, writer) = input.for_run()?;
    let (out_r, out_w) = io::pipe()?;
    let (err_r, err_w) = io::pipe()?;
    cmd.stdin(Stdio::from(stdin))
        .stdout(Stdio::from(out_w))
        .stderr(Stdio::from(err_w));
    let mut child = cmd.spawn()?;
    // The pipes' write ends now live in the child only (Command dropped its copies).
    drop(cmd);
    input.feed(writer);
    let out = Recorder::start(out_r, None);
    let err = Recorder::start(err_r, None);
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            // SIGTERM first: pledge passes it on to the program and ends with it.
            let _ = sys::kill(child.id() as i32, libc::SIGTERM);
            std::thread::sleep(Duration::from_secs(1));
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("the replay took more than {} s", limit.as_secs()),
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let code = status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
    let (stdout, done_out) = out.finish(Duration::from_secs(2));
    let (stderr, done_err) = err.finish(Duration::from_secs(2));
    if !done_out || !done_err {
        return Err(io::Error::other(
            "a process the program started still holds its output open",
        ));
    }
    Ok(Ran {
        status: code,
        stdout,
        stderr,
    })
}
