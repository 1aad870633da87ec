//! The C calling convention of pledge() and unveil(): return values, errno for bad input,
//! NULL arguments, failed calls that change nothing and leak nothing.

mod common;

use common::{file, probe, probe_run, scratch, Linkage, BOTH};

/// A C program linked with `-lpledge` loads no libgcc_s.so.1: the library links GCC's
/// unwinder statically (crates/build-support), which saves ~130 µs at every start.
#[test]
fn linking_libpledge_adds_no_libgcc_s() {
    let out = std::process::Command::new(probe(Linkage::Dynamic))
        .env("LD_TRACE_LOADED_OBJECTS", "1")
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && listing.contains("libpledge.so"),
        "{out:?}"
    );
    assert!(!listing.contains("libgcc_s"), "{listing}");
}

/// Runs `pledge(promises, execpromises)` first and checks the line it printed.
fn pledge_gives(promises: &str, execpromises: &str, result: &str) {
    for linkage in BOTH {
        probe_run(linkage, &["pledge", promises, execpromises])
            .ok()
            .line(&format!("pledge: {result}"));
    }
}

#[test]
fn unknown_words_are_einval() {
    pledge_gives("stdio bogus", "NULL", "EINVAL");
    pledge_gives("stdio", "stdio bogus", "EINVAL");
    pledge_gives(" stdio", "NULL", "EINVAL");
    pledge_gives("stdio\trpath", "NULL", "EINVAL");
}

#[test]
fn spaces_between_words_and_at_the_end_are_fine() {
    // OpenBSD's parser: runs of spaces and trailing spaces are accepted, as by the command.
    pledge_gives("stdio  rpath ", "NULL", "ok");
}

#[test]
fn openbsd_only_words_are_einval() {
    for word in ["pf", "route", "wroute", "audio", "drm"] {
        pledge_gives(&format!("stdio {word}"), "NULL", "EINVAL");
    }
}

#[test]
fn strings_that_are_not_utf8_are_einval() {
    pledge_gives("hex:737464696fff", "NULL", "EINVAL");
    pledge_gives("stdio", "hex:ff", "EINVAL");
}

#[test]
fn too_long_is_enametoolong() {
    pledge_gives(&"stdio ".repeat(200), "NULL", "ENAMETOOLONG");
}

#[test]
fn execpromises_beyond_promises_are_einval() {
    pledge_gives("stdio", "stdio rpath", "EINVAL");
}

#[test]
fn null_arguments_change_nothing() {
    pledge_gives("NULL", "NULL", "ok");
    let path = file("null.txt", "x\n");
    for linkage in BOTH {
        probe_run(
            linkage,
            &[
                "pledge",
                "stdio rpath",
                "NULL",
                "pledge",
                "NULL",
                "NULL",
                "pledge",
                "NULL",
                "stdio",
                "open",
                &path,
                "r",
            ],
        )
        .ok()
        .line("open: ok");
    }
}

#[test]
fn gaining_promises_is_eperm_and_changes_nothing() {
    let path = file("increase.txt", "x\n");
    for linkage in BOTH {
        let run = probe_run(
            linkage,
            &[
                "pledge",
                "stdio rpath",
                "NULL",
                "pledge",
                "stdio rpath inet",
                "NULL",
                "open",
                &path,
                "r",
                "socket",
                "inet",
                "stream",
            ],
        );
        run.killed()
            .line("pledge: ok")
            .line("pledge: EPERM")
            .line("open: ok")
            .says("needs promise \"inet\"");
        assert_eq!(run.stdout.matches("pledge:").count(), 2, "{run}");
        // execpromises only shrink too.
        probe_run(
            linkage,
            &[
                "pledge",
                "stdio rpath",
                "stdio",
                "pledge",
                "NULL",
                "stdio rpath",
            ],
        )
        .ok()
        .line("pledge: ok")
        .line("pledge: EPERM");
    }
}

#[test]
fn under_error_an_increase_is_dropped_silently() {
    for linkage in BOTH {
        probe_run(
            linkage,
            &[
                "pledge",
                "stdio error",
                "NULL",
                "pledge",
                "stdio rpath error",
                "NULL",
                "open",
                "/etc/hostname",
                "r",
            ],
        )
        .ok()
        .no_line("pledge: EPERM")
        .line("open: ENOSYS");
    }
}

#[test]
fn a_failed_call_leaves_the_process_as_it_was() {
    let path = file("unchanged.txt", "x\n");
    for linkage in BOTH {
        probe_run(
            linkage,
            &[
                "pledge",
                "stdio rpath",
                "NULL",
                "pledge",
                "stdio pf",
                "NULL",
                "pledge",
                "stdio",
                "stdio rpath",
                "open",
                &path,
                "r",
            ],
        )
        .ok()
        .line("pledge: EINVAL")
        .line("open: ok");
    }
}

