//! execpromises in C programs: each exec function of libc, as defined by libpledge, starts
//! the program under the execpromises; libc's internal exec (system) does not.

mod common;

use common::{file, probe_run, BOTH};

/// Parent promises: what running /bin/cat needs (its loader reads and maps libraries), plus
/// fork and exec.
const PARENT: &str = "stdio rpath prot_exec proc exec";

/// `(wrapper, program)`: the p variants search PATH.
const WRAPPERS: &[(&str, &str)] = &[
    ("execve", "/bin/cat"),
    ("execv", "/bin/cat"),
    ("execvp", "cat"),
    ("execvpe", "cat"),
    ("execl", "/bin/cat"),
    ("execle", "/bin/cat"),
    ("execlp", "cat"),
    ("fexecve", "/bin/cat"),
    ("execveat", "/bin/cat"),
];

#[test]
fn programs_run_under_execpromises_that_suffice() {
    let path = file("exec-ok.txt", "read by the executed cat\n");
    for linkage in BOTH {
        for (wrapper, program) in WRAPPERS {
            probe_run(
                linkage,
                &[
                    "pledge",
                    PARENT,
                    "stdio rpath prot_exec",
                    "run",
                    wrapper,
                    program,
                    &path,
                ],
            )
            .ok()
            .line("read by the executed cat")
            .line("run: exit 0");
        }
    }
}

/// The started program may signal itself by pid (raise, abort), as stdio allows: the filter
/// names the pid of the process that makes the `execve`, not that of the pledging parent.
#[test]
fn programs_under_execpromises_may_signal_themselves() {
    for linkage in BOTH {
        for (wrapper, program) in [
            ("execve", "/bin/sh"),
            ("execv", "/bin/sh"),
            ("execvp", "sh"),
        ] {
            probe_run(
                linkage,
                &[
                    "pledge",
                    PARENT,
                    "stdio rpath prot_exec",
                    "run",
                    wrapper,
                    program,
                    "-c",
                    "kill -ABRT $$",
                ],
            )
            .ok()
            .line(&format!("run: signal {}", libc::SIGABRT));
        }
    }
}

#[test]
fn programs_die_under_execpromises_that_do_not() {
    // Without rpath the loader of /bin/cat cannot read libc: the execpromises' Landlock layer
    // refuses it (EACCES from the exec) although the parent holds rpath.
    let path = file("exec-denied.txt", "must not be printed\n");
    for linkage in BOTH {
        for (wrapper, program) in WRAPPERS {
            let run = probe_run(
                linkage,
                &[
                    "pledge",
                    PARENT,
                    "stdio prot_exec",
                    "run",
                    wrapper,
                    program,
                    &path,
                ],
            );
            run.ok()
                .line("run: exit 127")
                .no_line("must not be printed");
        }
    }
}

#[test]
fn without_execpromises_programs_keep_the_callers_promises() {
    let path = file("exec-inherit.txt", "inherited promises suffice\n");
    for linkage in BOTH {
        probe_run(
            linkage,
            &["pledge", PARENT, "NULL", "run", "execv", "/bin/cat", &path],
        )
        .ok()
        .line("inherited promises suffice")
        .line("run: exit 0");
    }
}

#[test]
fn execpromises_recorded_before_promises_apply() {
    // pledge(NULL, "..."): the process itself stays unrestricted, what it executes does not.
    let path = file("exec-only.txt", "must not be printed\n");
    for linkage in BOTH {
        probe_run(
            linkage,
            &[
                "pledge",
                "NULL",
                "stdio prot_exec",
                "open",
                &path,
                "r",
                "run",
                "execvp",
                "cat",
                &path,
            ],
        )
        .ok()
        .line("open: ok")
        .line("run: exit 127")
        .no_line("must not be printed");
    }
}

#[test]
fn failed_exec_reports_errno() {
    for linkage in BOTH {
        probe_run(
            linkage,
            &[
                "pledge",
                PARENT,
                "stdio rpath prot_exec",
                "run",
                "execvp",
                "no-such-program-libpledge",
            ],
        )
        .ok()
        .line("execvp: ENOENT")
        .line("run: exit 127");
        probe_run(linkage, &["run", "execve", "/nonexistent/libpledge"])
            .ok()
            .line("execve: ENOENT")
            .line("run: exit 127");
    }
}

#[test]
fn execvp_runs_scripts_without_a_shebang_with_sh() {
    let script = file("script-without-shebang", "echo script ran\n");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    for linkage in BOTH {
        probe_run(linkage, &["run", "execvp", &script])
            .ok()
            .line("script ran")
            .line("run: exit 0");
    }
}

#[test]
fn system_is_not_narrowed() {
    // Documented gap: system() calls the kernel's execve from inside libc, so /bin/sh and cat
    // run under the caller's promises, not the execpromises.
    let path = file("exec-system.txt", "system() is not narrowed\n");
    for linkage in BOTH {
        probe_run(
            linkage,
            &[
                "pledge",
                PARENT,
                "stdio prot_exec",
                "run",
                "system",
                "/bin/cat",
                &path,
            ],
        )
        .ok()
        .line("system() is not narrowed")
        .line("run: exit 0");
    }
}
