//! The program's Landlock layers are enforced by its preload, in one thread. Before Landlock
//! ABI 8 a layer confines only that thread, so a thread a library constructor started earlier
//! would escape the promises' paths: the preload refuses to go on, and the program never runs.

// An attack: hostile code calls libc directly on purpose.
#![allow(unsafe_code)]

use std::process::Command;

use attacks::{pledge_command, run_command, scratch, End};

/// Builds `c/tinypre_thread.c` as a library whose constructor starts a thread, and as the
/// program linked with it.
fn threaded_program() -> std::path::PathBuf {
    let dir = scratch("tinypre_threads_bin");
    let src = attacks::repo().join("crates/attacks/c/tinypre_thread.c");
    let cc = |args: &[&std::ffi::OsStr]| {
        let out = Command::new("cc")
            .args([
                "-std=gnu11",
                "-O1",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-pthread",
            ])
            .args(args)
            .output()
            .expect("running cc");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let lib = dir.join("libtinypre_thread.so");
    cc(&[
        "-DTINYPRE_LIB".as_ref(),
        "-shared".as_ref(),
        "-fPIC".as_ref(),
        "-o".as_ref(),
        lib.as_os_str(),
        src.as_os_str(),
    ]);
    let prog = dir.join("threaded");
    let rpath = format!("-Wl,-rpath,{}", dir.display());
    cc(&[
        "-o".as_ref(),
        prog.as_os_str(),
        src.as_os_str(),
        "-L".as_ref(),
        dir.as_os_str(),
        "-ltinypre_thread".as_ref(),
        rpath.as_ref(),
    ]);
    prog
}

/// Whether this kernel's Landlock confines every thread at once (ABI 8), asked of the kernel.
fn confines_every_thread() -> bool {
    // SAFETY: LANDLOCK_CREATE_RULESET_VERSION takes a NULL attribute and size 0.
    let abi = unsafe { libc::syscall(libc::SYS_landlock_create_ruleset, 0usize, 0usize, 1u32) };
    abi >= 8
}

#[test]
fn a_thread_started_before_the_preload_cannot_escape_the_promises_paths() {
    if confines_every_thread() {
        eprintln!("skipped: this kernel's Landlock confines every thread at once (ABI 8)");
        return;
    }
    let prog = threaded_program();
    let dir = scratch("tinypre_threads");
    let secret = dir.join("secret");
    std::fs::write(&secret, "the secret\n").unwrap();
    let ran = run_command(
        Command::new(pledge_command())
            .args(["-p", "stdio tmppath", "--"])
            .arg(&prog)
            .arg(&secret),
    );
    assert!(!ran.stdout.contains("the secret"), "{ran:#?}");
    assert_eq!(ran.end, End::Exit(125), "{ran:#?}");
    assert!(ran.stderr.contains("other threads exist"), "{ran:#?}");
}