#[test]
fn failed_calls_leak_nothing() {
    let dir = scratch().to_string_lossy().into_owned();
    for linkage in BOTH {
        probe_run(linkage, &["leak", "2000", "stdio bogus"])
            .ok()
            .line("leak: 0 bytes");
        probe_run(linkage, &["leak", "2000", "stdio pf"])
            .ok()
            .line("leak: 0 bytes");
        probe_run(
            linkage,
            &[
                "pledge",
                "stdio rpath",
                "NULL",
                "leak",
                "2000",
                "stdio rpath inet",
            ],
        )
        .ok()
        .line("leak: 0 bytes");
        probe_run(
            linkage,
            &["leak-unveil", "2000", "/nonexistent/libpledge", "r"],
        )
        .ok()
        .line("leak: 0 bytes");
        probe_run(linkage, &["leak-unveil", "2000", &dir, "rz"])
            .ok()
            .line("leak: 0 bytes");
        probe_run(linkage, &["leak-unveil", "2000", &dir, "NULL"])
            .ok()
            .line("leak: 0 bytes");
    }
}

#[test]
fn unveil_null_arguments() {
    let dir = scratch().to_string_lossy().into_owned();
    for linkage in BOTH {
        probe_run(linkage, &["unveil", &dir, "NULL", "unveil", "NULL", "r"])
            .ok()
            .line("unveil: EFAULT");
        assert_eq!(
            probe_run(linkage, &["unveil", &dir, "NULL", "unveil", "NULL", "r"])
                .stdout
                .matches("unveil: EFAULT")
                .count(),
            2
        );
    }
}

#[test]
fn unveil_bad_input() {
    let dir = scratch().to_string_lossy().into_owned();
    for linkage in BOTH {
        probe_run(linkage, &["unveil", &dir, "rz"])
            .ok()
            .line("unveil: EINVAL");
        probe_run(linkage, &["unveil", &dir, "hex:72ff"])
            .ok()
            .line("unveil: EINVAL");
        probe_run(linkage, &["unveil", "/nonexistent/libpledge", "r"])
            .ok()
            .line("unveil: ENOENT");
    }
}

#[test]
fn unveil_restricts_paths_after_the_lock() {
    let inside = file("unveiled.txt", "inside\n");
    let outside = "/etc/hostname";
    for linkage in BOTH {
        probe_run(
            linkage,
            &[
                "unveil", &inside, "r", "open", outside, "r", "unveil", "NULL", "NULL", "open",
                &inside, "r", "open", outside, "r", "open", &inside, "w", "unveil", "/etc", "r",
            ],
        )
        .ok()
        .line("unveil: ok")
        .line("open: ok") // outside, before the lock
        .line("open: EACCES") // outside after the lock, and writing inside
        .line("unveil: EPERM");
        let run = probe_run(
            linkage,
            &[
                "unveil", &inside, "r", "unveil", "NULL", "NULL", "open", &inside, "r", "open",
                outside, "r", "open", &inside, "w",
            ],
        );
        assert_eq!(
            run.stdout.lines().collect::<Vec<_>>(),
            [
                "unveil: ok",
                "unveil: ok",
                "open: ok",
                "open: EACCES",
                "open: EACCES"
            ],
            "{run}"
        );
    }
}

#[test]
fn pledge_without_unveil_locks_unveil() {
    let inside = file("pledged.txt", "inside\n");
    for linkage in BOTH {
        let run = probe_run(
            linkage,
            &[
                "unveil",
                &inside,
                "r",
                "pledge",
                "stdio rpath",
                "NULL",
                "open",
                &inside,
                "r",
                "open",
                "/etc/hostname",
                "r",
                "unveil",
                "/etc",
                "r",
            ],
        );
        assert_eq!(
            run.stdout.lines().collect::<Vec<_>>(),
            [
                "unveil: ok",
                "pledge: ok",
                "open: ok",
                "open: EACCES",
                "unveil: EPERM"
            ],
            "{run}"
        );
        run.ok();
    }
}

#[test]
fn unveil_paths_need_not_be_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let name = std::ffi::OsStr::from_bytes(b"not-utf8-\xff");
    let dir = scratch().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let hex: String = dir
        .as_os_str()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    for linkage in BOTH {
        probe_run(linkage, &["unveil", &format!("hex:{hex}"), "r"])
            .ok()
            .line("unveil: ok");
    }
}

/// A fork that lands while another thread is inside the library leaves a child that can still
/// call it: during the process's first call (which registers the fork handlers), and while
/// pledge() records execpromises (compiling the filter for programs started by exec). Each run
/// is a fresh process, so each races again.
#[test]
fn a_fork_during_another_threads_call_leaves_a_usable_child() {
    for linkage in BOTH {
        let program = common::compile("crates/libpledge/tests/c/fork_during_use.c", linkage);
        for mode in ["first", "execpromises"] {
            for round in 0..200 {
                let ran = common::run(&program, &[mode]);
                assert_eq!(
                    ran.stdout, "ok\n",
                    "{linkage:?}, {mode}, round {round}: {ran}"
                );
            }
        }
    }
}
