//! Exit statuses: the program's own, 128+N for a signal, 125 for the command's own errors, 126
//! for a program that cannot be executed, 127 for one that is not found. Every error names
//! the problem on stderr.

mod common;
use common::*;

#[test]
fn success_and_the_programs_own_status() {
    run(&["-p", "stdio", "--", "/bin/true"]).code(0).quiet();
    run(&["-p", "stdio", "--", "/bin/false"]).code(1).quiet();
    // (dash itself checks its working directory at start-up, denied without rpath.)
    run(&["-p", "stdio rpath", "--", "sh", "-c", "exit 42"])
        .code(42)
        .quiet();
}

#[test]
fn a_signal_death_is_128_plus_the_signal() {
    run(&["-p", "stdio", "--", "sh", "-c", "kill -TERM $$"]).code(128 + libc::SIGTERM);
    run(&["-p", "stdio", "--", "sh", "-c", "kill -KILL $$"]).code(128 + libc::SIGKILL);
}

#[test]
fn bad_promises_and_options_are_125() {
    run(&["-p", "stdio bogus", "--", "true"])
        .code(125)
        .says("pledge: -p: unknown promise \"bogus\"");
    run(&["-p", "stdio pf", "--", "true"])
        .code(125)
        .says("\"pf\"")
        .says("no meaning on Linux");
    run(&["--bogus", "true"])
        .code(125)
        .says("pledge: unknown option --bogus");
    run(&["-Z", "true"])
        .code(125)
        .says("pledge: unknown option -Z");
    run(&["-p"]).code(125).says("-p needs a value");
    run(&["--fsize", "lots", "true"])
        .code(125)
        .says("--fsize: \"lots\" is not a size in bytes");
    run(&["-v", "rq:/tmp", "true"])
        .code(125)
        .says("bad permissions");
    run(&["-p", "stdio"]).code(125).says("no program given");
    run(&["--explain", "stdio nope"])
        .code(125)
        .says("unknown promise \"nope\"");
}

#[test]
fn a_missing_program_is_127() {
    run(&["-p", "stdio", "--", "no-such-program-anywhere"])
        .code(127)
        .says("pledge: no-such-program-anywhere: command not found");
    run(&["-p", "stdio", "--", "/no/such/file"])
        .code(127)
        .says("pledge: /no/such/file: No such file or directory");
}

#[test]
fn a_file_that_cannot_be_executed_is_126() {
    let dir = scratch("not-executable");
    let file = dir.join("data.txt");
    std::fs::write(&file, "just text\n").unwrap();
    run(&["-p", "stdio", "--", file.to_str().unwrap()])
        .code(126)
        .says("not executable");
    run(&["-p", "stdio", "--", dir.to_str().unwrap()])
        .code(126)
        .says("is a directory");
    let bad = script(&dir, "bad-interp", "#!/no/such/interpreter\n");
    run(&["-p", "stdio", "--", bad.to_str().unwrap()])
        .code(127)
        .says("/no/such/interpreter");
    let garbage = script(&dir, "garbage", "\x01\x02\x03 not a program\n");
    run(&["-p", "stdio", "--", garbage.to_str().unwrap()])
        .code(126)
        .says("Exec format error");
}

#[test]
fn a_32_bit_program_is_refused_with_the_reason() {
    let dir = scratch("i386");
    let src = dir.join("m32.c");
    std::fs::write(&src, "int main(void){return 0;}\n").unwrap();
    let out = dir.join("m32");
    let built = std::process::Command::new("cc")
        .args(["-m32", "-static", "-o"])
        .arg(&out)
        .arg(&src)
        .output()
        .unwrap();
    if !built.status.success() {
        eprintln!(
            "skipped: this machine has no 32-bit C library (gcc-multilib) to build an i386 program"
        );
        return;
    }
    run(&["-p", "stdio", "--", out.to_str().unwrap()])
        .code(126)
        .says("32-bit");
}

#[test]
fn unveiling_a_missing_path_is_125() {
    run(&["-v", "r:/no/such/dir", "-p", "stdio rpath", "--", "true"])
        .code(125)
        .says("/no/such/dir: No such file or directory");
}

