//! The enforcing [`Handler`]: every stopped call is a violation (or an `execve` under `exec`,
//! the interpreter reading its script, or a harmless read the command serves itself:
//! [`crate::broker`]). Violations are reported on stderr, naming the
//! promise that would allow them, and fail with EPERM (ENOSYS under `error`), or kill the
//! program with `-k`. A program installing its own seccomp filter is reported too (and killed
//! with `-k`): what that filter refuses never reaches the supervisor.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd as _;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

use scopes::policy::{decide_by_name, promises_needed, Context, Decision};
use scopes::{Promise, Promises};

use crate::decode;
use crate::options::Run;
use crate::program::Program;
use crate::runner;
use crate::supervisor::{Answer, Call, Handler};

/// Enforces a promise set on the stopped calls.
pub struct Enforcer {
    /// The promises the program holds.
    pub promises: Promises,
    /// The values its filter was specialised with (its pid, uid, gid).
    pub ctx: Context,
    /// `-k`.
    pub kill: bool,
    /// `-q`.
    pub quiet: bool,
    /// Script files the interpreter may read even without a promise that opens files, opened
    /// before the program started.
    pub scripts: Vec<Script>,
    /// Serves the harmless files of `scopes::policy::harmless` when their open is denied.
    pub broker: crate::broker::Broker,
    /// The loader's windows of the programs started by `exec`.
    pub windows: crate::window::Windows,
    /// Denials seen so far, for coalescing repeats and the summary at exit.
    pub seen: Denials,
    /// The paths of the `-v` rules (resolved), to tell when a promise alone would not help.
    pub unveiled: Vec<PathBuf>,
}

/// Running a program under its promises (`pledge PROGRAM`): the [`runner::Mode`] whose
/// handler is an [`Enforcer`].
pub struct Enforcing<'a> {
    /// The command line.
    pub run: &'a Run,
}

/// What an [`Enforcer`] holds that is opened before the program exists, so that the program
/// cannot swap it for something else.
pub struct Opened {
    broker: crate::broker::Broker,
    windows: crate::window::Windows,
    scripts: Vec<Script>,
}

impl runner::Mode for Enforcing<'_> {
    type Prepared = Opened;
    type Handler = Enforcer;

    fn prepare(&mut self, program: &Program) -> Result<Opened, i32> {
        Ok(Opened {
            broker: crate::broker::Broker::new(self.run.promises),
            windows: crate::window::Windows::new(self.run.promises),
            scripts: program.scripts.iter().map(|p| Script::open(p)).collect(),
        })
    }

    fn handler(&mut self, opened: Opened, _program: &Program, ctx: Context) -> Enforcer {
        let run = self.run;
        Enforcer {
            promises: run.promises,
            ctx,
            kill: run.kill,
            quiet: run.quiet,
            scripts: opened.scripts,
            broker: opened.broker,
            windows: opened.windows,
            seen: Denials::default(),
            unveiled: run
                .unveils
                .iter()
                .filter_map(|u| u.unveiled())
                .map(|path| std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
                .collect(),
        }
    }
}

/// The distinct denials of a run: a program that makes the same denied call again and again
/// gets one report line and a count, not a line per call.
#[derive(Default)]
pub struct Denials {
    /// By process name and call text: the count and what would allow it.
    counts: std::collections::HashMap<String, (u64, String)>,
    /// The keys, in the order they were first seen.
    order: Vec<String>,
    /// Whether any report was held back as a repeat.
    repeated: bool,
}

/// The most distinct denials remembered: beyond it, new ones are reported every time (a
/// program cannot make the supervisor's memory grow without bound).
pub const MAX_DISTINCT: usize = 4096;

impl Denials {
    /// Counts one denial; `true` when it is the first of its kind (or beyond memory), so that it
    /// must be reported.
    fn first(&mut self, key: &str, needs: &str) -> bool {
        if let Some((count, _)) = self.counts.get_mut(key) {
            *count += 1;
            self.repeated = true;
            return false;
        }
        if self.counts.len() < MAX_DISTINCT {
            self.counts.insert(key.to_string(), (1, needs.to_string()));
            self.order.push(key.to_string());
        }
        true
    }

    /// The summary: each distinct denial once, with its count and what would allow it; empty
    /// when no report was held back.
    pub fn summary(&self) -> String {
        if !self.repeated {
            return String::new();
        }
        let mut out = String::from("pledge: summary of the denied calls (each distinct call once, with how often it was made):\n");
        for key in &self.order {
            let (count, needs) = &self.counts[key];
            out.push_str(&format!("pledge: {count:>8} x {key}: {needs}\n"));
        }
        out
    }
}

