//! pledge() drops the capabilities no promise in force needs (policy/caps.rs), in real
//! processes: what /proc/self/status shows after it, across narrowing, exec and threads.
//! Run as root these check the drop itself; as an ordinary user, that nothing changes.

mod common;
use common::{run, sys};

use scopes::policy::caps::{needed, Cap};
use scopes::{Penalty, Pledge, Promises};

fn root() -> bool {
    sys(libc::SYS_geteuid, &[]) == 0
}

/// The capability masks of /proc/self/status, read through a descriptor opened before pledge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Status {
    inh: u64,
    prm: u64,
    eff: u64,
    bnd: u64,
    amb: u64,
}

fn status(file: &std::fs::File) -> Status {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0u8; 8192];
    let n = file.read_at(&mut buf, 0).unwrap();
    let text = String::from_utf8_lossy(&buf[..n]);
    let mask = |name: &str| {
        let line = text.lines().find(|l| l.starts_with(name)).unwrap();
        u64::from_str_radix(line.split_whitespace().nth(1).unwrap(), 16).unwrap()
    };
    Status {
        inh: mask("CapInh:"),
        prm: mask("CapPrm:"),
        eff: mask("CapEff:"),
        bnd: mask("CapBnd:"),
        amb: mask("CapAmb:"),
    }
}

fn open_status() -> std::fs::File {
    std::fs::File::open("/proc/self/status").unwrap()
}

/// Sets the calling thread's effective, permitted and inheritable sets with a raw capset.
fn capset(eff: u64, prm: u64, inh: u64) -> i64 {
    let header: [u32; 2] = [0x2008_0522, 0];
    let data: [u32; 6] = [
        eff as u32,
        prm as u32,
        inh as u32,
        (eff >> 32) as u32,
        (prm >> 32) as u32,
        (inh >> 32) as u32,
    ];
    sys(
        libc::SYS_capset,
        &[header.as_ptr() as u64, data.as_ptr() as u64],
    )
}

fn bit(cap: Cap) -> u64 {
    1 << cap.number()
}

fn set(words: &str) -> Promises {
    words.parse().unwrap()
}

#[test]
fn root_under_stdio_holds_no_capability() {
    run(|| {
        let file = open_status();
        let before = status(&file);
        scopes::pledge(Some("stdio"), None).unwrap();
        let after = status(&file);
        assert_eq!((after.eff, after.prm, after.inh, after.amb), (0, 0, 0, 0));
        if root() {
            assert_ne!(before.eff, 0, "root starts with capabilities");
        }
        // Left alone: under no_new_privs it bounds nothing more (see the exec test below).
        assert_eq!(after.bnd, before.bnd);
        0
    })
    .ok();
}

#[test]
fn each_promise_keeps_exactly_what_it_needs() {
    if !root() {
        eprintln!("skipped: only root holds capabilities for a pledge to drop");
        return;
    }
    for p in scopes::Promise::ALL {
        let promises = set("stdio").with(*p);
        let child = run(|| {
            let file = open_status();
            let before = status(&file);
            scopes::pledge(Some(&promises.to_string()), None).unwrap();
            let after = status(&file);
            // What it needs, of what it had (a container may have withheld some).
            let want = needed(promises).bits() & before.prm;
            assert_eq!(after.eff, want, "{promises}: effective");
            assert_eq!(after.prm, want, "{promises}: permitted");
            assert_eq!(after.inh & !want, 0, "{promises}: inheritable");
            0
        });
        assert_eq!(
            child.end,
            common::End::Exit(0),
            "{promises}: {}",
            child.stderr
        );
    }
}

#[test]
fn narrowing_drops_what_the_narrower_set_does_not_need() {
    run(|| {
        let file = open_status();
        let status_before = status(&file).prm;
        scopes::pledge(Some("stdio rpath wpath fattr id inet"), None).unwrap();
        let wide = status(&file);
        let had = status_before;
        // Under "stdio id" the pledge cannot open /proc/self/task to count threads: the
        // count it makes instead must not be a violation.
        scopes::pledge(Some("stdio id"), None).unwrap();
        scopes::pledge(Some("stdio"), None).unwrap();
        let narrow = status(&file);
        if root() {
            assert_eq!(
                wide.eff,
                needed(set("stdio rpath wpath fattr id inet")).bits() & had
            );
            assert!(wide.eff & bit(Cap::SETUID) != 0);
        }
        assert_eq!((narrow.eff, narrow.prm, narrow.inh), (0, 0, 0));
        0
    })
    .ok();
}

#[test]
fn an_ordinary_user_is_unaffected() {
    run(|| {
        if root() {
            // Become nobody: every capability goes with uid 0.
            assert_eq!(sys(libc::SYS_setgroups, &[0, 0]), 0);
            assert_eq!(sys(libc::SYS_setresgid, &[65534, 65534, 65534]), 0);
            assert_eq!(sys(libc::SYS_setresuid, &[65534, 65534, 65534]), 0);
        }
        let file = open_status();
        let before = status(&file);
        assert_eq!(before.eff | before.prm, 0);
        // Threads are no obstacle when there is nothing to drop.
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let t = std::thread::spawn(move || rx.recv().unwrap());
        scopes::pledge(Some("stdio inet"), None).unwrap_or_else(|e| panic!("{e}"));
        scopes::pledge(Some("stdio"), None).unwrap();
        assert_eq!(status(&file).bnd, before.bnd);
        tx.send(()).unwrap();
        t.join().unwrap();
        0
    })
    .ok();
}

