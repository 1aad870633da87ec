//! What C programs can do under which promise, linked with libpledge.so and libpledge.a:
//! stdio, the path promises through fopen/open/openat in each mode, the socket families of
//! inet and unix, and threads started before pledge.

mod common;

use common::{file, fresh, probe_run, BOTH};

#[test]
fn stdio_allows_printing_memory_and_sendfile() {
    let held = file("held.txt", "contents of a file opened before pledge\n");
    for linkage in BOTH {
        probe_run(
            linkage,
            &[
                "preopen",
                &held,
                "pledge",
                "stdio",
                "NULL",
                "print",
                "printed under stdio",
                "malloc",
                "20000000",
                "madvise",
                "sendfile",
            ],
        )
        .ok()
        .line("pledge: ok")
        .line("printed under stdio")
        .line("malloc: ok")
        .line("madvise: ok")
        .line("contents of a file opened before pledge")
        .line("sendfile: ok");
    }
}

#[test]
fn opening_a_file_under_stdio_dies_with_a_report() {
    let path = file("secret.txt", "not to be read\n");
    for linkage in BOTH {
        probe_run(
            linkage,
            &[
                "pledge", "stdio", "NULL", "open", &path, "r", "print", "survived",
            ],
        )
        .killed()
        .no_line("survived")
        .says("openat(")
        .says("needs promise \"rpath\"");
    }
}

/// How a step under some promises ends.
#[derive(Clone, Copy, Debug)]
enum Expect {
    Works,
    Dies,
}

/// `(promises besides stdio, step, existing file?, mode, outcome)`: `fopen` takes fopen
/// modes, `open`/`openat` the probe's flag letters (r, w, b = O_RDWR, c = O_CREAT, t =
/// O_TRUNC, a = O_APPEND).
const PATH_CASES: &[(&str, &str, bool, &str, Expect)] = {
    use Expect::*;
    &[
        ("rpath", "fopen", true, "r", Works),
        ("rpath", "open", true, "r", Works),
        ("rpath", "openat", true, "r", Works),
        ("rpath", "fopen", false, "w", Dies),
        ("rpath", "fopen", true, "r+", Dies),
        ("rpath", "open", true, "w", Dies),
        ("rpath", "openat", true, "b", Dies),
        ("rpath", "open", false, "rc", Dies),
        ("wpath", "open", true, "w", Works),
        ("wpath", "openat", true, "wt", Works),
        ("wpath", "open", true, "wa", Works),
        ("wpath", "fopen", true, "r", Dies),
        ("wpath", "open", true, "r", Dies),
        ("wpath", "fopen", false, "w", Dies),
        ("wpath", "openat", false, "wc", Dies),
        ("rpath wpath", "fopen", true, "r+", Works),
        ("rpath wpath", "open", true, "b", Works),
        ("rpath wpath", "openat", true, "bt", Works),
        ("rpath wpath", "fopen", false, "w", Dies),
        ("rpath wpath", "fopen", false, "a", Dies),
        ("cpath", "open", false, "wc", Dies),
        ("cpath", "fopen", true, "r", Dies),
        ("rpath cpath", "open", false, "rc", Works),
        ("rpath cpath", "fopen", false, "w", Dies),
        ("cpath wpath", "fopen", false, "w", Works),
        ("cpath wpath", "fopen", false, "a", Works),
        ("cpath wpath", "open", false, "wc", Works),
        ("cpath wpath", "openat", false, "wct", Works),
        ("cpath wpath", "fopen", true, "r", Dies),
        ("cpath wpath", "fopen", false, "w+", Dies),
        ("rpath wpath cpath", "fopen", false, "w+", Works),
        ("rpath wpath cpath", "fopen", false, "a+", Works),
        ("rpath wpath cpath", "openat", false, "bct", Works),
    ]
};

#[test]
fn path_promises_open_in_each_mode() {
    for linkage in BOTH {
        for (i, &(promises, step, existing, mode, expect)) in PATH_CASES.iter().enumerate() {
            let path = if existing {
                file(&format!("existing-{i}"), "x\n")
            } else {
                fresh(&format!("new-{linkage:?}-{i}"))
            };
            let promises = format!("stdio {promises}");
            let run = probe_run(linkage, &["pledge", &promises, "NULL", step, &path, mode]);
            let context = format!(
                "{linkage:?}: pledge({promises:?}) then {step} {mode} on {} file",
                if existing { "an existing" } else { "a new" }
            );
            match expect {
                Expect::Works => {
                    assert!(
                        run.stdout.contains(&format!("{step}: ok")),
                        "{context} should work\n{run}"
                    );
                    run.ok();
                }
                Expect::Dies => {
                    assert_eq!(
                        run.end,
                        common::End::Signal(libc::SIGSYS),
                        "{context} should die\n{run}"
                    );
                    run.says("needs promise");
                }
            }
        }
    }
}

