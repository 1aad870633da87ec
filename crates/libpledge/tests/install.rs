//! scripts/install.sh into a temporary PREFIX, then pkg-config as a user would run it:
//! `cc prog.c $(pkg-config --cflags --libs pledge)`, dynamic and static; and a staged install
//! (`DESTDIR`) whose `pledge` command works on its own.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{lib_dir, repo, scratch};

fn install_script() -> Command {
    Command::new(repo().join("scripts/install.sh"))
}

/// The `pledge` command of this build, which install.sh installs too (built here when this
/// test runs alone).
fn pledge_command() -> PathBuf {
    let built = common::profile_dir().join("pledge");
    if !built.is_file() {
        let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cargo
            .current_dir(repo())
            .args(["build", "-p", "pledge-cli"]);
        if common::profile_dir()
            .file_name()
            .is_some_and(|n| n == "release")
        {
            cargo.arg("--release");
        }
        assert!(
            cargo.status().unwrap().success(),
            "building pledge-cli failed"
        );
    }
    built
}

fn installed(prefix: &Path) -> Output {
    let out = install_script()
        .arg("--no-build")
        .arg("--from")
        .arg(lib_dir())
        .arg("--command")
        .arg(pledge_command())
        .arg(prefix)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "install.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs a shell command with pkg-config looking in `prefix`.
fn sh(prefix: &Path, command: &str) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(command)
        .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig"))
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .unwrap()
}