#[test]
fn without_setpcap_too_the_sets_are_dropped_and_exec_cannot_regain_them() {
    if !root() {
        eprintln!("skipped: only root holds capabilities for a pledge to drop");
        return;
    }
    let child = run(|| {
        let file = open_status();
        let all = status(&file).prm;
        let no_setpcap = all & !bit(Cap::SETPCAP);
        assert_eq!(capset(no_setpcap, no_setpcap, 0), 0);
        let promises = "stdio rpath proc exec prot_exec";
        scopes::pledge(Some(promises), None).unwrap();
        let after = status(&file);
        let want = needed(set(promises)).bits() & all;
        assert_eq!((after.eff, after.prm), (want, want));
        // The bounding set is full, and still a program executed as root gets nothing back:
        // no_new_privs makes the kernel intersect its new permitted set with the old one.
        assert_eq!(after.bnd, all);
        let out = std::process::Command::new("/bin/cat")
            .arg("/proc/self/status")
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let mask = |name: &str| {
            let line = text.lines().find(|l| l.starts_with(name)).unwrap();
            u64::from_str_radix(line.split_whitespace().nth(1).unwrap(), 16).unwrap()
        };
        assert_eq!(mask("Uid:"), 0, "still root");
        assert_eq!(mask("CapPrm:"), want, "{text}");
        assert_eq!(mask("CapEff:"), want, "{text}");
        assert_eq!(mask("CapBnd:"), all);
        0
    });
    child.ok();
}

#[test]
fn the_ambient_set_keeps_only_what_is_needed() {
    if !root() {
        eprintln!("skipped: only root holds capabilities for a pledge to drop");
        return;
    }
    run(|| {
        let file = open_status();
        let all = status(&file).prm;
        let ambient = bit(Cap::NET_BIND_SERVICE) | bit(Cap::SYS_ADMIN);
        assert_eq!(capset(all, all, ambient), 0);
        for cap in [Cap::NET_BIND_SERVICE, Cap::SYS_ADMIN] {
            assert_eq!(
                sys(
                    libc::SYS_prctl,
                    &[
                        libc::PR_CAP_AMBIENT as u64,
                        libc::PR_CAP_AMBIENT_RAISE as u64,
                        cap.number() as u64
                    ]
                ),
                0
            );
        }
        assert_eq!(status(&file).amb, ambient);
        scopes::pledge(Some("stdio inet"), None).unwrap();
        assert_eq!(status(&file).amb, bit(Cap::NET_BIND_SERVICE));
        scopes::pledge(Some("stdio"), None).unwrap();
        assert_eq!(status(&file).amb, 0);
        0
    })
    .ok();
}

#[test]
fn capset_cannot_raise_what_pledge_dropped() {
    run(|| {
        let file = open_status();
        Pledge::new()
            .promises(set("stdio inet"))
            .penalty(Penalty::Eperm)
            .apply()
            .unwrap();
        let held = status(&file).prm;
        // Allowed (pledge itself needs it to narrow) but bounded by the permitted set.
        let more = held | bit(Cap::SETFCAP) | bit(Cap::SYS_ADMIN);
        assert_eq!(capset(more, more, 0), -(libc::EPERM as i64));
        assert_eq!(capset(held, held, held), 0);
        assert_eq!(capset(0, 0, 0), 0);
        assert_eq!(status(&file).prm, 0);
        0
    })
    .ok();
}

#[test]
fn other_threads_holding_capabilities_make_pledge_refuse_and_change_nothing() {
    if !root() {
        eprintln!("skipped: only root holds capabilities for a pledge to drop");
        return;
    }
    run(|| {
        let file = open_status();
        let before = status(&file);
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let t = std::thread::spawn(move || rx.recv().unwrap());
        let err = scopes::pledge(Some("stdio"), None).unwrap_err();
        assert!(matches!(err, scopes::Error::Thread { .. }), "{err:?}");
        assert!(err.to_string().contains("capabilities"), "{err}");
        assert_eq!(scopes::current_promises(), None);
        let after = status(&file);
        assert_eq!(after, before);
        let text = std::fs::read_to_string("/proc/self/status").unwrap();
        assert!(text.contains("Seccomp:\t0"), "{text}");
        tx.send(()).unwrap();
        t.join().unwrap();
        // Alone again (once the kernel has released the thread), it works.
        let mut tries = 0;
        while let Err(e) = scopes::pledge(Some("stdio"), None) {
            tries += 1;
            assert!(tries < 100, "{e}");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(status(&file).eff, 0);
        0
    })
    .ok();
}