#[test]
fn inet_allows_internet_sockets_only() {
    for linkage in BOTH {
        for (domain, kind) in [
            ("inet", "stream"),
            ("inet", "dgram"),
            ("inet6", "stream"),
            ("inet6", "dgram"),
        ] {
            let run = probe_run(
                linkage,
                &["pledge", "stdio inet", "NULL", "socket", domain, kind],
            );
            run.ok();
            // A kernel without IPv6 answers EAFNOSUPPORT: the filter let the call through.
            assert!(
                run.stdout.contains("socket: ok")
                    || (domain == "inet6" && run.stdout.contains("socket: EAFNOSUPPORT")),
                "{run}"
            );
        }
        for (domain, kind) in [
            ("unix", "stream"),
            ("netlink", "raw"),
            ("packet", "raw"),
            ("inet", "raw"),
        ] {
            probe_run(
                linkage,
                &[
                    "pledge",
                    "stdio inet",
                    "NULL",
                    "socket",
                    domain,
                    kind,
                    "print",
                    "survived",
                ],
            )
            .killed()
            .no_line("survived")
            .says("socket(");
        }
    }
}

#[test]
fn unix_allows_unix_sockets_only() {
    for linkage in BOTH {
        for kind in ["stream", "dgram"] {
            probe_run(
                linkage,
                &["pledge", "stdio unix", "NULL", "socket", "unix", kind],
            )
            .ok()
            .line("socket: ok");
        }
        probe_run(
            linkage,
            &["pledge", "stdio unix", "NULL", "socket", "inet", "stream"],
        )
        .killed()
        .says("needs promise \"inet\"");
    }
}

#[test]
fn stdio_alone_allows_no_socket() {
    for linkage in BOTH {
        for domain in ["inet", "inet6", "unix"] {
            probe_run(
                linkage,
                &["pledge", "stdio", "NULL", "socket", domain, "stream"],
            )
            .killed();
        }
    }
}

#[test]
fn threads_started_before_pledge_are_confined() {
    for linkage in BOTH {
        // Control: unpledged, the thread opens the file.
        probe_run(linkage, &["thread", "thread-open", "/etc/hostname"])
            .ok()
            .line("thread-open: ok");
        probe_run(
            linkage,
            &[
                // Capabilities are per thread: pledge refuses to drop them with threads about.
                "nocaps",
                "thread",
                "pledge",
                "stdio",
                "NULL",
                "thread-open",
                "/etc/hostname",
                "print",
                "survived",
            ],
        )
        .killed()
        .line("pledge: ok")
        .no_line("thread-open: ok")
        .no_line("survived")
        .says("needs promise \"rpath\"");
    }
}

#[test]
fn path_promises_with_threads_fail_cleanly() {
    // Landlock before ABI 8 confines only the calling thread, so a pledge that implies paths
    // refuses to leave the other thread out; the process carries on unchanged.
    for linkage in BOTH {
        probe_run(
            linkage,
            &[
                "thread",
                "pledge",
                "stdio rpath",
                "NULL",
                "thread-open",
                "/etc/hostname",
            ],
        )
        .ok()
        .line("pledge: EOPNOTSUPP")
        .line("thread-open: ok");
    }
}

#[test]
fn error_promise_turns_violations_into_enosys() {
    for linkage in BOTH {
        probe_run(
            linkage,
            &[
                "pledge",
                "stdio error",
                "NULL",
                "open",
                "/etc/hostname",
                "r",
                "socket",
                "inet",
                "stream",
            ],
        )
        .ok()
        .line("open: ENOSYS")
        .line("socket: ENOSYS");
    }
}

#[test]
fn empty_promises_allow_only_exit() {
    for linkage in BOTH {
        // The write of "pledge: ok" is already a violation.
        probe_run(linkage, &["pledge", "", "NULL"]).killed();
    }
}
