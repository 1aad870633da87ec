//! Resource limits, descriptor hygiene, capabilities and unveil: each off unless asked, each
//! seen by the program.

mod common;
use common::*;

fn limits_line<'a>(limits: &'a str, name: &str) -> Vec<&'a str> {
    let line = limits
        .lines()
        .find(|l| l.starts_with(name))
        .unwrap_or_else(|| panic!("{name} in {limits}"));
    line[name.len()..].split_whitespace().collect()
}

#[test]
fn limits_reach_the_program() {
    let ran = run(&[
        "--cpu",
        "7",
        "--as",
        "3G",
        "--fsize",
        "5M",
        "--nofile",
        "33",
        "--nproc",
        "999",
        "-p",
        "stdio rpath",
        "--",
        "cat",
        "/proc/self/limits",
    ]);
    ran.code(0).quiet();
    assert_eq!(limits_line(&ran.stdout, "Max cpu time")[..2], ["7", "7"]);
    assert_eq!(
        limits_line(&ran.stdout, "Max address space")[..2],
        ["3221225472", "3221225472"]
    );
    assert_eq!(
        limits_line(&ran.stdout, "Max file size")[..2],
        ["5242880", "5242880"]
    );
    assert_eq!(
        limits_line(&ran.stdout, "Max open files")[..2],
        ["33", "33"]
    );
    assert_eq!(
        limits_line(&ran.stdout, "Max processes")[..2],
        ["999", "999"]
    );
    // Unasked, nothing changes.
    let plain = run(&["-p", "stdio rpath", "--", "cat", "/proc/self/limits"]);
    let mine = std::fs::read_to_string("/proc/self/limits").unwrap();
    assert_eq!(
        limits_line(&plain.stdout, "Max file size"),
        limits_line(&mine, "Max file size")
    );
}

#[test]
fn the_file_size_limit_stops_a_write() {
    let dir = scratch("fsize");
    let out_path = dir.join("out");
    let out = std::fs::File::create(&out_path).unwrap();
    let status = pledge()
        .args(["--fsize", "1000", "-p", "stdio", "--", "yes"])
        .stdout(out)
        .status()
        .unwrap();
    // yes writes until the kernel stops it with SIGXFSZ.
    assert_eq!(status.code(), Some(128 + libc::SIGXFSZ));
    assert_eq!(std::fs::metadata(&out_path).unwrap().len(), 1000);
}

#[test]
fn the_address_space_limit_makes_a_large_allocation_fail() {
    let ran = run(&[
        "--as",
        "200M",
        "-p",
        "stdio rpath",
        "--",
        "/usr/bin/python3",
        "-c",
        "try:\n bytearray(400 * 1024 * 1024)\nexcept MemoryError:\n print('no memory')",
    ]);
    ran.code(0).stdout_is("no memory\n");
}

#[test]
fn close_fds_closes_inherited_descriptors() {
    let pledge = PLEDGE;
    build_preload();
    let list = |extra: &str| {
        let cmd = format!(
            "exec 7</etc/hostname; exec {pledge} {extra} -p 'stdio rpath' -- ls /proc/self/fd"
        );
        let out = std::process::Command::new("sh")
            .args(["-c", &cmd])
            .env("LC_ALL", "C")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert!(list("").contains(&"7".to_string()));
    // ls's own directory descriptor is 3; nothing else is left.
    assert_eq!(list("--close-fds"), ["0", "1", "2", "3"]);
}

#[test]
fn drop_caps_leaves_no_capability() {
    let ran = run(&[
        "--drop-caps",
        "-p",
        "stdio rpath",
        "--",
        "cat",
        "/proc/self/status",
    ]);
    ran.code(0);
    for set in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
        let line = ran.stdout.lines().find(|l| l.starts_with(set)).unwrap();
        assert!(line.ends_with("0000000000000000"), "{line}");
    }
    // Without it, a root caller's program keeps its bounding set.
    if running_as_root() {
        let ran = run(&["-p", "stdio rpath", "--", "cat", "/proc/self/status"]);
        let line = ran
            .stdout
            .lines()
            .find(|l| l.starts_with("CapBnd"))
            .unwrap();
        assert!(!line.ends_with("0000000000000000"), "{line}");
    }
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
}

#[test]
fn unveil_hides_what_is_not_unveiled() {
    let hostname = std::fs::read_to_string("/etc/hostname").unwrap();
    run(&[
        "-v",
        "/etc",
        "-p",
        "stdio rpath",
        "--",
        "cat",
        "/etc/hostname",
    ])
    .code(0)
    .stdout_is(&hostname);
    run(&[
        "-v",
        "r:/usr/share",
        "-p",
        "stdio rpath",
        "--",
        "cat",
        "/etc/hostname",
    ])
    .code(1)
    .says("cat: /etc/hostname: Permission denied");
}

#[test]
fn unveil_applies_to_static_programs_and_lets_them_start() {
    let dir = scratch("unveil-static");
    let prog = compile_c(
        &dir,
        "reader",
        "#include <stdio.h>\n#include <fcntl.h>\nint main(int c, char **v){ for (int i = 1; i < c; i++) printf(\"%s %s\\n\", v[i], open(v[i], O_RDONLY) < 0 ? \"no\" : \"yes\"); return 0; }\n",
        &["-static"],
    );
    run(&[
        "-q",
        "-v",
        "/etc/hostname",
        "-p",
        "stdio rpath",
        "--",
        prog.to_str().unwrap(),
        "/etc/hostname",
        "/etc/passwd",
    ])
    .code(0)
    .stdout_is("/etc/hostname yes\n/etc/passwd no\n");
}
