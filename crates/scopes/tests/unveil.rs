//! unveil() on its own: what each permission letter allows on files and directories, the
//! lock, the errors, threads, real programs under unveil, and each documented Linux deviation
//! (tested as a deviation: the test pins the Linux behaviour docs/unveil.md describes).
//! Every test forks, since a Landlock layer cannot be removed.

mod common;
mod unveil_support;

use std::fs;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::process::Command;

use common::*;
use scopes::{Error, Gap, Permissions, Unveil};
use unveil_support::*;

const EACCES: i32 = libc::EACCES;

#[test]
fn reading_an_unveiled_file_works_and_a_hidden_one_fails() {
    let t = Tree::new("read");
    let (jail, inside, deep, outside) = (
        t.jail(),
        t.at("jail/in.txt"),
        t.at("jail/sub/deep.txt"),
        t.at("outside.txt"),
    );
    run(move || {
        unveil(&jail, "r");
        lock();
        assert_eq!(fs::read_to_string(&inside).unwrap(), "inside");
        assert_eq!(
            fs::read_to_string(&deep).unwrap(),
            "deep",
            "a directory covers everything beneath"
        );
        let names: Vec<_> = fs::read_dir(&jail)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "r lists the directory");
        // Deviation: OpenBSD answers ENOENT for a path not unveiled; Landlock answers EACCES.
        assert_eq!(errno(fs::read_to_string(&outside)), EACCES);
        assert_eq!(errno(fs::read_to_string("/etc/hostname")), EACCES);
        assert_eq!(errno(fs::read_dir(outside.parent().unwrap())), EACCES);
        0
    })
    .ok();
}

#[test]
fn an_unveiled_file_gets_only_file_rights() {
    let t = Tree::new("file");
    let (inside, sibling) = (t.at("jail/in.txt"), t.at("jail/sub/deep.txt"));
    run(move || {
        unveil(&inside, "r");
        lock();
        assert_eq!(fs::read_to_string(&inside).unwrap(), "inside");
        assert_eq!(errno(fs::read_to_string(&sibling)), EACCES);
        assert_eq!(errno(fs::read_dir(inside.parent().unwrap())), EACCES);
        0
    })
    .ok();
}

#[test]
fn w_allows_writing_and_truncating_and_nothing_else() {
    let t = Tree::new("write");
    let (jail, inside, outside) = (t.jail(), t.at("jail/in.txt"), t.at("outside.txt"));
    run(move || {
        unveil(&jail, "w");
        unveil(&outside, "r");
        lock();
        let mut f = fs::OpenOptions::new().write(true).open(&inside).unwrap();
        std::io::Write::write_all(&mut f, b"INSIDE").unwrap();
        f.set_len(2).unwrap();
        fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&inside)
            .unwrap();
        assert_eq!(errno(fs::read(&inside)), EACCES, "w does not read");
        assert_eq!(
            errno(fs::File::create(jail.join("new.txt"))),
            EACCES,
            "w does not create"
        );
        assert_eq!(errno(fs::remove_file(&inside)), EACCES, "w does not remove");
        // Without w: no write, no truncate.
        assert_eq!(
            errno(fs::OpenOptions::new().append(true).open(&outside)),
            EACCES
        );
        assert_eq!(fs::read_to_string(&outside).unwrap(), "outside");
        0
    })
    .ok();
    assert_eq!(
        fs::metadata(t.at("jail/in.txt")).unwrap().len(),
        0,
        "the child truncated it"
    );

    let inside = t.at("jail/in.txt");
    fs::write(&inside, "inside").unwrap();
    let jail = t.jail();
    run(move || {
        unveil(&jail, "r");
        lock();
        assert_eq!(
            errno(fs::OpenOptions::new().write(true).open(&inside)),
            EACCES
        );
        assert_eq!(
            errno(
                fs::OpenOptions::new()
                    .read(true)
                    .truncate(true)
                    .write(true)
                    .open(&inside)
            ),
            EACCES
        );
        let c = cstr(inside.to_str().unwrap());
        assert_eq!(
            sys(libc::SYS_truncate, &[ptr(&c), 0]),
            -(EACCES as i64),
            "truncate(2) needs w"
        );
        0
    })
    .ok();
    assert_eq!(fs::read_to_string(t.at("jail/in.txt")).unwrap(), "inside");
}

