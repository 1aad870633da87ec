//! unveil() with pledge(): a pledge that drops `unveil` commits the collected rules and locks
//! unveil; the paths promises imply stay reachable under unveil, as on OpenBSD; unveil()
//! itself works under `pledge("stdio unveil")`.

mod common;
mod unveil_support;

use std::fs;
use std::path::Path;

use common::*;
use scopes::Error;
use unveil_support::*;

const EACCES: i32 = libc::EACCES;

#[test]
fn a_pledge_that_drops_unveil_commits_the_rules() {
    let t = Tree::new("pledge-commit");
    let (jail, inside, outside) = (t.jail(), t.at("jail/in.txt"), t.at("outside.txt"));
    run(move || {
        pledge("stdio rpath unveil");
        unveil(&jail, "r");
        assert!(fs::read(&outside).is_ok(), "not enforced yet");
        pledge("stdio rpath");
        assert_eq!(fs::read_to_string(&inside).unwrap(), "inside");
        assert_eq!(errno(fs::read(&outside)), EACCES);
        let err = scopes::unveil(Some(&jail), Some("r")).unwrap_err();
        assert!(matches!(err, Error::UnveilLocked), "{err}");
        assert_eq!(err.errno(), libc::EPERM);
        assert!(scopes::unveil_report().is_some_and(|r| r.enforced));
        0
    })
    .ok();
}

#[test]
fn unveil_after_a_pledge_without_unveil_is_refused() {
    let t = Tree::new("pledge-refused");
    let (jail, outside) = (t.jail(), t.at("outside.txt"));
    run(move || {
        pledge("stdio rpath");
        assert_eq!(
            scopes::unveil(Some(&jail), Some("r")).unwrap_err().errno(),
            libc::EPERM
        );
        assert!(scopes::unveil(None, None).is_ok());
        assert!(
            fs::read(&outside).is_ok(),
            "nothing was unveiled, nothing is hidden"
        );
        0
    })
    .ok();
}

#[test]
fn unveil_works_under_stdio_unveil_without_path_promises() {
    // unveil() opens its paths with O_PATH, counts threads with fstat and reads a symbolic
    // link it holds with readlinkat: no violation.
    let t = Tree::new("pledge-stdio");
    let (jail, inside, link) = (t.jail(), t.at("jail/in.txt"), t.at("link"));
    std::os::unix::fs::symlink("jail/in.txt", &link).unwrap();
    run(move || {
        pledge("stdio rpath unveil");
        let keep = fs::File::open(&inside).unwrap();
        pledge("stdio unveil");
        unveil(&jail, "r");
        unveil(Path::new("/etc/passwd"), "r");
        unveil(&link, "r");
        lock();
        drop(keep);
        0
    })
    .ok();
}

#[test]
fn unveil_and_pledge_layers_intersect() {
    // Locked before pledge: the pledge's own layer stacks on unveil's, and both must allow.
    let t = Tree::new("pledge-after");
    let (jail, inside, outside) = (t.jail(), t.at("jail/in.txt"), t.at("outside.txt"));
    run(move || {
        unveil(&jail, "r");
        lock();
        pledge("stdio rpath wpath");
        assert_eq!(fs::read_to_string(&inside).unwrap(), "inside");
        let write = fs::OpenOptions::new().write(true).open(&inside);
        assert_eq!(
            errno(write),
            EACCES,
            "wpath allows writing, unveil does not"
        );
        assert_eq!(
            errno(fs::read(&outside)),
            EACCES,
            "rpath allows reading, unveil does not"
        );
        0
    })
    .ok();
    // And the other way: unveil allows writing, the promises do not (seccomp refuses it).
    let inside = t.at("jail/in.txt");
    let jail = t.jail();
    run(move || {
        unveil(&jail, "rw");
        lock();
        scopes::Pledge::new()
            .promises("stdio rpath".parse().unwrap())
            .penalty(scopes::Penalty::Eperm)
            .apply()
            .unwrap();
        assert_eq!(
            errno(fs::OpenOptions::new().write(true).open(&inside)),
            libc::EPERM
        );
        0
    })
    .ok();
}

#[test]
fn paths_the_promises_imply_stay_reachable() {
    let t = Tree::new("pledge-implied");
    let jail = t.jail();
    run(move || {
        pledge("stdio rpath dns getpw unveil");
        unveil(&jail, "r");
        pledge("stdio rpath dns getpw");
        for implied in [
            "/etc/resolv.conf",
            "/etc/hosts",
            "/etc/services",
            "/etc/passwd",
            "/etc/group",
            "/etc/nsswitch.conf",
        ] {
            if Path::new(implied).exists() {
                fs::read(implied).unwrap_or_else(|e| panic!("{implied}: {e}"));
            }
        }
        assert_eq!(
            errno(fs::read("/etc/hostname")),
            EACCES,
            "not implied by any promise held"
        );
        assert!(
            fs::read("/dev/null").is_ok(),
            "always reachable, as on OpenBSD"
        );
        0
    })
    .ok();

    // Without the promises, their files are hidden like any other.
    let jail = t.jail();
    run(move || {
        pledge("stdio rpath unveil");
        unveil(&jail, "r");
        pledge("stdio rpath");
        assert_eq!(errno(fs::read("/etc/passwd")), EACCES);
        assert_eq!(errno(fs::read("/etc/hosts")), EACCES);
        0
    })
    .ok();
}

