//! The manual pages (man/pledge.1, man/pledge.3, man/unveil.3) render without a warning from
//! man and groff, have OpenBSD's sections, and pledge(1) documents every option the command
//! has. (Their promise lists are checked against the table in crates/scopes/tests/docs.rs.)
//!
//! Needs the Debian packages man-db and groff-base.

use std::path::PathBuf;
use std::process::Command;

fn page(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../man")
        .join(name)
}

/// The page as `man -l` prints it 80 columns wide, asserting neither man nor groff warned.
fn rendered(name: &str) -> String {
    let out = Command::new("man")
        .args(["--warnings=all", "-l"])
        .arg(page(name))
        .env("MANWIDTH", "80")
        .env("LC_ALL", "C.UTF-8")
        .env_remove("MANPAGER")
        .env_remove("PAGER")
        .output()
        .expect("running man (install the Debian package man-db)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.is_empty(),
        "man -l {name}: {stderr}"
    );
    let groff = Command::new("groff")
        .args(["-ww", "-mandoc", "-Tutf8", "-z"])
        .arg(page(name))
        .output()
        .expect("running groff (install the Debian package groff-base)");
    let stderr = String::from_utf8_lossy(&groff.stderr);
    assert!(
        groff.status.success() && stderr.is_empty(),
        "groff {name}: {stderr}"
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for line in text.lines() {
        assert!(
            line.chars().count() <= 100,
            "{name}: an overlong line: {line}"
        );
    }
    text
}

#[test]
fn pages_render_cleanly_with_openbsds_sections() {
    for (name, sections) in [
        (
            "pledge.1",
            &[
                "NAME",
                "SYNOPSIS",
                "DESCRIPTION",
                "ENVIRONMENT",
                "EXIT STATUS",
                "EXAMPLES",
                "LINUX DIFFERENCES",
                "SEE ALSO",
            ][..],
        ),
        (
            "pledge.3",
            &[
                "NAME",
                "LIBRARY",
                "SYNOPSIS",
                "DESCRIPTION",
                "RETURN VALUES",
                "ERRORS",
                "LINUX DIFFERENCES",
                "SEE ALSO",
            ][..],
        ),
        (
            "unveil.3",
            &[
                "NAME",
                "LIBRARY",
                "SYNOPSIS",
                "DESCRIPTION",
                "RETURN VALUES",
                "ERRORS",
                "LINUX DIFFERENCES",
                "SEE ALSO",
            ][..],
        ),
    ] {
        let text = rendered(name);
        for section in sections {
            assert!(
                text.contains(&format!("\n{section}\n")),
                "{name} lacks {section}"
            );
        }
    }
}

#[test]
fn pledge_1_documents_every_option_and_promise() {
    let text = rendered("pledge.1");
    let help = Command::new(env!("CARGO_BIN_EXE_pledge"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let mut options = 0;
    for word in help.split_whitespace() {
        let word = word.trim_end_matches(',');
        if word.starts_with("--")
            && word.len() > 2
            && word[2..]
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-')
        {
            options += 1;
            assert!(text.contains(word), "pledge(1) does not document {word}");
        }
    }
    assert!(options > 15, "found only {options} options in --help");
    for p in scopes::Promise::ALL {
        assert!(
            text.contains(&format!("     {:<10} ", p.word()))
                || text.contains(&format!("     {}\n", p.word())),
            "{p}"
        );
    }
}

#[test]
fn the_library_pages_document_every_errno_of_the_header() {
    let header = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../include/pledge.h"),
    )
    .unwrap();
    let pages = rendered("pledge.3") + &rendered("unveil.3");
    for errno in [
        "EINVAL",
        "EPERM",
        "EFAULT",
        "ENAMETOOLONG",
        "ENOENT",
        "ENOSYS",
        "EOPNOTSUPP",
        "ENOTRECOVERABLE",
    ] {
        if header.contains(errno) {
            assert!(
                pages.contains(&format!("[{errno}")) || pages.contains(&format!(", {errno}]")),
                "{errno} missing from the ERRORS sections"
            );
        }
    }
}
