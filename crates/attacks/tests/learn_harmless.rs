//! The command serves harmless reads (message catalogs, the time zone, /dev/null: the table in
//! `scopes::policy::harmless`) itself, unreported, to programs whose promises do not open
//! files, so that `pledge --learn` can leave them out of a suggestion. A hostile program tries
//! to turn that service into reading anything: the command must only ever hand over a harmless
//! file, whatever the path said by the time it was read.

// An attack: hostile code calls libc directly on purpose.
#![allow(unsafe_code)]

use std::path::Path;
use std::process::Command;

use attacks::{compile, pledge_command, run_command, scratch, Link};

const SECRET: &str = "learn-harmless-secret";

fn secret() -> std::path::PathBuf {
    let dir = scratch("learn_harmless_secret");
    let secret = dir.join("secret");
    std::fs::write(&secret, format!("{SECRET}\n")).unwrap();
    secret
}

fn attack(args: &[&str]) -> attacks::Ran {
    let prog = compile("learn_harmless", Link::Plain);
    run_command(
        Command::new(pledge_command())
            .args(["-p", "stdio"])
            .arg("--")
            .arg(prog)
            .args(args),
    )
}

#[test]
fn harmless_reads_are_served_without_a_report() {
    let secret = secret();
    let ran = attack(&["served", secret.to_str().unwrap()]);
    ran.exited(0)
        .line("missing: refused (No such file or directory)")
        .line("null: read ");
    assert!(
        ran.stdout.contains("zoneinfo: read TZif"),
        "the time zone file was not served: {ran:#?}"
    );
    assert!(!ran.stderr.contains("denied"), "{ran:#?}");
}

#[test]
fn a_path_that_only_starts_like_a_harmless_one_is_a_violation() {
    let secret = secret();
    let ran = attack(&["dotdot", secret.to_str().unwrap()]);
    ran.exited(0)
        .line("dotdot: refused (Operation not permitted)")
        .says("denied: needs promise");
    assert!(!ran.stdout.contains(SECRET), "{ran:#?}");
}

#[test]
fn another_processs_proc_is_not_served() {
    let secret = secret();
    let ran = attack(&["parent", secret.to_str().unwrap()]);
    ran.exited(0)
        .line("parent: refused (Operation not permitted)");
}

#[test]
fn a_link_beneath_a_harmless_directory_leads_nowhere() {
    // Planting a link in /usr/share/locale takes root; a program running as root with `cpath`
    // could do it.
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: needs root (planting a link in /usr/share/locale)");
        return;
    }
    let secret = secret();
    let link = Path::new("/usr/share/locale")
        .join(format!("learn-harmless-attack-{}", std::process::id()));
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&secret, &link).unwrap();
    let ran = attack(&["link", secret.to_str().unwrap(), link.to_str().unwrap()]);
    let _ = std::fs::remove_file(&link);
    ran.exited(0)
        .line("link: refused (Operation not permitted)");
    assert!(!ran.stdout.contains(SECRET), "{ran:#?}");
}

#[test]
fn a_path_rewritten_while_the_command_reads_it_never_leaks() {
    let secret = secret();
    let ran = attack(&["race", secret.to_str().unwrap()]);
    ran.exited(0).line("race: 0 of 2000 reads leaked");
}
