//! The shell examples in README.md and docs/*.md that are marked runnable run as shown.
//!
//! The convention: a fenced block whose opening line directly follows a line
//! `<!-- runnable -->` (blank lines between are allowed) is run, from a scratch directory of its
//! own, with bash, this build's `pledge` first on `PATH`, `LC_ALL=C` and no `LANG`,
//! `LD_PRELOAD` or `PLEDGE_PRELOAD`:
//!
//! - a ```` ```sh ```` block runs as one script under `set -euo pipefail` and must exit 0
//!   (comments such as `# prints hi` are not checked);
//! - a ```` ```console ```` block is a session: each line starting with `$ ` is a command, and
//!   the lines up to the next command are what it prints, standard output and standard error
//!   together, in order. Each command's output must be exactly that, except that a process id
//!   in brackets (`cat[4242]`) matches any, and a line `...` matches any number of lines.
//!   Commands run one after another in one shell, without `set -e`, so `$ echo $?` shows the
//!   status of the command before.
//!
//! Examples that need the network, root, a long build or a machine change (cargo install,
//! apt-get, docker) are not marked. Each block must finish within two minutes. The test prints
//! how many examples it ran.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const MARKER: &str = "<!-- runnable -->";
/// Separates the outputs of a console block's commands in the shell's combined output.
const SEPARATOR: &str = "@@@ doc example: next command @@@";

/// One runnable block.
struct Example {
    /// `README.md:42`, where its fence opens.
    place: String,
    /// `sh` or `console`.
    kind: String,
    /// The lines between the fences.
    lines: Vec<String>,
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Markdown files whose examples are checked: the README and every page in docs/.
fn documents() -> Vec<PathBuf> {
    let root = repository();
    let mut files = vec![root.join("README.md")];
    let mut pages: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    files.extend(pages);
    files
}

/// The runnable blocks of `file`. A marker not followed by a fenced block, or a block in a
/// language this test cannot run, is an error: a mistyped marker must not pass silently.
fn examples(file: &Path) -> Vec<Example> {
    let text = std::fs::read_to_string(file).unwrap();
    let name = file.strip_prefix(repository()).unwrap_or(file).display();
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() != MARKER {
            i += 1;
            continue;
        }
        let mut open = i + 1;
        while open < lines.len() && lines[open].trim().is_empty() {
            open += 1;
        }
        let kind = lines
            .get(open)
            .and_then(|l| l.strip_prefix("```"))
            .unwrap_or_else(|| panic!("{name}:{}: {MARKER} without a fenced block", i + 1));
        assert!(
            kind == "sh" || kind == "console",
            "{name}:{}: runnable blocks are ```sh or ```console, not ```{kind}",
            open + 1
        );
        let close = (open + 1..lines.len())
            .find(|&j| lines[j].starts_with("```"))
            .unwrap_or_else(|| panic!("{name}:{}: unclosed block", open + 1));
        found.push(Example {
            place: format!("{name}:{}", open + 1),
            kind: kind.to_string(),
            lines: lines[open + 1..close]
                .iter()
                .map(|l| l.to_string())
                .collect(),
        });
        i = close + 1;
    }
    found
}

/// A console block as (command, expected output lines) pairs.
fn session(example: &Example) -> Vec<(String, Vec<String>)> {
    let mut steps: Vec<(String, Vec<String>)> = Vec::new();
    for line in &example.lines {
        if let Some(command) = line.strip_prefix("$ ") {
            steps.push((command.to_string(), Vec::new()));
        } else {
            let step = steps.last_mut().unwrap_or_else(|| {
                panic!("{}: output before the first `$ ` command", example.place)
            });
            step.1.push(line.clone());
        }
    }
    steps
}