fn mkfifo(path: &Path) -> i64 {
    let c = cstr(path.to_str().unwrap());
    sys(
        libc::SYS_mknodat,
        &[
            libc::AT_FDCWD as u64,
            ptr(&c),
            (libc::S_IFIFO | 0o644) as u64,
            0,
        ],
    )
}

#[test]
fn c_allows_creating_and_removing_everything_and_nothing_else() {
    let t = Tree::new("create");
    let (jail, other) = (t.jail(), t.at("other"));
    run(move || {
        unveil(&jail, "rwc");
        lock();
        fs::write(jail.join("new.txt"), "new").unwrap();
        fs::rename(jail.join("new.txt"), jail.join("renamed.txt")).unwrap();
        fs::rename(jail.join("renamed.txt"), jail.join("sub/moved.txt")).unwrap(); // across directories
        fs::hard_link(jail.join("sub/moved.txt"), jail.join("link.txt")).unwrap();
        std::os::unix::fs::symlink("in.txt", jail.join("sym")).unwrap();
        fs::remove_file(jail.join("sym")).unwrap();
        fs::remove_file(jail.join("link.txt")).unwrap();
        fs::remove_file(jail.join("sub/moved.txt")).unwrap();
        fs::create_dir(jail.join("d")).unwrap();
        fs::remove_dir(jail.join("d")).unwrap();
        assert_eq!(mkfifo(&jail.join("fifo")), 0);
        fs::remove_file(jail.join("fifo")).unwrap();
        let listener = std::os::unix::net::UnixListener::bind(jail.join("sock")).unwrap();
        drop(listener);
        fs::remove_file(jail.join("sock")).unwrap();
        // Nothing outside.
        assert_eq!(errno(fs::write(other.join("x"), "")), EACCES);
        assert_eq!(errno(fs::create_dir(other.join("d"))), EACCES);
        0
    })
    .ok();

    // Without c: no creation and, unlike Cosmopolitan's unveil, no removal either.
    let (jail, other) = (t.jail(), t.at("other"));
    fs::create_dir(t.at("jail/empty")).unwrap();
    run(move || {
        unveil(&jail, "rw");
        unveil(&other, "rwc");
        lock();
        assert_eq!(errno(fs::File::create(jail.join("new.txt"))), EACCES);
        assert_eq!(errno(fs::remove_file(jail.join("in.txt"))), EACCES);
        assert_eq!(errno(fs::remove_dir(jail.join("empty"))), EACCES);
        assert_eq!(errno(fs::create_dir(jail.join("d"))), EACCES);
        assert_eq!(
            errno(fs::rename(jail.join("in.txt"), jail.join("x.txt"))),
            EACCES
        );
        assert_eq!(
            errno(std::os::unix::fs::symlink("in.txt", jail.join("sym"))),
            EACCES
        );
        assert_eq!(mkfifo(&jail.join("fifo")), -(EACCES as i64));
        assert_eq!(
            errno(std::os::unix::net::UnixListener::bind(jail.join("sock"))),
            EACCES
        );
        // Moving out of a directory without c removes from it: refused (EXDEV or EACCES).
        let e = errno(fs::rename(jail.join("in.txt"), other.join("in.txt")));
        assert!(e == libc::EXDEV || e == EACCES, "errno {e}");
        0
    })
    .ok();
    assert!(t.at("jail/in.txt").exists());
}

