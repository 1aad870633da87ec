//! Reports are written to a terminal: whatever the program controls in them (its name, the
//! paths and arguments of its calls) must not be able to add lines, move the cursor or change
//! colours, so a program cannot forge or hide reports.

use attacks::bounded as cmd_hostile;

use std::process::Command;
use std::time::Duration;

use attacks::{compile, pledge_command, End, Link};
use cmd_hostile::{raw_controls, run_bounded};

#[test]
fn names_and_paths_cannot_forge_report_lines() {
    let prog = compile("cmd_hostile_names", Link::Plain);
    let ran = run_bounded(
        Command::new(pledge_command())
            .args(["-p", "stdio", "--"])
            .arg(&prog),
        Duration::from_secs(30),
    );
    assert_eq!(ran.finished(), End::Exit(0), "{ran:#?}");
    assert_eq!(ran.out(), "done\n");
    let raw = raw_controls(&ran.stderr);
    assert!(raw.is_empty(), "raw control characters {raw:?} in {ran:#?}");
    let err = ran.err();
    let lines: Vec<&str> = err.lines().collect();
    // Exactly the two denied opens, one line each, each a whole report.
    assert_eq!(lines.len(), 2, "{ran:#?}");
    for line in &lines {
        assert!(line.starts_with("pledge: "), "{line:?}");
        assert!(
            line.contains("openat(") && line.ends_with("denied: needs promise \"rpath\""),
            "{line:?}"
        );
    }
    assert!(
        lines[0].starts_with("pledge: ok\\n\\x1b[2K\\rpledge:["),
        "{:?}",
        lines[0]
    );
    assert!(
        lines[0].contains("\\n\\x1b[31mpledge: forged\\x1b[0m"),
        "{:?}",
        lines[0]
    );
    // Not UTF-8, an 8-bit CSI, a right-to-left override: all shown as escapes.
    assert!(
        lines[1].starts_with("pledge: \\xff\\x9b31m\\u{202e}evil["),
        "{:?}",
        lines[1]
    );
    assert!(
        lines[1].contains("\\x9b31m\\u{202e}missing\\r\""),
        "{:?}",
        lines[1]
    );
}

#[test]
fn learning_prints_names_and_paths_escaped() {
    let prog = compile("cmd_hostile_names", Link::Plain);
    let dir = attacks::scratch("cmd_hostile_reports_learn");
    let file = dir.join("evil\x1b[2J\u{202e}name");
    std::fs::write(&file, "").unwrap();
    let ran = run_bounded(
        Command::new(pledge_command())
            .args(["--learn", "--"])
            .arg(&prog)
            .arg(&file),
        Duration::from_secs(30),
    );
    assert_eq!(ran.finished(), End::Exit(0), "{ran:#?}");
    let raw = raw_controls(&ran.stderr);
    assert!(raw.is_empty(), "raw control characters {raw:?} in {ran:#?}");
    let err = ran.err();
    assert!(err.contains("ok\\n\\x1b[2K\\rpledge:["), "{ran:#?}");
    // The unveil entry, escaped, and the ready-to-run line quoted so that it stays runnable.
    assert!(err.contains("evil\\x1b[2J\\u{202e}name"), "{ran:#?}");
    assert!(err.contains("$'r:"), "{ran:#?}");
    assert!(err.contains("evil\\x1b[2J\\xe2\\x80\\xaename'"), "{ran:#?}");
}