#[test]
fn a_missing_or_wrong_preload_is_a_clear_error() {
    let out = pledge()
        .env("PLEDGE_PRELOAD", "/no/such/preload.so")
        .args(["-p", "stdio", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("$PLEDGE_PRELOAD: /no/such/preload.so: No such file or directory"));
    let out = pledge()
        .env("PLEDGE_PRELOAD", "/etc/hostname")
        .args(["-p", "stdio", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a shared object"));
}

#[test]
fn a_preload_that_never_narrows_fails_closed() {
    // A real shared object that is not pledge's preload: the loader maps it, nothing narrows
    // the program, and the command must say so and fail instead of passing the status on.
    let libm = [
        "/lib/x86_64-linux-gnu/libm.so.6",
        "/usr/lib/x86_64-linux-gnu/libm.so.6",
    ]
    .into_iter()
    .find(|p| std::path::Path::new(p).exists())
    .expect("libm");
    let out = pledge()
        .env("PLEDGE_PRELOAD", libm)
        .args(["-p", "stdio", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(125),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("before pledge's preload narrowed it"));
}

#[test]
fn a_program_with_another_loader_is_refused() {
    let dir = scratch("other-loader");
    let prog = compile_c(
        &dir,
        "odd",
        "int main(void){return 0;}\n",
        &["-Wl,--dynamic-linker=/tmp/not-glibc-ld.so"],
    );
    run(&["-p", "stdio", "--", prog.to_str().unwrap()])
        .code(126)
        .says("its loader is /tmp/not-glibc-ld.so");
}

#[test]
fn a_program_still_unnarrowed_at_the_deadline_is_killed() {
    let libm = [
        "/lib/x86_64-linux-gnu/libm.so.6",
        "/usr/lib/x86_64-linux-gnu/libm.so.6",
    ]
    .into_iter()
    .find(|p| std::path::Path::new(p).exists())
    .expect("libm");
    let started = std::time::Instant::now();
    let out = pledge()
        .env("PLEDGE_PRELOAD", libm)
        .env("PLEDGE_HANDSHAKE_TIMEOUT", "0.3")
        .args(["-p", "stdio", "--", "sleep", "30"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("did not finish starting within 0.3 seconds")
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "the program was not killed"
    );
    let out = pledge()
        .env("PLEDGE_HANDSHAKE_TIMEOUT", "soon")
        .args(["true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a positive number of seconds"));
}

#[test]
fn an_unveiled_path_need_not_be_utf8() {
    // Paths are bytes on Linux, and unveil() takes any: so does -v.
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let scratch = std::env::temp_dir().join(format!("pledge-bytes-{}", std::process::id()));
    let dir = scratch.join(OsStr::from_bytes(b"caf\xe9"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("f"), "inside\n").unwrap();
    std::fs::write(scratch.join("g"), "outside\n").unwrap();
    let mut rule = std::ffi::OsString::from("r:");
    rule.push(&dir);
    let cat = |file: &std::path::Path| {
        pledge()
            .args(["-p", "stdio rpath", "-v"])
            .arg(&rule)
            .args(["--", "/bin/cat"])
            .arg(file)
            .output()
            .unwrap()
    };
    let inside = cat(&dir.join("f"));
    let outside = cat(&scratch.join("g"));
    std::fs::remove_dir_all(&scratch).unwrap();
    assert_eq!(
        (inside.status.code(), &inside.stdout[..]),
        (Some(0), &b"inside\n"[..]),
        "{}",
        String::from_utf8_lossy(&inside.stderr)
    );
    assert_eq!(outside.status.code(), Some(1), "the rule hides the rest");
    assert!(String::from_utf8_lossy(&outside.stderr).contains("Permission denied"));
}

#[test]
fn promise_strings_are_split_as_openbsd_splits_them() {
    // Spaces between words and at the end are fine; a leading space (an empty first word)
    // and a tab (part of a word) are not: the library and libpledge answer EINVAL to the same.
    run(&["-p", "stdio  rpath ", "--", "/bin/true"])
        .code(0)
        .quiet();
    run(&["-p", " stdio", "--", "/bin/true"])
        .code(125)
        .says("starts with a space");
    run(&["-p", "stdio\trpath", "--", "/bin/true"])
        .code(125)
        .says("separated by spaces only");
}