#[test]
fn x_allows_executing_a_real_program_with_its_libraries() {
    let t = Tree::new("exec");
    let dir = t.jail();
    run(move || {
        unveil_system_programs();
        unveil(&dir, "r");
        lock();
        assert!(Command::new("/usr/bin/true").status().unwrap().success());
        // Reachable through the merged-/usr symbolic link /bin too: rules follow the file.
        assert!(Command::new("/bin/true").status().unwrap().success());
        0
    })
    .ok();
    run(|| {
        // The binary readable but not executable: exec fails with EACCES (as OpenBSD's test_exec2).
        unveil(Path::new("/usr"), "r");
        unveil(Path::new("/etc/ld.so.cache"), "r");
        lock();
        let err = Command::new("/usr/bin/true").status().unwrap_err();
        assert_eq!(err.raw_os_error(), Some(EACCES));
        0
    })
    .ok();
}

#[test]
fn real_programs_reach_only_what_is_unveiled() {
    let t = Tree::new("programs");
    let (jail, outside) = (t.jail(), t.at("outside.txt"));
    run(move || {
        unveil_system_programs();
        unveil(&jail, "r");
        lock();
        let cat = Command::new("/usr/bin/cat")
            .arg(jail.join("in.txt"))
            .output()
            .unwrap();
        assert!(
            cat.status.success(),
            "{}",
            String::from_utf8_lossy(&cat.stderr)
        );
        assert_eq!(cat.stdout, b"inside");
        let cat = Command::new("/usr/bin/cat").arg(&outside).output().unwrap();
        assert_eq!(cat.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&cat.stderr).contains("Permission denied"));
        let ls = Command::new("/usr/bin/ls").arg(&jail).output().unwrap();
        assert!(
            ls.status.success(),
            "{}",
            String::from_utf8_lossy(&ls.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&ls.stdout), "in.txt\nsub\n");
        let ls = Command::new("/usr/bin/ls").arg("/etc").output().unwrap();
        assert!(!ls.status.success());
        assert!(String::from_utf8_lossy(&ls.stderr).contains("Permission denied"));
        // An interpreter: python3 reads inside, is refused outside.
        let py = Command::new("/usr/bin/python3")
            .args([
                "-S",
                "-c",
                "import sys; print(open(sys.argv[1]).read()); open(sys.argv[2])",
            ])
            .arg(jail.join("sub/deep.txt"))
            .arg(&outside)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&py.stdout), "deep\n");
        assert!(
            String::from_utf8_lossy(&py.stderr).contains("PermissionError"),
            "{}",
            String::from_utf8_lossy(&py.stderr)
        );
        0
    })
    .ok();
}

#[test]
fn the_lock_refuses_every_later_unveil() {
    let t = Tree::new("lock");
    let jail = t.jail();
    run(move || {
        unveil(&jail, "r");
        lock();
        let err = scopes::unveil(Some(&jail), Some("r")).unwrap_err();
        assert!(matches!(err, Error::UnveilLocked));
        assert_eq!(err.errno(), libc::EPERM);
        assert_eq!(
            scopes::unveil(Some(Path::new("/")), Some("bad"))
                .unwrap_err()
                .errno(),
            libc::EPERM
        );
        assert_eq!(
            scopes::unveil(None, Some("r")).unwrap_err().errno(),
            libc::EPERM
        );
        assert!(
            scopes::unveil(None, None).is_ok(),
            "locking again is harmless"
        );
        assert_eq!(
            Unveil::new()
                .path(&jail, Permissions::READ)
                .add()
                .unwrap_err()
                .errno(),
            libc::EPERM
        );
        // The lock is inherited by fork.
        let child = run(move || scopes::unveil(Some(&jail), Some("r")).unwrap_err().errno());
        assert_eq!(child.end, End::Exit(libc::EPERM));
        0
    })
    .ok();
}

#[test]
fn lock_without_unveil_restricts_nothing() {
    run(|| {
        lock();
        assert!(
            fs::read("/etc/hostname").is_ok(),
            "OpenBSD: unveil(NULL, NULL) alone hides nothing"
        );
        assert_eq!(
            scopes::unveil(Some(Path::new("/")), Some("r"))
                .unwrap_err()
                .errno(),
            libc::EPERM
        );
        0
    })
    .ok();
}

