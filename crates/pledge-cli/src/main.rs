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
mod filters;
mod harmless;
mod help;
mod launch;
mod learn;
mod options;
mod preload;
mod program;
mod rules;
mod runner;
mod supervisor;
mod sys;
mod window;

use std::io::Write as _;

use scopes::bpf::Disassembly;
use scopes::policy::{Context, CurrentContext as _};

use options::{Command, Run, UsageError};

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
            let prog = filters::program_filter(promises, arch, ctx);
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

/// Runs the program under its promises; its exit status, or the command's.
fn run_program(run: &Run) -> i32 {
    match runner::run(run, &mut enforce::Enforcing { run }) {
        Ok(finished) => finished.status,
        Err(status) => status,
    }
}
