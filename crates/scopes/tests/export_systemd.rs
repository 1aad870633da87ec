//! The systemd export, checked with systemd's own tools: `systemd-analyze verify` loads a unit
//! built from it, and `systemd-analyze syscall-filter` knows its names and its @default set.
//!
//! Needs the Debian package systemd (for systemd-analyze; no running systemd is needed).

mod export_support;

use std::collections::BTreeSet;
use std::process::Command;

use export_support::{run, Scratch};
use scopes::export::{self, Direction, SYSTEMD_DEFAULT_SET};
use scopes::{Promise, Promises};

fn analyze(args: &[&str]) -> (bool, String, String) {
    let out = run(Command::new("systemd-analyze").args(args), "systemd");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The names in a `systemd-analyze syscall-filter GROUP` listing.
fn group(name: &str) -> BTreeSet<String> {
    let (ok, out, err) = analyze(&["syscall-filter", name]);
    assert!(ok, "{err}");
    out.lines()
        .filter(|l| l.starts_with("    ") && !l.trim_start().starts_with('#'))
        .map(|l| l.trim().to_string())
        .filter(|l| !l.starts_with('@'))
        .collect()
}

fn filter_names(unit: &str) -> Vec<&str> {
    unit.lines()
        .filter_map(|l| l.strip_prefix("SystemCallFilter="))
        .flat_map(|l| l.split(' '))
        .collect()
}

#[test]
fn default_set_is_systemds() {
    let theirs = group("@default");
    let ours: BTreeSet<String> = SYSTEMD_DEFAULT_SET.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        ours, theirs,
        "SYSTEMD_DEFAULT_SET differs from this systemd's @default"
    );
}

#[test]
fn systemd_analyze_verifies_the_unit() {
    let dir = Scratch::new("systemd");
    let known = group("@known");
    for (i, set) in [
        "",
        "stdio",
        "stdio rpath inet dns",
        "stdio unix tty proc exec prot_exec",
        "stdio error",
    ]
    .iter()
    .enumerate()
    {
        let exported = export::systemd(set.parse().unwrap());
        let unknown: Vec<&str> = filter_names(&exported.output)
            .into_iter()
            .filter(|n| !known.contains(*n))
            .collect();
        let unit = dir.path(&format!("pledge-export-{i}.service"));
        let text = format!(
            "[Unit]\nDescription=export test\n{}Type=oneshot\nExecStart=/bin/true\n",
            exported.output
        );
        std::fs::write(&unit, text).unwrap();
        let (ok, _, err) = analyze(&["verify", "--man=no", unit.to_str().unwrap()]);
        assert!(ok, "\"{set}\": {err}");
        for line in err.lines().filter(|l| !l.trim().is_empty()) {
            // The only complaint allowed: a name newer than this systemd's libseccomp, which the
            // output lists as an approximation.
            let name = line
                .rsplit("Failed to parse system call, ignoring: ")
                .next()
                .filter(|_| line.contains("Failed to parse system call"));
            assert!(
                name.is_some_and(|n| unknown.contains(&n.trim())),
                "\"{set}\": unexpected complaint: {line}"
            );
        }
        if !unknown.is_empty() {
            assert!(
                exported.output.contains("names systemd does not know"),
                "{set}"
            );
        }
    }
}

#[test]
fn directives_follow_the_promises() {
    let stdio = export::systemd("stdio".parse().unwrap()).output;
    for line in [
        "NoNewPrivileges=yes",
        "SystemCallArchitectures=native",
        "MemoryDenyWriteExecute=yes",
        "LockPersonality=yes",
        "RestrictNamespaces=yes",
        "RestrictAddressFamilies=none",
    ] {
        assert!(stdio.lines().any(|l| l == line), "stdio: {line} missing");
    }
    assert!(!stdio.contains("SystemCallErrorNumber="));
    let names = filter_names(&stdio);
    for allowed in ["read", "write", "mmap", "fcntl", "clone3"] {
        assert!(names.contains(&allowed), "{allowed}");
    }
    for refused in [
        "socket",
        "openat",
        "ptrace",
        "execve",
        "io_uring_setup",
        "openat2",
    ] {
        assert!(!names.contains(&refused), "{refused}");
    }

    let net = export::systemd("stdio inet unix prot_exec error".parse().unwrap()).output;
    assert!(
        net.lines()
            .any(|l| l == "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"),
        "{net}"
    );
    assert!(net.lines().any(|l| l == "SystemCallErrorNumber=ENOSYS"));
    assert!(
        !net.contains("MemoryDenyWriteExecute"),
        "prot_exec allows executable memory"
    );
    assert!(filter_names(&net).contains(&"socket"));
}

#[test]
fn every_condition_systemd_cannot_check_is_listed() {
    let promises: Promises = "stdio rpath wpath cpath tmppath fattr inet dns"
        .parse()
        .unwrap();
    let exported = export::systemd(promises);
    let wider: Vec<&str> = exported
        .approximations
        .iter()
        .filter(|a| a.direction == Direction::Wider)
        .map(|a| a.subject.as_str())
        .collect();
    for name in [
        "mmap",
        "fcntl",
        "ioctl",
        "openat",
        "socket",
        "kill",
        "fchown",
        "getsockopt",
    ] {
        assert!(
            wider.contains(&name),
            "{name} is allowed with any arguments and must be listed as WIDER: {wider:?}"
        );
    }
    assert!(
        wider.iter().any(|s| s.contains("execve")),
        "execve comes with systemd's @default: {wider:?}"
    );
    // Calls no rule names are violations everywhere, yet @default allows them as well.
    for name in ["get_thread_area", "set_thread_area"] {
        assert!(
            wider.iter().any(|s| s.split(", ").any(|n| n == name)),
            "{name} comes with systemd's @default: {wider:?}"
        );
    }
    assert!(
        wider.contains(&"processes outside the sandbox"),
        "Landlock's process scoping is lost: {wider:?}"
    );
    assert!(
        wider.iter().any(|s| s.contains("tmppath")),
        "tmppath's /tmp limit is Landlock's: {wider:?}"
    );
    let stricter: Vec<&str> = exported
        .approximations
        .iter()
        .filter(|a| a.direction == Direction::Stricter)
        .map(|a| a.subject.as_str())
        .collect();
    for name in ["openat2", "io_uring_setup"] {
        assert!(
            stricter.contains(&name),
            "{name} answers ENOSYS under the promises and is refused here: {stricter:?}"
        );
    }
    // Each approximation is in the unit text, as comments.
    let comments: String = exported
        .output
        .lines()
        .filter(|l| l.starts_with('#'))
        .map(|l| l.trim_start_matches(['#', ' ']))
        .collect::<Vec<_>>()
        .join(" ");
    for a in &exported.approximations {
        let first_words: String = a.detail.split(' ').take(6).collect::<Vec<_>>().join(" ");
        assert!(comments.contains(&first_words), "not in the output: {a}");
    }
    // Nothing the promises allow unconditionally is missing from the filter.
    let names = filter_names(&exported.output);
    for name in scopes::policy::syscall_names() {
        let ctx = export::STATIC_CONTEXT;
        let always = (0..8u64).all(|v| {
            scopes::policy::decide_by_name(promises, false, &ctx, name, &[v; 6])
                == scopes::policy::Decision::Allow
        });
        if always
            && scopes::Arch::ALL
                .iter()
                .any(|a| a.syscall_nr(name).is_some())
        {
            assert!(names.contains(&name), "{name}");
        }
    }
    assert!(!promises.contains(Promise::Error));
}
