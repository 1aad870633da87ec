//! The text `pledge --learn` prints: the suggested command line, then why each promise is
//! there, the unveil entries, the calls no promise lets through, and the cost of observing.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::os::unix::ffi::OsStrExt;
use std::time::Duration;

use scopes::learn::{Outcome, Probe, Suggestion};

use super::replay::Verdict;

/// How many probes the report lists one by one.
const MAX_PROBES: usize = 12;

/// What the report says about the observed run.
pub struct Run<'a> {
    /// The program and its arguments, as given.
    pub program: &'a OsString,
    /// The arguments.
    pub args: &'a [OsString],
    /// The status the command exits with (the program's own).
    pub status: i32,
    /// Wall time from start to end of the observed run.
    pub wall: Duration,
    /// Calls stopped and inspected.
    pub stopped: u64,
    /// Calls the table does not name.
    pub unnamed: u64,
    /// Time the observer spent on them.
    pub busy: Duration,
    /// What `--verify` established, when asked.
    pub verdict: Option<&'a super::replay::Verdict>,
}

/// Quotes `word` for a POSIX shell: as is when it only holds safe characters, else in single
/// quotes (a quote inside becomes `'\''`). A word the program chose may hold what a terminal
/// acts on (control characters other than line feed and tab, bytes that are not UTF-8,
/// invisible reordering characters):
/// such a word is written as `$'...'` with those characters as `\xNN` escapes, which bash,
/// zsh, ksh and POSIX.1-2024 shells read (dash does not), so the line never carries them raw.
pub fn shell_quote(word: &[u8]) -> Vec<u8> {
    let safe = |b: &u8| b.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(b);
    if !word.is_empty() && word.iter().all(safe) {
        return word.to_vec();
    }
    if crate::decode::acts_on_terminal(word) {
        return ansi_c_quoted(word);
    }
    let mut out = vec![b'\''];
    for b in word {
        if *b == b'\'' {
            out.extend_from_slice(b"'\\''");
        } else {
            out.push(*b);
        }
    }
    out.push(b'\'');
    out
}

/// `$'...'`: printable UTF-8 characters as they are (but `\` and `'` escaped), every other
/// byte as `\xNN`.
fn ansi_c_quoted(word: &[u8]) -> Vec<u8> {
    let mut out = b"$'".to_vec();
    for chunk in word.utf8_chunks() {
        for c in chunk.valid().chars() {
            let mut utf8 = [0u8; 4];
            let bytes = c.encode_utf8(&mut utf8).as_bytes();
            if c == '\\' || c == '\'' {
                out.push(b'\\');
                out.push(c as u8);
            } else if crate::decode::escape(bytes).as_bytes() != bytes {
                for b in bytes {
                    out.extend(format!("\\x{b:02x}").into_bytes());
                }
            } else {
                out.extend_from_slice(bytes);
            }
        }
        for b in chunk.invalid() {
            out.extend(format!("\\x{b:02x}").into_bytes());
        }
    }
    out.push(b'\'');
    out
}

/// The ready-to-run command line, one line.
pub fn command_line(s: &Suggestion, program: &OsString, args: &[OsString]) -> Vec<u8> {
    let mut line = b"pledge -p ".to_vec();
    // Always quoted, as users will edit the list.
    line.extend(single_quoted(&s.promises.to_string()));
    for (path, access) in &s.unveil {
        line.extend_from_slice(b" -v ");
        let mut entry = format!("{access}:").into_bytes();
        entry.extend_from_slice(path.as_os_str().as_bytes());
        line.extend(single_quoted_bytes(&entry));
    }
    line.extend_from_slice(b" --");
    for word in std::iter::once(program).chain(args) {
        line.push(b' ');
        line.extend(shell_quote(word.as_bytes()));
    }
    line
}

fn single_quoted(text: &str) -> Vec<u8> {
    single_quoted_bytes(text.as_bytes())
}

fn single_quoted_bytes(bytes: &[u8]) -> Vec<u8> {
    let quoted = shell_quote(bytes);
    if quoted.first() == Some(&b'\'') || quoted.starts_with(b"$'") {
        quoted
    } else {
        [b"'".as_slice(), &quoted, b"'"].concat()
    }
}

