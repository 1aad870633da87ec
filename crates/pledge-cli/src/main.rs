//! `pledge`: run any program under OpenBSD-style promises and unveiled paths, and report
//! every system call it is denied. See `pledge --help` and docs/command.md.
//!
//! The command starts as a C program does (`#![no_main]`): Rust's runtime set-up (a
//! stack-overflow handler, whose guard lookup reads and parses `/proc/self/maps`, and an
//! alternate signal stack) cost ~0.1 ms of every run on the benchmark's VM, and the command
//! keeps only what it needs of it ([`sys::prepare_process`]). `std::env::args_os` works all the
//! same: glibc hands the arguments to Rust's standard library when it loads.

#![cfg_attr(not(test), no_main)]

mod broker;
mod decode;
mod enforce;
mod export;
mod harmless;
mod help;
mod launch;
mod learn;
mod options;
mod preload;
mod program;
mod protocol;
mod supervisor;
mod sys;
mod window;

use std::io::Write as _;

use scopes::bpf::Disassembly;
use scopes::policy::Context;

use options::{Command, Run, UsageError};
use program::{LaunchError, Start};
use supervisor::Outcome;

/// Exit status for the command's own errors.
const EXIT_ERROR: i32 = 125;

/// The process entry, in C's place (the test harness brings its own).
// Naming a symbol counts as unsafe code: this is C's `main`, which nothing else in the program
// defines (`no_main`).
#[allow(unsafe_code)]
#[cfg_attr(not(test), export_name = "main")]
#[cfg_attr(test, allow(dead_code))]
extern "C" fn start(
    _argc: std::ffi::c_int,
    _argv: *const *const std::ffi::c_char,
) -> std::ffi::c_int {
    if let Err(e) = sys::prepare_process() {
        error(&format!("setting up: {}", describe_io(&e)));
        return EXIT_ERROR;
    }
    let code = real_main();
    // Leaving without libc's exit: its library and thread-local destructors cost ~30 µs in a
    // process this young, on every run, and nothing here needs them. Reports and messages are
    // written unbuffered; standard output is the one buffer, flushed here.
    let _ = std::io::stdout().flush();
    sys::exit_now(code)
}

/// Prints `pledge: TEXT` on stderr.
fn error(text: &str) {
    let _ = sys::write_all(2, format!("pledge: {text}\n").as_bytes());
}

/// An I/O error in words, without Rust's "(os error N)" suffix.
pub fn describe_io(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

fn real_main() -> i32 {
    let command = match options::parse(std::env::args_os().skip(1)) {
        Ok(c) => c,
        Err(UsageError(text)) => {
            error(&text);
            error("try 'pledge --help'");
            return EXIT_ERROR;
        }
    };
    match command {
        Command::Help => print(&help::text()),
        Command::Version => print(&format!(
            "pledge {} (seccomp-scopes)\n",
            env!("CARGO_PKG_VERSION")
        )),
        Command::Explain(promises) => print(&format!(
            "{}\n{}",
            scopes::policy::describe::explain(promises),
            broker::explain()
        )),
        Command::PrintFilter { promises, arch } => {
            let ctx = Context::current();
            let prog = protocol::program_filter(promises, arch, ctx);
            print(&format!(
                "; pledge -p '{promises}' on {arch}: {} instructions\n\
                 ; violations and every execve go to the pledge supervisor (USER_NOTIF);\n\
                 ; \"own pid\" checks use {} here, the program's pid when it runs\n{}",
                prog.len(),
                ctx.pid,
                Disassembly(&prog)
            ))
        }
        Command::Export(request) => export::run(&request),
        Command::Run(run) => run_program(&run),
        Command::Learn {
            run,
            output,
            verify,
        } => learn::learn(&run, output.as_deref(), verify),
    }
}

fn print(text: &str) -> i32 {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            error(&format!("writing to stdout: {}", describe_io(&e)));
            EXIT_ERROR
        }
    }
}

fn run_program(run: &Run) -> i32 {
    let program = match program::resolve(&run.program) {
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
    for rule in run.unveils.iter().filter(|r| !r.is_port()) {
        if let Err(e) = std::fs::symlink_metadata(&rule.path) {
            error(&format!(
                "-v {}:{}: {}",
                rule.permissions,
                rule.path.display(),
                describe_io(&e)
            ));
            return EXIT_ERROR;
        }
    }
    let preload = match program.start {
        Start::Dynamic => match preload::Preload::get() {
            Ok(p) => Some(p),
            Err(text) => {
                error(&text);
                return EXIT_ERROR;
            }
        },
        Start::Static => None,
    };
    if let Err(text) = supervisor::handshake_timeout() {
        error(&text);
        return EXIT_ERROR;
    }
    if let Err(e) = sys::notif::check_sizes() {
        error(&format!(
            "the kernel lacks seccomp user notification (Linux 5.0): {}",
            describe_io(&e)
        ));
        return EXIT_ERROR;
    }
    let (signals, mask) = match supervisor::take_signals() {
        Ok(s) => s,
        Err(e) => {
            error(&format!(
                "setting up signal forwarding: {}",
                describe_io(&e)
            ));
            return EXIT_ERROR;
        }
    };
    // Opened before the program exists, so that it cannot swap them for something else.
    let broker = broker::Broker::new(run.promises);
    let windows = window::Windows::new(run.promises);
    let scripts = program
        .scripts
        .iter()
        .map(|p| enforce::Script::open(p))
        .collect();
    let child = match launch::spawn(run, &program, preload.as_ref(), mask) {
        Ok(c) => c,
        Err(e) => {
            error(&format!(
                "starting {}: {}",
                program.path.display(),
                describe_io(&e)
            ));
            return EXIT_ERROR;
        }
    };
    let mut enforcer = enforce::Enforcer {
        promises: run.promises,
        ctx: Context {
            pid: child.pid as u32,
            uid: Context::current().uid,
            gid: Context::current().gid,
        },
        kill: run.kill,
        quiet: run.quiet,
        scripts,
        broker,
        windows,
        seen: enforce::Denials::default(),
        unveiled: run
            .unveils
            .iter()
            .filter(|u| !u.is_port())
            .map(|u| std::fs::canonicalize(&u.path).unwrap_or_else(|_| u.path.clone()))
            .collect(),
    };
    match supervisor::supervise(child, program.start, signals, &mut enforcer) {
        Outcome::Ended(ended) => ended.code(),
        Outcome::Killed => 128 + libc::SIGSYS,
        Outcome::Failed { why, status } => {
            // Written on the program's side of the handshake: shown escaped, like reports.
            error(&decode::escape(why.as_bytes()));
            status
        }
    }
}
