//! Best effort belongs to the batch that asked for it. A program that once accepted gaps for
//! one batch (`Unveil::new()...best_effort()`) must still get EOPNOTSUPP from a later plain
//! `unveil()` that Landlock cannot enforce, not an Ok with the gap buried in a report. Each
//! attack stops at a refused unveil, as an OpenBSD program does, so a refusal leaves the
//! victim out of reach.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use attacks::{run_forked, scratch};
use scopes::{Gap, Permissions, Unveil};

/// `base/d/secret` (the victim) and `base/other`.
fn tree(name: &str) -> PathBuf {
    let base = scratch(&format!("unveil-best-effort-{name}"));
    fs::create_dir_all(base.join("d")).unwrap();
    fs::create_dir_all(base.join("other")).unwrap();
    fs::write(base.join("d/secret"), "secret").unwrap();
    base
}

/// The exit code of a refused step: 3, with the error on stderr.
fn refused(step: &str, result: Result<(), scopes::Error>) -> Option<i32> {
    match result {
        Ok(()) => None,
        Err(e) => {
            // Written to the descriptor: the test harness captures eprintln! in the child too.
            let _ = writeln!(std::io::stderr(), "{step}: errno {}: {e}", e.errno());
            Some(if e.errno() == libc::EOPNOTSUPP { 3 } else { 4 })
        }
    }
}

#[test]
fn unveil_hiding_below_a_wider_directory_after_a_best_effort_batch_is_refused() {
    let base = tree("hide");
    let (d, secret) = (base.join("d"), base.join("d/secret"));
    let other = base.join("other");
    let child = run_forked(move || {
        // A batch that asks best effort for itself alone.
        Unveil::new()
            .path(&other, Permissions::READ)
            .best_effort()
            .add()
            .unwrap();
        if let Some(code) = refused("unveil d r", scopes::unveil(Some(&d), Some("r"))) {
            return code + 10;
        }
        if let Some(code) = refused(
            "unveil secret \"\"",
            scopes::unveil(Some(&secret), Some("")),
        ) {
            return code;
        }
        scopes::unveil(None, None).unwrap();
        match fs::read_to_string(&secret) {
            Ok(_) => 1, // hidden by unveil, read anyway
            Err(_) => 0,
        }
    });
    assert_eq!(child.end, attacks::End::Exit(3), "{}", child.stderr);
    assert!(child.stderr.contains("narrowing"), "{}", child.stderr);
}

#[test]
fn unveil_narrowing_to_read_only_after_a_best_effort_batch_is_refused() {
    let base = tree("readonly");
    let (d, secret) = (base.join("d"), base.join("d/secret"));
    let other = base.join("other");
    let child = run_forked(move || {
        Unveil::new()
            .path(&other, Permissions::READ)
            .best_effort()
            .add()
            .unwrap();
        scopes::unveil(Some(&d), Some("rw")).unwrap();
        if let Some(code) = refused("unveil secret r", scopes::unveil(Some(&secret), Some("r"))) {
            return code;
        }
        scopes::unveil(None, None).unwrap();
        match fs::write(&secret, "pwned") {
            Ok(()) => 1,
            Err(_) => 0,
        }
    });
    assert_eq!(child.end, attacks::End::Exit(3), "{}", child.stderr);
    assert_eq!(fs::read_to_string(base.join("d/secret")).unwrap(), "secret");
}

#[test]
fn unveil_gaps_a_best_effort_batch_accepted_stay_reported_and_later_strict_ones_are_refused() {
    // The first batch accepts its own narrowing (reported at the lock); a later strict batch
    // that narrows elsewhere is refused, and one that does not narrow is accepted.
    let base = tree("mixed");
    fs::create_dir_all(base.join("other/inner")).unwrap();
    let (d, secret) = (base.join("d"), base.join("d/secret"));
    let (other, inner) = (base.join("other"), base.join("other/inner"));
    let child = run_forked(move || {
        Unveil::new()
            .path(&other, Permissions::parse("rw").unwrap())
            .path(&inner, Permissions::READ)
            .best_effort()
            .add()
            .unwrap();
        scopes::unveil(Some(&d), Some("rw")).unwrap();
        let strict = Unveil::new().path(&secret, Permissions::READ).add();
        let err = strict.expect_err("a strict batch's own narrowing");
        assert_eq!(err.errno(), libc::EOPNOTSUPP, "{err}");
        let report = Unveil::new().lock().unwrap();
        let narrowed: Vec<&Path> = report
            .gaps
            .iter()
            .filter_map(|g| match g {
                Gap::Narrowing { path, .. } => Some(path.as_path()),
                _ => None,
            })
            .collect();
        assert_eq!(narrowed, vec![inner.as_path()], "{report}");
        assert!(fs::write(inner.join("x"), "x").is_err(), "inner has no c");
        0
    });
    child.ok();
    assert_eq!(fs::read_to_string(base.join("d/secret")).unwrap(), "secret");
}