#[test]
fn bad_arguments_name_the_problem_and_change_nothing() {
    let t = Tree::new("errors");
    let (jail, outside) = (t.jail(), t.at("outside.txt"));
    run(move || {
        let err = scopes::unveil(Some(&jail), Some("rq")).unwrap_err();
        assert_eq!(err.errno(), libc::EINVAL);
        assert!(err.to_string().contains("\"rq\""), "{err}");
        let err = scopes::unveil(Some(&jail), None).unwrap_err();
        assert!(matches!(err, Error::NullArgument));
        assert_eq!(err.errno(), libc::EFAULT);
        assert_eq!(
            scopes::unveil(None, Some("r")).unwrap_err().errno(),
            libc::EFAULT
        );
        let missing_parent = jail.join("no/such/file");
        let err = scopes::unveil(Some(&missing_parent), Some("r")).unwrap_err();
        assert_eq!(err.errno(), libc::ENOENT);
        assert!(err.to_string().contains("no/such/file"), "{err}");
        assert_eq!(
            scopes::unveil(Some(Path::new("")), Some("r"))
                .unwrap_err()
                .errno(),
            libc::EINVAL
        );
        // None of these hid anything, and unveil still works.
        lock();
        assert!(fs::read(&outside).is_ok());
        0
    })
    .ok();
}

#[test]
fn deviation_a_file_that_does_not_exist_yet_cannot_be_unveiled() {
    // OpenBSD accepts a missing last component (and matches files by name); Landlock rules
    // attach to existing files, so this is ENOENT: create the file first or unveil its directory.
    let t = Tree::new("missing");
    let (jail, outside) = (t.jail(), t.at("outside.txt"));
    run(move || {
        let err = scopes::unveil(Some(&jail.join("later.txt")), Some("rwc")).unwrap_err();
        assert_eq!(err.errno(), libc::ENOENT);
        unveil(&jail, "rwc");
        lock();
        fs::write(jail.join("later.txt"), "now").unwrap();
        assert_eq!(errno(fs::read(&outside)), EACCES);
        0
    })
    .ok();
}

#[test]
fn deviation_metadata_is_not_hidden() {
    // OpenBSD hides stat/access/chdir of paths not unveiled (ENOENT); Landlock cannot.
    let t = Tree::new("stat");
    let (jail, outside) = (t.jail(), t.at("outside.txt"));
    run(move || {
        unveil(&jail, "r");
        lock();
        assert_eq!(fs::metadata(&outside).unwrap().len(), 7);
        let c = cstr(outside.to_str().unwrap());
        assert_eq!(sys(libc::SYS_access, &[ptr(&c), libc::R_OK as u64]), 0);
        std::env::set_current_dir(outside.parent().unwrap()).unwrap();
        assert_eq!(
            errno(fs::read("outside.txt")),
            EACCES,
            "but its content stays out of reach"
        );
        0
    })
    .ok();
}

#[test]
fn deviation_rules_take_effect_at_the_lock() {
    // OpenBSD applies each unveil at once; Landlock only when the layer is enforced.
    let t = Tree::new("timing");
    let (jail, outside) = (t.jail(), t.at("outside.txt"));
    run(move || {
        unveil(&jail, "r");
        assert!(fs::read(&outside).is_ok(), "not enforced before the lock");
        lock();
        assert_eq!(errno(fs::read(&outside)), EACCES);
        0
    })
    .ok();
}