/// A `#!` script, opened by the command before the program starts: the interpreter is handed
/// this very file, whatever its path names by the time the interpreter opens it.
pub struct Script {
    /// The path the interpreter is given (as `execve` was).
    pub path: PathBuf,
    /// The file, when it could be opened as a regular file.
    file: Option<File>,
}

impl Script {
    /// Opens the script at `path` (before the program runs, so the program has had no chance to
    /// replace it). Never blocks (`O_NONBLOCK`: a FIFO put there would), and keeps the file only
    /// when it is a regular file; otherwise the interpreter's own open is judged like any
    /// other.
    pub fn open(path: &Path) -> Script {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(path)
            .ok()
            .filter(|f| f.metadata().is_ok_and(|m| m.is_file()));
        Script {
            path: path.to_path_buf(),
            file,
        }
    }

    /// A new open file description of the same file (its own offset, read-only, blocking), by
    /// reopening the command's descriptor through /proc, never through the script's path.
    fn reopen(&self) -> io::Result<File> {
        let file = self
            .file
            .as_ref()
            .ok_or_else(|| io::Error::from_raw_os_error(libc::ENOENT))?;
        let again = File::open(format!("/proc/self/fd/{}", file.as_raw_fd()))?;
        // The same inode, and still a regular file (the link cannot name anything else, but
        // this is what is handed over, so check it).
        let (a, b) = (file.metadata()?, again.metadata()?);
        use std::os::unix::fs::MetadataExt as _;
        if a.dev() != b.dev() || a.ino() != b.ino() || !b.is_file() {
            return Err(io::Error::from_raw_os_error(libc::EXDEV));
        }
        Ok(again)
    }
}

impl Handler for Enforcer {
    fn on_call(&mut self, call: &Call<'_>) -> Answer {
        let Some(name) = call.name() else {
            // Filters kill foreign calls themselves; anything else unknown is denied.
            self.report(
                call,
                &format!("system call {}", call.nr()),
                "is not allowed by any promise",
            );
            return self.penalty();
        };
        let args = *call.args();
        if (name == "execve" || name == "execveat") && self.promises.contains(Promise::Exec) {
            // Every execve is sent here; under `exec` any may run (the decision reads no
            // memory, and Landlock still checks the file when it runs). Its loader gets a
            // window.
            self.windows.on_exec(call);
            return Answer::Continue;
        }
        if let Some(answer) = self.windows.handle(call, name) {
            return answer;
        }
        if let Some(file) = self.script_open(call, name) {
            return file;
        }
        if let Some(served) = self.broker.serve(call, name) {
            return served;
        }
        if let Some(answer) = crate::broker::not_a_terminal(call, name) {
            return answer;
        }
        if let Some(answer) = crate::broker::no_cloning(call, name) {
            return answer;
        }
        if unchanged_ids(call, name) {
            // It would change nothing: answered as the kernel would, without running.
            return Answer::Return(0);
        }
        match decide_by_name(self.promises, false, &self.ctx, name, &args) {
            // The filter answers these itself; should one arrive, answer the same.
            Decision::Errno(e) => return Answer::Fail(e),
            // Every seccomp(SECCOMP_SET_MODE_FILTER) is sent here (see
            // `filters::program_filter`), also those the promises allow.
            Decision::Allow if name == "seccomp" => return self.own_filter(call, &args),
            // The loader's hand-over, sent here to end the caller's loader window (which
            // `windows.handle` just did); allowed, and decided on registers alone.
            Decision::Allow if crate::filters::is_start_marker(name, &args) => {
                return Answer::Continue
            }
            Decision::Allow | Decision::Violation | Decision::Kill => {}
        }
        let needs = self.needs(call, name, &args);
        let text = decode::describe(
            &self.ctx,
            name,
            &args,
            &|addr| call.read_c_string(addr),
            &|addr, len| call.read_bytes(addr, len),
        );
        self.report(call, &text, &needs);
        self.penalty()
    }

    fn on_end(&mut self) {
        let summary = self.seen.summary();
        if !self.quiet && !summary.is_empty() {
            let _ = crate::sys::write_all(2, summary.as_bytes());
        }
    }

    fn on_leftovers(&mut self, killed: usize) {
        if !self.quiet {
            crate::error(&format!(
                "killed {killed} process{} the program left running",
                if killed == 1 { "" } else { "es" }
            ));
        }
    }
}

