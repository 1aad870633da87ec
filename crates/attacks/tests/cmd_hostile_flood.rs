//! A program floods its supervisor with denied calls from many threads at once, and leaves
//! while calls are still pending: every call is answered and reported once, and the supervisor
//! ends with the program, with its status.

use attacks::bounded as cmd_hostile;

use std::process::Command;
use std::time::Duration;

use attacks::{compile, pledge_command, End, Link};
use cmd_hostile::{raw_controls, run_bounded};

const THREADS: usize = 8;
const EACH: usize = 1500;

#[test]
fn a_flood_of_denied_calls_is_answered_and_reported_call_by_call() {
    let prog = compile("cmd_hostile_flood", Link::Plain);
    let ran = run_bounded(
        Command::new(pledge_command())
            .args(["-p", "stdio", "--"])
            .arg(&prog)
            .args([THREADS.to_string(), EACH.to_string()]),
        Duration::from_secs(120),
    );
    assert_eq!(ran.finished(), End::Exit(0), "{:?}", ran.end);
    assert_eq!(ran.out(), format!("denied {}\n", THREADS * EACH));
    assert!(raw_controls(&ran.stderr).is_empty());
    let err = ran.err();
    let mut seen: Vec<&str> = err
        .lines()
        .map(|l| {
            assert!(l.starts_with("pledge: cmd_hostile_flo["), "{l:?}");
            assert!(l.ends_with("denied: needs promise \"rpath\""), "{l:?}");
            let start = l.find("\"/flood/").expect("the path");
            &l[start..l[start + 1..].find('"').unwrap() + start + 2]
        })
        .collect();
    assert_eq!(seen.len(), THREADS * EACH);
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), THREADS * EACH, "a call reported twice");
}

#[test]
fn a_program_leaving_with_calls_pending_ends_supervision_cleanly() {
    let prog = compile("cmd_hostile_flood", Link::Plain);
    for _ in 0..5 {
        let ran = run_bounded(
            Command::new(pledge_command())
                .args(["-q", "-p", "stdio", "--"])
                .arg(&prog)
                .args([THREADS.to_string(), 100_000.to_string(), "exit".into()]),
            Duration::from_secs(30),
        );
        assert_eq!(ran.finished(), End::Exit(3), "{ran:#?}");
        assert_eq!(ran.err(), "", "{ran:#?}");
    }
}
