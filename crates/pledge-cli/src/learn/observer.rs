//! The learning [`Handler`]: every call the program's filter stops (everything `pledge("")`
//! would not allow) is recorded and then runs unchanged (`SECCOMP_USER_NOTIF_FLAG_CONTINUE`).
//! Nothing is enforced, so CONTINUE's race is harmless here: a program that changes its
//! arguments after they were read only misleads its own suggestion.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use scopes::learn::{Example, Learner, Observed, Probe};
use scopes::policy::Context;

use super::touch;
use crate::decode;
use crate::supervisor::{Answer, Call, Handler};

/// Records stopped calls into a [`Learner`].
pub struct Observer {
    /// What was learned.
    pub learner: Learner,
    /// Calls stopped (all of them, including those of a kind already seen).
    pub stopped: u64,
    /// Calls the native table does not name (another ABI, or newer than the table).
    pub unnamed: u64,
    /// Time spent deciding what each stopped call needed.
    pub busy: Duration,
    /// The script files the command lets the interpreter read by itself.
    scripts: Vec<PathBuf>,
    /// The program's ids (its pid, and those the filter was specialised with).
    ctx: Context,
    /// How many of the preload's closing calls are still to come (see `preload_closing`).
    preload_closes: u32,
    /// Harmless files read that exist, with the first call that read each.
    pub harmless_files: std::collections::BTreeMap<PathBuf, Example>,
    /// The loader's windows the enforcing command would open, whose calls are not needs.
    windows: crate::window::Windows,
}

impl Observer {
    /// An observer for a program whose filter is specialised with `ctx`; `scripts` are the
    /// `#!` scripts the command hands to their interpreter itself.
    /// `dynamic` says whether the program starts with the preload, which closes its two
    /// descriptors first thing. `windows` ([`crate::window::Windows::learning`]) were opened
    /// before the program started.
    pub fn new(
        ctx: Context,
        scripts: Vec<PathBuf>,
        dynamic: bool,
        windows: crate::window::Windows,
    ) -> Observer {
        Observer {
            learner: Learner::new(ctx),
            stopped: 0,
            unnamed: 0,
            busy: Duration::ZERO,
            scripts,
            ctx,
            preload_closes: if dynamic { 2 } else { 0 },
            harmless_files: Default::default(),
            windows,
        }
    }
}

impl Handler for Observer {
    fn on_call(&mut self, call: &Call<'_>) -> Answer {
        let started = Instant::now();
        self.stopped += 1;
        match call.name() {
            Some(name) if self.preload_closing(call, name) => {}
            Some(name) if self.opens_script(call, name) => {}
            Some(name @ ("execve" | "execveat")) => {
                self.windows.on_exec(call);
                self.record(call, name)
            }
            // The loader of a program started by exec: granted whatever the promises.
            Some(name) if self.windows.handle(call, name).is_some() => {}
            Some(name) => self.record(call, name),
            None => self.unnamed += 1,
        }
        self.busy += started.elapsed();
        Answer::Continue
    }
}

impl Observer {
    fn record(&mut self, call: &Call<'_>, name: &'static str) {
        let mut obs = Observed::plain(name, *call.args());
        obs.struct_flags = struct_flags(call, name);
        // A read the enforcing command answers itself is no need of the program.
        let harmless = crate::harmless::harmless_open(call, name);
        let used = if let Some(open) = harmless {
            obs.probe = Some(Probe::Harmless);
            // A file that exists: the broker serves it when the open reaches the command, but
            // under promises that let the open through, Landlock decides, and it may need an
            // entry.
            let real = match open.path.strip_prefix("/proc/self") {
                Ok(_) => None,
                Err(_) => std::fs::canonicalize(&open.path).ok(),
            };
            if let Some(real) = real {
                self.harmless_files
                    .insert(real, describe_call(call, name, &self.ctx));
            }
            Vec::new()
        } else {
            touch::inspect(call, &mut obs, self.learner.touched())
        };
        let ctx = self.ctx;
        let describe = || describe_call(call, name, &ctx);
        for path in &used {
            self.learner.used_by(path, describe);
        }
        self.learner.record(obs, describe);
    }

    /// The preload closing its ends of the handshake (the listener and the socket) once the
    /// command holds the listener: the first calls of the program's first thread after the
    /// handshake, made for the learner's sake (a program that holds no `stdio` keeps them under
    /// enforcement, where it can do nothing with them), so that the program sees no descriptor
    /// an unwatched run would not have.
    fn preload_closing(&mut self, call: &Call<'_>, name: &str) -> bool {
        if self.preload_closes == 0 {
            return false;
        }
        if name == "close" && call.tid() == self.ctx.pid {
            self.preload_closes -= 1;
            return true;
        }
        // Anything else first: the preload is done (or was never there).
        self.preload_closes = 0;
        false
    }
}

impl Observer {
    /// The interpreter opening its script read-only, as the enforcing command answers itself
    /// (with the script it opened), whatever the promises: not a need of the program.
    fn opens_script(&self, call: &Call<'_>, name: &str) -> bool {
        crate::enforce::script_being_opened(call, name, &self.scripts).is_some()
    }
}

/// The flags word libc's fallback passes on, read from the structure the call points at:
/// `clone_args.flags | clone_args.exit_signal` for clone3, `open_how.flags` for openat2.
fn struct_flags(call: &Call<'_>, name: &str) -> Option<u64> {
    let word = |addr: u64| -> Option<u64> {
        let bytes = call.read_bytes(addr, 8)?;
        Some(u64::from_ne_bytes(bytes.get(..8)?.try_into().ok()?))
    };
    let args = call.args();
    match name {
        // struct clone_args { u64 flags, pidfd, child_tid, parent_tid, exit_signal, ... }
        "clone3" => Some(word(args[0])? | word(args[0].checked_add(32)?)?),
        // struct open_how { u64 flags, mode, resolve }
        "openat2" => word(args[2]),
        _ => None,
    }
}

/// One call, as the report shows it.
fn describe_call(call: &Call<'_>, name: &str, ctx: &Context) -> Example {
    let (pid, program) = call.process();
    let text = decode::describe(
        ctx,
        name,
        call.args(),
        &|a| call.read_c_string(a),
        &|a, n| call.read_bytes(a, n),
    );
    Example {
        pid,
        program,
        call: text,
    }
}