/// The whole report.
pub fn report(s: &Suggestion, run: &Run<'_>) -> Vec<u8> {
    let mut out = b"pledge: learned from one run; to run it under the smallest pledge that allows what it did:\n\n    ".to_vec();
    out.extend(command_line(s, run.program, run.args));
    let mut text = String::from("\n\n");
    if s.reasons.is_empty() {
        text.push_str("No promise was needed: the program only exited and read clocks.\n");
    } else {
        text.push_str("Why each promise (one call that needed it):\n");
        let width = s
            .reasons
            .iter()
            .map(|(p, _)| p.word().len())
            .max()
            .unwrap_or(0);
        for (p, e) in &s.reasons {
            let _ = writeln!(
                text,
                "    {:width$}  {}[{}]: {}",
                p.word(),
                e.program,
                e.pid,
                e.call
            );
        }
    }
    if !s.unveil.is_empty() {
        text.push_str(
            "\nPaths it used, as unveil entries, and the call that used each (the program itself \
             stays reachable without one):\n",
        );
        for ((path, access), why) in s.unveil.iter().zip(&s.unveil_reasons) {
            let _ = write!(
                text,
                "    {:4}  {}",
                access.to_string(),
                crate::decode::escape(path.as_os_str().as_bytes())
            );
            match why {
                Some(e) => {
                    let _ = writeln!(text, "  ({}[{}]: {})", e.program, e.pid, e.call);
                }
                None => text.push('\n'),
            }
        }
    }
    if !s.withheld.is_empty() {
        text.push_str(
            "\nPaths it used that are left out because they hold secrets (add them yourself, \
             knowingly, if the program must reach them):\n",
        );
        for (path, access) in &s.withheld {
            let _ = writeln!(
                text,
                "    {:4}  {}",
                access.to_string(),
                crate::decode::escape(path.as_os_str().as_bytes())
            );
        }
    }
    let probes: Vec<_> = s
        .left_out
        .iter()
        .filter(|l| l.probe == Probe::Missing)
        .collect();
    let served = s
        .left_out
        .iter()
        .filter(|l| l.probe == Probe::Harmless)
        .count();
    if !probes.is_empty() {
        text.push_str(
            "\nProbes, not needs (lookups of paths that did not exist), and what the suggestion does \
             to them:\n",
        );
        for l in probes.iter().take(MAX_PROBES) {
            let fate = match l.outcome {
                None => "fails with ENOENT, as it did",
                Some(Outcome::Errno(_)) => "fails with an errno, as it did",
                Some(Outcome::Violation) => "denied and reported (EPERM; kills with -k)",
            };
            let _ = writeln!(
                text,
                "    {}[{}]: {}: {fate}",
                l.example.program, l.example.pid, l.example.call
            );
        }
        if probes.len() > MAX_PROBES {
            let _ = writeln!(text, "    ... and {} more", probes.len() - MAX_PROBES);
        }
        if s.with_probes != s.promises {
            let _ = writeln!(
                text,
                "  Should the program need them to fail quietly, use -p '{}'.",
                s.with_probes
            );
        }
    }
    if served > 0 {
        text.push_str(
            "\nHarmless reads (message catalogs, the time zone, /dev/null...) need no promise: \
             pledge answers them itself.\n",
        );
    }
    if !s.unmet.is_empty() {
        text.push_str("\nCalls no promise lets through, and what will happen to them:\n");
        for u in &s.unmet {
            let fate = match u.outcome {
                Outcome::Errno(libc::ENOSYS) => {
                    "fails with ENOSYS (libraries fall back)".to_string()
                }
                Outcome::Errno(e) => format!("fails with {}", errno_name(e)),
                Outcome::Violation => "denied and reported (EPERM; kills with -k)".to_string(),
            };
            let anyway = if u.failed_anyway {
                "; it failed in the observed run too"
            } else {
                ""
            };
            let _ = writeln!(
                text,
                "    {}[{}]: {}: {fate}{anyway}",
                u.example.program, u.example.pid, u.example.call
            );
        }
    }
    let _ = writeln!(
        text,
        "\nObserved run: exit status {}, {:.3} s wall time. It ran slower than usual: {} system calls were \
         stopped and inspected ({:.1} ms of the observer's time, {:.0} us per call, plus a round trip to it \
         for each){}.",
        run.status,
        run.wall.as_secs_f64(),
        run.stopped,
        run.busy.as_secs_f64() * 1000.0,
        run.busy.as_secs_f64() * 1e6 / run.stopped.max(1) as f64,
        if run.unnamed > 0 { format!("; {} unknown system calls were not judged", run.unnamed) } else { String::new() },
    );
    match run.verdict {
        None => {}
        Some(Verdict::Verified {
            runs,
            dropped,
            probes_needed,
        }) => {
            let _ = write!(
                text,
                "Verified by replay: under the command line above with -k, the same input gave the \
                 same output and exit status, with no violation ({runs} runs in all"
            );
            if !dropped.is_empty() {
                let _ = write!(
                    text,
                    "; shown unnecessary and dropped: {}",
                    dropped.join(", ")
                );
            }
            text.push_str(").\n");
            if *probes_needed {
                text.push_str(
                    "The program did not survive the refusal of its probes: the promises above \
                     let them through.\n",
                );
            }
        }
        Some(Verdict::NotVerified(why)) => {
            let _ = writeln!(text, "Not verified: {why}.");
        }
    }
    text.push_str("Only what this run did is covered: make it use every feature you will need.\n");
    out.extend(text.into_bytes());
    out
}

fn errno_name(e: i32) -> String {
    match e {
        libc::EPERM => "EPERM".into(),
        libc::EACCES => "EACCES".into(),
        libc::ENOSYS => "ENOSYS".into(),
        _ => format!("errno {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_a_shell() {
        for word in [
            "plain",
            "two words",
            "it's",
            "",
            "$HOME",
            "a\"b",
            "*",
            "x\ny",
            "-v",
        ] {
            let quoted = String::from_utf8(shell_quote(word.as_bytes())).unwrap();
            let echoed = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf %s {quoted}"))
                .output()
                .unwrap();
            assert_eq!(
                String::from_utf8_lossy(&echoed.stdout),
                word,
                "quoted as {quoted}"
            );
        }
        assert_eq!(shell_quote(b"/etc/hosts"), b"/etc/hosts");
    }

    #[test]
    fn words_a_terminal_would_act_on_are_written_escaped() {
        for word in [
            b"/tmp/a\x1b[31mred\nx".as_slice(),
            b"it's \\ \xff\x9b",
            "r\u{202e}tl é".as_bytes(),
        ] {
            let quoted = shell_quote(word);
            assert!(quoted.starts_with(b"$'"), "{quoted:?}");
            let text = String::from_utf8(quoted.clone()).expect("all escaped");
            assert!(!text.chars().any(|c| c.is_control()), "{text:?}");
            let echoed = std::process::Command::new("bash")
                .arg("-c")
                .arg(format!("printf %s {text}"))
                .output()
                .unwrap();
            assert_eq!(echoed.stdout, word, "quoted as {text}");
        }
    }
}