/// Runs `script` with bash in a fresh scratch directory; returns its status and its standard
/// output and standard error, combined in the order they were written.
fn bash(script: &str, scratch: &Path) -> (Option<i32>, String) {
    let pledge_dir = Path::new(env!("CARGO_BIN_EXE_pledge")).parent().unwrap();
    let path = format!(
        "{}:{}",
        pledge_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    std::fs::create_dir_all(scratch).unwrap();
    // One pipe for both streams (2>&1 in the script), so their order is kept.
    let out = Command::new("timeout")
        .args(["120", "bash", "-c", &format!("exec 2>&1\n{script}")])
        .current_dir(scratch)
        .env("PATH", path)
        .env("LC_ALL", "C")
        .env_remove("LANG")
        .env_remove("LD_PRELOAD")
        .env_remove("PLEDGE_PRELOAD")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .expect("running bash");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// `cat[4242]` and `cat[17]` alike: process ids differ from run to run.
fn without_pids(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..=open]);
        rest = &rest[open + 1..];
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 && rest[digits..].starts_with(']') {
            out.push_str("PID");
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

/// Whether `got` is what `expected` shows (`...` matching any number of lines).
fn matches(expected: &[String], got: &[String]) -> bool {
    match expected.split_first() {
        None => got.is_empty(),
        Some((first, rest)) if first == "..." => {
            (0..=got.len()).any(|skip| matches(rest, &got[skip..]))
        }
        Some((first, rest)) => got.split_first().is_some_and(|(line, more)| {
            without_pids(line) == without_pids(first) && matches(rest, more)
        }),
    }
}

/// Lines of `text`, without the empty lines at its end.
fn trimmed_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// Runs one example; the error says what differed.
fn run(example: &Example, scratch: &Path) -> Result<(), String> {
    if example.kind == "sh" {
        let script = format!("set -euo pipefail\n{}", example.lines.join("\n"));
        let (status, output) = bash(&script, scratch);
        return match status {
            Some(0) => Ok(()),
            _ => Err(format!("exit status {status:?}, output:\n{output}")),
        };
    }
    let steps = session(example);
    let mut script = String::new();
    for (command, _) in &steps {
        // Keep $? for the next command: the separator's printf would reset it.
        script.push_str(&format!(
            "{command}\n__status=$?; printf '\\n%s\\n' '{SEPARATOR}'; (exit $__status)\n"
        ));
    }
    let (_, output) = bash(&script, scratch);
    let outputs: Vec<&str> = output.split(&format!("\n{SEPARATOR}\n")).collect();
    for (i, (command, expected)) in steps.iter().enumerate() {
        let got = trimmed_lines(outputs.get(i).copied().unwrap_or(""));
        let expected = trimmed_lines(&expected.join("\n"));
        if !matches(&expected, &got) {
            return Err(format!(
                "$ {command}\nexpected:\n{}\ngot:\n{}",
                expected.join("\n"),
                got.join("\n")
            ));
        }
    }
    Ok(())
}

#[test]
fn marked_examples_run_as_shown() {
    let scratch_root =
        std::env::temp_dir().join(format!("pledge-doc-examples-{}", std::process::id()));
    let mut ran = 0;
    let mut failures = Vec::new();
    for file in documents() {
        for (n, example) in examples(&file).iter().enumerate() {
            let scratch = scratch_root.join(format!(
                "{}-{n}",
                file.file_stem().unwrap().to_string_lossy()
            ));
            ran += 1;
            if let Err(why) = run(example, &scratch) {
                failures.push(format!("{} ({}): {why}", example.place, example.kind));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch_root);
    eprintln!("ran {ran} marked examples from README.md and docs/");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // The README's own examples are marked: losing the markers must not go unnoticed.
    assert!(
        !examples(&repository().join("README.md")).is_empty(),
        "README.md has no runnable example"
    );
}

#[test]
fn the_checker_itself() {
    let lines = |text: &str| text.lines().map(str::to_string).collect::<Vec<_>>();
    assert!(matches(&lines("cat[4242]: x"), &lines("cat[17]: x")));
    assert!(!matches(&lines("cat[4242]: x"), &lines("cat[17]: y")));
    assert!(matches(&lines("a\n...\nz"), &lines("a\nb\nc\nz")));
    assert!(matches(&lines("a\n...\nz"), &lines("a\nz")));
    assert!(!matches(&lines("a\nz"), &lines("a\nb\nz")));
    assert_eq!(without_pids("[x] [12] [3a]"), "[x] [PID] [3a]");
    let example = Example {
        place: "test".into(),
        kind: "console".into(),
        lines: lines("$ echo hi\nhi\n$ false\n$ echo $?\n1"),
    };
    let scratch = std::env::temp_dir().join(format!("pledge-doc-checker-{}", std::process::id()));
    assert_eq!(run(&example, &scratch), Ok(()));
    let wrong = Example {
        lines: lines("$ echo hi\nho"),
        ..example
    };
    assert!(run(&wrong, &scratch).is_err());
    let _ = std::fs::remove_dir_all(&scratch);
}

/// Every file or folder of the repository the README and docs/ name (`crates/...`,
/// `scripts/...`, `docs/...`, `man/...`, `include/...`) exists: a reader can follow each
/// reference. A name with a `*` or `{` is a pattern and is not checked.
#[test]
fn named_paths_exist() {
    let root = repository();
    let mut missing = Vec::new();
    let mut checked = 0;
    for file in documents() {
        let text = std::fs::read_to_string(&file).unwrap();
        for (start, _) in text.match_indices(['c', 's', 'd', 'm', 'i']) {
            let rest = &text[start..];
            if start > 0 && !text[..start].ends_with([' ', '`', '(', '\n', '[', '|', '"']) {
                continue;
            }
            if !["crates/", "scripts/", "docs/", "man/", "include/"]
                .iter()
                .any(|p| rest.starts_with(p))
            {
                continue;
            }
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || "/._-*{}".contains(c)))
                .unwrap_or(rest.len());
            let name = rest[..end].trim_end_matches(['.', ',']);
            if name.contains(['*', '{']) {
                continue;
            }
            checked += 1;
            if !root.join(name).exists() {
                missing.push(format!("{}: {name}", file.display()));
            }
        }
    }
    assert!(
        checked > 20,
        "only {checked} paths found: the scanner is broken"
    );
    assert!(
        missing.is_empty(),
        "named in the docs but not in the repository:\n{}",
        missing.join("\n")
    );
}