#[track_caller]
fn sh_ok(prefix: &Path, command: &str) -> String {
    let out = sh(prefix, command);
    assert!(
        out.status.success(),
        "{command}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn prefix(name: &str) -> PathBuf {
    let prefix = scratch().join(name);
    let _ = std::fs::remove_dir_all(&prefix);
    prefix
}

#[test]
fn installs_header_libraries_and_pkg_config_files() {
    let prefix = prefix("prefix-files");
    installed(&prefix);
    for f in [
        "bin/pledge",
        "share/man/man1/pledge.1",
        "share/man/man3/pledge.3",
        "share/man/man3/unveil.3",
        "include/pledge.h",
        "lib/libpledge.so",
        "lib/libpledge.a",
        "lib/pkgconfig/pledge.pc",
        "lib/pkgconfig/pledge-static.pc",
    ] {
        assert!(prefix.join(f).is_file(), "{f} not installed");
    }
    assert_eq!(
        std::fs::read(prefix.join("include/pledge.h")).unwrap(),
        std::fs::read(repo().join("include/pledge.h")).unwrap()
    );
    assert_eq!(
        sh_ok(&prefix, "pkg-config --modversion pledge").trim(),
        env!("CARGO_PKG_VERSION")
    );
    let cflags = sh_ok(&prefix, "pkg-config --cflags pledge");
    assert_eq!(cflags.trim(), format!("-I{}/include", prefix.display()));
}

#[test]
fn programs_build_with_pkg_config_dynamic_and_static() {
    let prefix = prefix("prefix-build");
    installed(&prefix);
    let src = repo().join("examples/cat.c");
    let dynamic = prefix.join("cat-dynamic");
    let fully = prefix.join("cat-static");
    sh_ok(
        &prefix,
        &format!(
            "cc {} $(pkg-config --cflags --libs pledge) -o {}",
            src.display(),
            dynamic.display()
        ),
    );
    sh_ok(
        &prefix,
        &format!(
            "cc {} $(pkg-config --cflags --libs pledge-static) -o {}",
            src.display(),
            fully.display()
        ),
    );
    let text = common::file("installed-cat.txt", "built with pkg-config\n");
    // The dynamic program finds the installed library through LD_LIBRARY_PATH (or ldconfig).
    let out = sh_ok(
        &prefix,
        &format!(
            "LD_LIBRARY_PATH={}/lib {} {text}",
            prefix.display(),
            dynamic.display()
        ),
    );
    assert_eq!(out, "built with pkg-config\n");
    // The static one needs nothing from the prefix at run time: remove the libraries.
    std::fs::remove_file(prefix.join("lib/libpledge.so")).unwrap();
    std::fs::remove_file(prefix.join("lib/libpledge.a")).unwrap();
    assert_eq!(
        sh_ok(&prefix, &format!("{} {text}", fully.display())),
        "built with pkg-config\n"
    );
    assert!(!sh(
        &prefix,
        &format!(
            "LD_LIBRARY_PATH={}/lib {} {text}",
            prefix.display(),
            dynamic.display()
        )
    )
    .status
    .success());
}

#[test]
fn libs_private_link_the_archive() {
    // `pkg-config --static` users link libpledge.a with the private libraries.
    let prefix = prefix("prefix-private");
    installed(&prefix);
    let src = repo().join("examples/cat.c");
    let exe = prefix.join("cat-private");
    sh_ok(
        &prefix,
        &format!(
            "cc {} $(pkg-config --cflags pledge) {}/lib/libpledge.a $(pkg-config --static --libs-only-l pledge | sed 's/-lpledge//') -o {}",
            src.display(),
            prefix.display(),
            exe.display()
        ),
    );
    assert_eq!(
        sh_ok(
            &prefix,
            &format!(
                "{} {}",
                exe.display(),
                repo().join("include/pledge.h").display()
            )
        )
        .len(),
        std::fs::read(repo().join("include/pledge.h"))
            .unwrap()
            .len()
    );
}

#[test]
fn destdir_stages_without_changing_the_paths_written() {
    let stage = prefix("stage");
    let out = install_script()
        .arg("--no-build")
        .arg("--from")
        .arg(lib_dir())
        .arg("--command")
        .arg(pledge_command())
        .arg("/usr/local")
        .env("DESTDIR", &stage)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Staged: no ldconfig, which would read the real /usr/local.
    assert!(!String::from_utf8_lossy(&out.stdout).contains("ldconfig"));
    let pc = std::fs::read_to_string(stage.join("usr/local/lib/pkgconfig/pledge.pc")).unwrap();
    assert!(
        pc.contains("prefix=/usr/local\n") && pc.contains("libdir=/usr/local/lib\n"),
        "{pc}"
    );
    for f in [
        "bin/pledge",
        "include/pledge.h",
        "lib/libpledge.so",
        "lib/pkgconfig/pledge.pc",
        "share/man/man1/pledge.1",
        "share/man/man3/pledge.3",
        "share/man/man3/unveil.3",
    ] {
        assert!(stage.join("usr/local").join(f).is_file(), "{f} not staged");
    }
    // The staged command works on its own: no environment, nothing else from the tree.
    let mut cat = Command::new(stage.join("usr/local/bin/pledge"))
        .args(["-p", "stdio", "--", "cat"])
        .env_clear()
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    cat.stdin.take().unwrap().write_all(b"hi\n").unwrap();
    let out = cat.wait_with_output().unwrap();
    assert_eq!(
        (out.status.code(), out.stdout.as_slice()),
        (Some(0), b"hi\n".as_slice()),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn libdir_and_mandir_are_honoured() {
    let prefix = prefix("prefix-dirs");
    let out = install_script()
        .arg("--no-build")
        .arg("--from")
        .arg(lib_dir())
        .arg("--command")
        .arg(pledge_command())
        .arg(&prefix)
        .env("LIBDIR", prefix.join("lib64"))
        .env("MANDIR", prefix.join("man"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "lib64/libpledge.so",
        "lib64/pkgconfig/pledge.pc",
        "man/man1/pledge.1",
        "man/man3/unveil.3",
    ] {
        assert!(prefix.join(f).is_file(), "{f} not installed");
    }
    // A private prefix is not the loader's: the script says how to reach it, runs no ldconfig.
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("is not in the loader's search path"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn bad_invocations_are_refused() {
    for (args, code, message) in [
        (vec![], 2, "usage"),
        (vec!["--no-build", "relative/prefix"], 2, "absolute"),
        (vec!["--bogus", "/x"], 2, "unknown option"),
        (
            vec![
                "--no-build",
                "--from",
                "/nonexistent/libpledge",
                "/tmp/never-installed",
            ],
            1,
            "missing",
        ),
    ] {
        let out = install_script().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(code), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(message),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(!Path::new("/tmp/never-installed").exists());
}