impl Enforcer {
    fn penalty(&self) -> Answer {
        if self.kill {
            Answer::KillProgram
        } else if self.promises.contains(Promise::Error) {
            Answer::Fail(libc::ENOSYS)
        } else {
            Answer::Fail(libc::EPERM)
        }
    }

    /// What would allow the call, in words: the promises the table names, except where a
    /// narrower one does (a path under /tmp: `tmppath`), with a hint where the call is most
    /// likely glibc's nscd lookup.
    fn needs(&self, call: &Call<'_>, name: &str, args: &[u64; 6]) -> String {
        let words = |set: Promises| {
            if set.iter().count() == 1 {
                format!("needs promise \"{set}\"")
            } else {
                format!("needs promises \"{set}\"")
            }
        };
        let under_tmp = crate::decode::path_args(name).iter().all(|i| {
            call.read_c_string(args[*i]).is_some_and(|p| {
                p.starts_with(b"/tmp/") && !p.split(|b| *b == b'/').any(|c| c == b"..")
            })
        });
        if under_tmp && !crate::decode::path_args(name).is_empty() {
            let with = self.promises.with(Promise::Tmppath);
            if decide_by_name(with, false, &self.ctx, name, args) == Decision::Allow {
                return words(Promises::EMPTY.with(Promise::Tmppath));
            }
        }
        let needed = promises_needed(self.promises, &self.ctx, name, args);
        let mut text = match needed {
            Some(set) => words(set),
            None => "is not allowed by any promise".to_string(),
        };
        if let Some(set) = needed {
            if let Some(hidden) = self.hidden_by_unveil(call, name, args, set) {
                text.push_str(&format!(
                    ", and an unveil of {} (the -v rules hide it)",
                    crate::decode::escape(hidden.as_os_str().as_encoded_bytes())
                ));
            }
        }
        // glibc's nscd client socket is the one socket the table answers with a fallback EACCES
        // under `rpath` (under `getpw` and `dns` every unix socket gets it).
        let with_rpath = self.promises.with(Promise::Rpath);
        if name == "socket"
            && decide_by_name(with_rpath, false, &self.ctx, name, args)
                == Decision::Errno(libc::EACCES)
        {
            text.push_str(
                " (if this is a user, group or host lookup trying nscd: \"getpw\" or \"dns\" \
                 let it read the files instead)",
            );
        }
        text
    }

    /// With `-v` rules, the path of a path call that no rule reaches and that the promises
    /// `held + needed` do not reach by themselves (the few files `dns`, `getpw`... imply): the
    /// promise alone would not let the call through, Landlock would still refuse it.
    fn hidden_by_unveil(
        &self,
        call: &Call<'_>,
        name: &str,
        args: &[u64; 6],
        needed: Promises,
    ) -> Option<PathBuf> {
        if self.unveiled.is_empty() {
            return None;
        }
        let held = self.promises.union(&needed);
        for i in crate::decode::path_args(name) {
            let bytes = call.read_c_string(args[i])?;
            let path = PathBuf::from(std::ffi::OsStr::from_bytes(&bytes));
            if !path.is_absolute()
                || path
                    .components()
                    .any(|c| matches!(c, std::path::Component::ParentDir))
            {
                return None;
            }
            let unveiled = self.unveiled.iter().any(|u| path.starts_with(u));
            let implied = scopes::policy::paths::PATH_GRANTS
                .iter()
                .any(|g| !g.unlimited() && g.needs.satisfied_by(held, false) && g.reaches(&path));
            if !unveiled && !implied {
                return Some(path);
            }
        }
        None
    }

    /// Reports a denial, once per distinct call: a repeat is counted, and the second of a
    /// kind says that the rest go to the summary at exit.
    fn report(&mut self, call: &Call<'_>, what: &str, needs: &str) {
        if self.quiet {
            return;
        }
        let (_, comm) = call.process();
        let key = format!("{comm}: {what}");
        match self.seen.counts.get(&key).map(|(n, _)| *n) {
            None => {
                self.seen.first(&key, needs);
                self.say(call, &format!("{what} denied: {needs}"));
            }
            Some(1) => {
                self.seen.first(&key, needs);
                self.say(
                    call,
                    &format!("{what} denied again: repeats are counted, in a summary at exit"),
                );
            }
            Some(_) => {
                self.seen.first(&key, needs);
            }
        }
    }