#[test]
fn deviation_narrowing_below_a_wider_directory_is_refused() {
    // OpenBSD: the most specific unveil wins, so unveil("/", "r") + unveil(dir, "") hides dir.
    // Landlock rules only add access: refused with a clear error, never silently weaker.
    let t = Tree::new("narrow");
    let (base, jail, inside) = (t.base.clone(), t.jail(), t.at("jail/in.txt"));
    run(move || {
        unveil(&base, "r");
        let err = scopes::unveil(Some(&jail), Some("")).unwrap_err();
        assert_eq!(err.errno(), libc::EOPNOTSUPP);
        let text = err.to_string();
        assert!(
            text.contains("narrowing") && text.contains(jail.to_str().unwrap()),
            "{text}"
        );
        // It says what to do, not only what Landlock cannot express.
        assert!(
            text.contains("Unveil paths that do not lie beneath"),
            "{text}"
        );
        // Widening below a narrower parent is what Landlock does natively: accepted.
        unveil(&jail, "rw");
        // The same narrowing the other way round: the wider parent comes second.
        let err = scopes::unveil(Some(&base), Some("rwc")).unwrap_err();
        assert_eq!(err.errno(), libc::EOPNOTSUPP);
        lock();
        fs::write(&inside, "changed").unwrap();
        assert_eq!(errno(fs::write(base.join("outside.txt"), "x")), EACCES);
        0
    })
    .ok();

    // With best effort the narrowing is accepted and reported; the path keeps the parent's rights.
    let (base, jail, inside) = (t.base.clone(), t.jail(), t.at("jail/in.txt"));
    run(move || {
        let report = Unveil::new()
            .path(&base, Permissions::READ)
            .path(&jail, Permissions::NONE)
            .best_effort()
            .lock()
            .unwrap();
        assert!(!report.is_complete());
        assert!(
            report
                .gaps
                .iter()
                .any(|g| matches!(g, Gap::Narrowing { .. })),
            "{report}"
        );
        assert_eq!(
            fs::read_to_string(&inside).unwrap(),
            "changed",
            "not hidden: the documented deviation"
        );
        0
    })
    .ok();
}

#[test]
fn deviation_one_file_under_two_names_gets_one_set_of_permissions() {
    // OpenBSD matches files by name, so two hard links can be unveiled differently. Landlock
    // rules attach to the file: refused unless the permissions agree; with best effort the
    // file gets the union, and the report says so.
    let t = Tree::new("samefile");
    let (inside, other) = (t.at("jail/in.txt"), t.at("other/link.txt"));
    fs::hard_link(&inside, &other).unwrap();
    run(move || {
        unveil(&inside, "r");
        let err = scopes::unveil(Some(&other), Some("rw")).unwrap_err();
        assert_eq!(err.errno(), libc::EOPNOTSUPP);
        assert!(err.to_string().contains("same file"), "{err}");
        unveil(&other, "r");
        let report = Unveil::new()
            .path(&other, Permissions::parse("rw").unwrap())
            .best_effort()
            .lock()
            .unwrap();
        assert!(
            report
                .gaps
                .iter()
                .any(|g| matches!(g, Gap::SameFile { path, .. } if *path == inside)),
            "{report}"
        );
        fs::write(&inside, "written").unwrap();
        0
    })
    .ok();
}

#[test]
fn hiding_a_path_works_when_no_parent_grants_access() {
    let t = Tree::new("hide");
    let (jail, sub, inside) = (t.jail(), t.at("jail/sub"), t.at("jail/in.txt"));
    run(move || {
        unveil(&inside, "r");
        unveil(&sub, "");
        lock();
        assert_eq!(errno(fs::read(sub.join("deep.txt"))), EACCES);
        assert!(fs::read(&inside).is_ok());
        assert_eq!(errno(fs::read_dir(&jail)), EACCES);
        0
    })
    .ok();
}

#[test]
fn unveiling_again_replaces_the_permissions() {
    let t = Tree::new("replace");
    let (inside, sub) = (t.at("jail/in.txt"), t.at("jail/sub"));
    run(move || {
        unveil(&inside, "r");
        unveil(&inside, "rw");
        unveil(&sub, "w");
        unveil(&sub, "r");
        lock();
        fs::write(&inside, "rewritten").unwrap();
        assert!(fs::read_dir(&sub).is_ok());
        assert_eq!(
            errno(fs::write(sub.join("deep.txt"), "x")),
            EACCES,
            "w was replaced, not added"
        );
        0
    })
    .ok();
}

#[test]
fn a_directory_renamed_after_unveil_stays_covered() {
    // As OpenBSD, which remembers the directory's vnode: the rule follows the directory.
    let t = Tree::new("rename");
    let (jail, moved) = (t.jail(), t.at("moved"));
    run(move || {
        unveil(&jail, "r");
        fs::rename(&jail, &moved).unwrap();
        lock();
        assert_eq!(fs::read_to_string(moved.join("in.txt")).unwrap(), "inside");
        0
    })
    .ok();
}

