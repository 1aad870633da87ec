//! The broker reads the path of a denied open from the program's memory once, judges that
//! copy and opens that copy itself: a thread rewriting the path meanwhile (to /etc/shadow and
//! back) can make the open be refused, never make it give anything but what the copy named.

use std::process::Command;
use std::time::Duration;

use attacks::bounded::run_bounded;
use attacks::{compile, pledge_command, End, Link};

#[test]
fn a_path_rewritten_during_the_open_never_gets_the_secret() {
    let prog = compile("broker_race", Link::Plain);
    let ran = run_bounded(
        Command::new(pledge_command())
            .args(["-q", "-p", "stdio", "--"])
            .arg(&prog)
            .arg("3000"),
        Duration::from_secs(60),
    );
    assert_eq!(ran.finished(), End::Exit(0), "{ran:#?}");
    let out = ran.out();
    let words: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(words.len(), 4, "{ran:#?}");
    let served: u32 = words[1].parse().unwrap();
    let wrong: u32 = words[3].parse().unwrap();
    // /dev/null was served (the broker works under stdio alone)...
    assert!(served > 0, "{ran:#?}");
    // ...and every descriptor handed over was /dev/null.
    assert_eq!(wrong, 0, "{ran:#?}");
}