    /// Writes `pledge: NAME[PID]: TEXT` (and the `-k` ending) unless `-q`.
    fn say(&self, call: &Call<'_>, text: &str) {
        if self.quiet {
            return;
        }
        let (pid, comm) = call.process();
        let tail = if self.kill {
            "; killing the program (-k)"
        } else {
            ""
        };
        let line = format!("pledge: {comm}[{pid}]: {text}{tail}\n");
        // One write per line, so a report is never torn by the program's own output.
        let _ = crate::sys::write_all(2, line.as_bytes());
    }

    /// The program installs a seccomp filter of its own, as its promises allow (a library
    /// narrowing it). Its filter can only take more away, but what it answers with an errno,
    /// a trap or a kill never reaches this supervisor (those answers take precedence over a
    /// notification): from then on such attempts fail unreported and would escape `-k`. So
    /// the installation is reported; under `-k`, whose promise is that no attempt goes
    /// unpunished, the program is killed. The filter's contents are not judged: they are in
    /// memory the program can change after they are read.
    fn own_filter(&self, call: &Call<'_>, args: &[u64; 6]) -> Answer {
        let what = format!("seccomp(SECCOMP_SET_MODE_FILTER, {:#x})", args[1] as u32);
        if self.kill {
            self.say(
                call,
                &format!("{what} installs its own seccomp filter, which could hide its calls"),
            );
            Answer::KillProgram
        } else {
            self.say(
                call,
                &format!(
                    "{what} installs its own seccomp filter: calls that filter refuses are not \
                     reported"
                ),
            );
            Answer::Continue
        }
    }

    /// An interpreter opening its own script, read-only: the command opens the script itself
    /// and hands over that file, whatever the path in the process says by then, so nothing
    /// but the script can be read this way.
    fn script_open(&self, call: &Call<'_>, name: &str) -> Option<Answer> {
        let (i, flags) = script_being_opened(call, name, self.scripts.iter().map(|s| &s.path))?;
        let file = self.scripts[i].reopen().ok()?;
        Some(Answer::Open {
            file,
            cloexec: flags & libc::O_CLOEXEC != 0,
        })
    }
}

/// Whether `call` is a `setresuid` or `setresgid` that changes nothing: each argument is -1 or
/// the id the calling thread already has as its real, effective, saved and filesystem id (make
/// calls `setresuid(-1, getuid(), -1)`). Decided on registers and on the thread's credentials,
/// which nothing can change while it waits without `id` (any change of ids needs `id`, under
/// which the call runs by itself). The library leaves it a violation: the check would cost every
/// `stdio` filter ten instructions.
fn unchanged_ids(call: &Call<'_>, name: &str) -> bool {
    let field = match name {
        "setresuid" => "Uid:",
        "setresgid" => "Gid:",
        _ => return false,
    };
    let Ok(status) = std::fs::read_to_string(format!("/proc/{}/status", call.tid())) else {
        return false;
    };
    let Some(ids) = status.lines().find_map(|l| l.strip_prefix(field)) else {
        return false;
    };
    let ids: Vec<u32> = ids
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    let [id, rest @ ..] = ids.as_slice() else {
        return false;
    };
    if ids.len() != 4 || rest.iter().any(|other| other != id) {
        return false;
    }
    // Still waiting: the status read was the caller's.
    call.args()[..3]
        .iter()
        .all(|a| *a as u32 == u32::MAX || *a as u32 == *id)
        && call.still_pending()
}

/// When `call` is an interpreter opening one of `scripts` read-only (the call enforcement
/// answers itself with the script it opened, and learning therefore does not count), that
/// script's index and the open flags. One test for both, so learning and enforcement cannot
/// disagree.
pub fn script_being_opened<'a>(
    call: &Call<'_>,
    name: &str,
    scripts: impl IntoIterator<Item = &'a PathBuf>,
) -> Option<(usize, i32)> {
    let mut scripts = scripts.into_iter().peekable();
    scripts.peek()?;
    let args = call.args();
    let (path_arg, flags) = match name {
        "open" => (args[0], args[1] as u32 as i32),
        "openat" if args[0] as u32 as i32 == libc::AT_FDCWD => (args[1], args[2] as u32 as i32),
        _ => return None,
    };
    let forbidden =
        libc::O_ACCMODE | libc::O_CREAT | libc::O_TRUNC | libc::O_TMPFILE | libc::O_PATH;
    if flags & forbidden != 0 {
        return None;
    }
    // What the path says only picks which script: the file handed over is the one opened at
    // launch, so a path changed meanwhile can gain nothing.
    let path = call.read_c_string(path_arg)?;
    let i = scripts.position(|s| s.as_os_str().as_bytes() == path.as_slice())?;
    Some((i, flags))
}