#[test]
fn tmppath_keeps_tmp_usable_under_unveil() {
    let t = Tree::new("pledge-tmp");
    let jail = t.jail();
    run(move || {
        pledge("stdio rpath wpath cpath tmppath unveil");
        unveil(&jail, "r");
        pledge("stdio rpath wpath cpath tmppath");
        let scratch = format!("/tmp/scopes-unveil-tmppath-{}", std::process::id());
        fs::write(&scratch, "x").unwrap();
        fs::remove_file(&scratch).unwrap();
        assert_eq!(errno(fs::write(jail.join("new"), "x")), EACCES);
        0
    })
    .ok();
}

#[test]
fn locking_before_pledge_keeps_what_a_later_pledge_implies() {
    // unveil(NULL, NULL) before any pledge keeps the files promises imply (the process still
    // holds every promise), so a later pledge("... dns") resolves as on OpenBSD; the layer
    // that pledge adds hides them again from a process whose promises do not imply them.
    let t = Tree::new("pledge-early-lock");
    let jail = t.jail();
    let inside = jail.clone();
    run(move || {
        unveil(&inside, "r");
        lock();
        pledge("stdio rpath dns");
        fs::read("/etc/hosts").unwrap();
        assert!(fs::read("/dev/null").is_ok());
        if Path::new("/etc/localtime").exists() {
            fs::read("/etc/localtime").unwrap();
        }
        assert_eq!(errno(fs::read("/etc/passwd")), EACCES);
        pledge("stdio rpath");
        assert_eq!(errno(fs::read("/etc/hosts")), EACCES);
        fs::read_dir(&inside).unwrap();
        0
    })
    .ok();
    run(move || {
        unveil(&jail, "r");
        lock();
        // Never pledged: /tmp, /proc and /dev/tty stay hidden, as unveil asked.
        let scratch = format!("/tmp/scopes-early-lock-{}", std::process::id());
        assert_eq!(errno(fs::write(&scratch, "x")), EACCES);
        assert_eq!(errno(fs::read("/proc/1/status")), EACCES);
        pledge("stdio rpath");
        assert_eq!(errno(fs::read("/etc/hosts")), EACCES);
        assert_eq!(errno(fs::read("/etc/passwd")), EACCES);
        0
    })
    .ok();
}

/// unveil() in one thread while another pledges without `unveil`: pledge decides under the
/// same lock whether unveil is locked and which rules it enforces, so every unveil() either
/// comes before the lock (and is enforced) or after it (EPERM), never in between. Where
/// Landlock confines every thread (ABI 8) the pledge keeps `rpath` and each directory is
/// checked; before it, a pledge that changes its path promises is refused while another
/// thread exists, so the pledge holds no path promise and the outcome is checked through the
/// results alone.
#[test]
fn unveil_racing_a_pledge_is_either_enforced_or_refused() {
    let t = Tree::new("race");
    let dirs: Vec<_> = (0..40)
        .map(|i| {
            let dir = t.at(&format!("d{i}"));
            fs::create_dir(&dir).unwrap();
            fs::write(dir.join("f"), "f").unwrap();
            dir
        })
        .collect();
    let every_thread = landlock_abi() >= 8;
    run(move || {
        common::without_capabilities();
        if every_thread {
            pledge("stdio rpath unveil");
        }
        let (first, added) = std::sync::mpsc::channel();
        let unveiling = {
            let dirs = dirs.clone();
            std::thread::spawn(move || {
                let mut results = Vec::new();
                for dir in &dirs {
                    let result = scopes::Unveil::new()
                        .path(dir, scopes::Permissions::READ)
                        .best_effort()
                        .add();
                    let locked = result.is_err();
                    results.push(result.map_err(|e| e.errno()));
                    if results.len() == 1 {
                        first.send(()).unwrap();
                    }
                    if locked {
                        break;
                    }
                }
                results
            })
        };
        added.recv().unwrap();
        pledge(if every_thread { "stdio rpath" } else { "stdio" });
        let results = unveiling.join().unwrap();
        let enforced = results.iter().take_while(|r| r.is_ok()).count();
        assert!(enforced >= 1, "{results:?}");
        assert!(
            results[enforced..].iter().all(|r| *r == Err(libc::EPERM)),
            "after the first refusal every unveil is refused with EPERM: {results:?}"
        );
        assert_eq!(
            scopes::unveil(Some(&dirs[0]), Some("r"))
                .unwrap_err()
                .errno(),
            libc::EPERM
        );
        let report = scopes::unveil_report().expect("the pledge locked unveil");
        assert!(report.enforced, "{report:?}");
        if every_thread {
            for (i, dir) in dirs.iter().enumerate() {
                let read = fs::read(dir.join("f"));
                if i < enforced {
                    assert!(read.is_ok(), "d{i} was unveiled before the lock");
                } else {
                    assert_eq!(errno(read), EACCES, "d{i} came after the lock");
                }
            }
        }
        0
    })
    .ok();
}
