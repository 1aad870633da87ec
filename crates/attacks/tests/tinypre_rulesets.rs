//! The command builds the program's Landlock layers and hands the preload their ruleset
//! descriptors (`SCM_RIGHTS`); the preload enforces each and closes it before `main`. A
//! program must never hold one: with a ruleset a program could add rules and enforce it again
//! (a new layer, which only narrows, but a descriptor the program was never meant to have).

use attacks::bounded as tinypre;

use std::process::Command;
use std::time::Duration;

use attacks::{compile, pledge_command, scratch, End, Link};
use tinypre::run_bounded;

#[test]
fn the_program_holds_no_ruleset_and_reads_nothing_outside_its_unveils() {
    let prog = compile("tinypre_rulesets", Link::Plain);
    let dir = scratch("tinypre_rulesets");
    let allowed = dir.join("allowed");
    let hidden = dir.join("hidden");
    std::fs::create_dir_all(&allowed).unwrap();
    std::fs::create_dir_all(&hidden).unwrap();
    let secret = hidden.join("secret");
    std::fs::write(&secret, "SECRET-tinypre").unwrap();
    for extra in [&[][..], &["--close-fds"][..]] {
        let ran = run_bounded(
            Command::new(pledge_command())
                .args(extra)
                .args(["-q", "-p", "stdio rpath unveil", "-v"])
                .arg(format!("r:{}", allowed.display()))
                .arg("--")
                .arg(&prog)
                .arg(&secret),
            Duration::from_secs(30),
        );
        assert_eq!(ran.finished(), End::Exit(0), "{extra:?}: {ran:#?}");
        assert!(!ran.out().contains("ruleset at"), "{extra:?}: {ran:#?}");
        assert!(!ran.out().contains("SECRET-tinypre"), "{extra:?}: {ran:#?}");
        assert!(
            ran.out().contains("secret unreadable"),
            "{extra:?}: {ran:#?}"
        );
    }
}

/// The command opens the paths of the program's rules itself: `/proc/self` in a rule must
/// still be the program's own entry (as when the program opened it), never the command's,
/// whose files the rule would otherwise open to the program.
#[test]
fn proc_self_in_a_rule_is_the_programs_own() {
    let ran = run_bounded(
        Command::new(pledge_command()).args([
            "-p",
            "stdio rpath",
            "-v",
            "r:/proc/self/status",
            "--",
            "cat",
            "/proc/self/status",
        ]),
        Duration::from_secs(30),
    );
    assert_eq!(ran.finished(), End::Exit(0), "{ran:#?}");
    assert!(ran.out().starts_with("Name:\tcat\n"), "{ran:#?}");
}