#[test]
fn a_thread_started_before_unveil() {
    let t = Tree::new("threads");
    let (jail, outside) = (t.jail(), t.at("outside.txt"));
    run(move || {
        let (tx, rx) = std::sync::mpsc::channel::<std::path::PathBuf>();
        let (back, answer) = std::sync::mpsc::channel::<Option<i32>>();
        let worker = std::thread::spawn(move || {
            let path = rx.recv().unwrap();
            back.send(fs::read(path).err().and_then(|e| e.raw_os_error()))
                .unwrap();
        });
        let result = scopes::unveil(Some(&jail), Some("r"));
        if landlock_abi() >= 8 {
            // The all-threads flag confines the worker too.
            result.unwrap();
            lock();
            tx.send(outside.clone()).unwrap();
            assert_eq!(answer.recv().unwrap(), Some(EACCES));
        } else {
            let err = result.unwrap_err();
            assert!(matches!(err, Error::Thread { .. }), "{err}");
            assert_eq!(err.errno(), libc::EOPNOTSUPP);
            assert!(err.to_string().contains("threads"), "{err}");
            // Best effort goes ahead and says the worker is not confined.
            let report = Unveil::new()
                .path(&jail, Permissions::READ)
                .best_effort()
                .lock()
                .unwrap();
            assert!(
                report.gaps.contains(&Gap::OtherThreads { count: 1 }),
                "{report}"
            );
            assert_eq!(errno(fs::read(&outside)), EACCES, "this thread is confined");
            tx.send(outside.clone()).unwrap();
            assert_eq!(
                answer.recv().unwrap(),
                None,
                "the worker is not: as reported"
            );
        }
        worker.join().unwrap();
        0
    })
    .ok();
}

#[test]
fn best_effort_reports_what_this_kernel_cannot_do() {
    let t = Tree::new("report");
    let jail = t.jail();
    run(move || {
        let report = Unveil::new()
            .path(&jail, Permissions::READ)
            .best_effort()
            .lock()
            .unwrap();
        assert!(report.enforced);
        assert_eq!(report.abi as i64, landlock_abi());
        assert!(report.is_complete(), "{report}");
        if landlock_abi() < 9 {
            // connect() to unix sockets is not governed by `w` before ABI 9: listed, not fatal.
            assert!(
                report
                    .gaps
                    .iter()
                    .any(|g| matches!(g, Gap::UnixConnect { .. })),
                "{report}"
            );
            assert!(
                report.to_string().contains("not enforced: Landlock ABI 9"),
                "{report}"
            );
        }
        assert_eq!(scopes::unveil_report(), Some(report));
        0
    })
    .ok();
}

#[test]
fn reachable_paths_only_add_access() {
    // For what a program needs to run: no "most specific wins", so no narrowing conflict.
    let t = Tree::new("reachable");
    let (jail, sub) = (t.jail(), t.at("jail/sub"));
    run(move || {
        Unveil::new()
            .path(&jail, Permissions::parse("rw").unwrap())
            .reachable(&sub, Permissions::READ)
            .lock()
            .unwrap();
        fs::write(sub.join("deep.txt"), "still writable").unwrap();
        0
    })
    .ok();
    let missing = t.at("nope");
    let child = run(move || {
        Unveil::new()
            .reachable(&missing, Permissions::READ)
            .add()
            .unwrap_err()
            .errno()
    });
    assert_eq!(child.end, End::Exit(libc::ENOENT));
}

#[test]
fn descriptors_opened_before_the_lock_stay_usable() {
    let t = Tree::new("fds");
    let (jail, outside) = (t.jail(), t.at("outside.txt"));
    run(move || {
        let mut before = fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_CLOEXEC)
            .open(&outside)
            .unwrap();
        unveil(&jail, "r");
        lock();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut before, &mut text).unwrap();
        assert_eq!(text, "outside");
        0
    })
    .ok();
}
