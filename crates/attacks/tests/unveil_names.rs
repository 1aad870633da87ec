//! unveil() judges what a path names, not how it is spelled. Landlock cannot narrow a file
//! below a wider unveiled directory, so unveil refuses that (EOPNOTSUPP) rather than be
//! silently weaker; these attacks try to get such a narrowing accepted through another name
//! for the file (a symbolic link, a chain of them, a hard link, `..`, a bind mount) and then
//! write the victim the narrowing was meant to protect. The program stops at the first refused
//! unveil, as an OpenBSD program does, so a refusal leaves the victim untouched.

// An attack: hostile code calls libc directly on purpose.
#![allow(unsafe_code)]

use std::fs;
use std::os::unix::fs::symlink;
use std::path::PathBuf;

use attacks::{compile, run, scratch, Link, Ran};

/// The tree each attack runs in: `d/f` is the victim, `d/sub` a directory beside it, and the
/// other names all lead to `d/f`.
struct Tree {
    base: PathBuf,
}

impl Tree {
    fn new(name: &str) -> Tree {
        let base = scratch(&format!("unveil-names-{name}"));
        fs::create_dir_all(base.join("d/sub")).unwrap();
        fs::create_dir_all(base.join("e")).unwrap();
        fs::write(base.join("d/f"), "secret").unwrap();
        // An absolute link beside d, a relative one in another directory (resolved from the
        // link's own directory), a chain of two, and a link to a directory inside d.
        symlink(base.join("d/f"), base.join("lnk")).unwrap();
        symlink("../d/f", base.join("e/rel")).unwrap();
        symlink("lnk", base.join("chain")).unwrap();
        symlink("d/sub", base.join("subdir")).unwrap();
        // A hard link: the same file under another name, outside d.
        fs::hard_link(base.join("d/f"), base.join("e/h")).unwrap();
        Tree { base }
    }

    fn at(&self, rel: &str) -> String {
        self.base.join(rel).to_str().unwrap().to_owned()
    }

    /// Runs the attack with `steps` (`REL=PERMS`, `?REL=PERMS`), writing to `victim`.
    fn attack(&self, victim: &str, steps: &[&str]) -> Ran {
        let prog = compile("unveil_steps", Link::Libpledge);
        let steps: Vec<String> = steps
            .iter()
            .map(|s| {
                let (may_fail, s) = match s.strip_prefix('?') {
                    Some(rest) => ("?", rest),
                    None => ("", *s),
                };
                format!("{may_fail}{}", self.base.join(s).display())
            })
            .collect();
        let mut args = vec![self.at(victim)];
        args.extend(steps);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&prog, &args)
    }

    /// Asserts the attack stopped at a refused unveil of `rel` with `perms` and the victim is
    /// untouched.
    #[track_caller]
    fn refused(&self, ran: &Ran, rel: &str, perms: &str) {
        ran.exited(3)
            .line(&format!("unveil {} {perms}: EOPNOTSUPP", self.at(rel)));
        self.untouched();
    }

    #[track_caller]
    fn untouched(&self) {
        assert_eq!(
            fs::read_to_string(self.base.join("d/f")).unwrap(),
            "secret",
            "the victim was written"
        );
    }
}

/// The three symbolic links to d/f.
const LINKS: [&str; 3] = ["lnk", "e/rel", "chain"];

#[test]
fn unveil_a_symlink_below_a_wider_directory_is_refused() {
    for link in LINKS {
        let t = Tree::new("link-second");
        let ran = t.attack("d/f", &["d=rw", &format!("{link}=r")]);
        t.refused(&ran, link, "r");
    }
}

#[test]
fn unveil_a_symlink_then_the_wider_directory_is_refused() {
    for link in LINKS {
        let t = Tree::new("link-first");
        let ran = t.attack("d/f", &[&format!("{link}=r"), "d=rw"]);
        t.refused(&ran, "d", "rw");
    }
}

#[test]
fn unveil_the_direct_name_after_a_refused_symlink_is_still_refused() {
    // A program that ignores the first refusal must not get the narrowing through the file's
    // real name either.
    for link in LINKS {
        let t = Tree::new("direct-after");
        let ran = t.attack("d/f", &["d=rw", &format!("?{link}=r"), "d/f=r"]);
        ran.line(&format!("unveil {} r: EOPNOTSUPP", t.at(link)));
        t.refused(&ran, "d/f", "r");
    }
}

#[test]
fn unveil_the_direct_name_after_the_symlink_then_the_wider_directory_is_refused() {
    // The symlink is accepted alone (no wider directory yet), the real name replaces its rule:
    // the wider directory that comes last must still see the file beneath it.
    for link in LINKS {
        let t = Tree::new("replace-then-wider");
        let ran = t.attack("d/f", &[&format!("{link}=r"), "d/f=r", "d=rw"]);
        ran.line(&format!("unveil {} r: ok", t.at(link)))
            .line(&format!("unveil {} r: ok", t.at("d/f")));
        t.refused(&ran, "d", "rw");
    }
}

#[test]
fn unveil_a_file_again_through_a_symlink_replaces_its_permissions() {
    // As on OpenBSD, where unveil follows the link: one file, one rule, the last one wins.
    for link in LINKS {
        let t = Tree::new("replace");
        let ran = t.attack("d/f", &[&format!("{link}=rw"), "d/f=r"]);
        ran.exited(0).line("open: EACCES");
        t.untouched();
        let ran = t.attack("d/f", &["d/f=rw", &format!("{link}=r")]);
        ran.exited(0).line("open: EACCES");
        t.untouched();
    }
}

#[test]
fn unveil_dotdot_and_symlinked_directories_lead_to_the_real_parent() {
    // `d/sub/../f` and `subdir/../f` (subdir -> d/sub) both name d/f: beneath d.
    for path in ["d/sub/../f", "subdir/../f"] {
        let t = Tree::new("dotdot");
        let ran = t.attack("d/f", &["d=rw", &format!("{path}=r")]);
        t.refused(&ran, path, "r");
    }
}

#[test]
fn unveil_a_hard_link_with_other_permissions_than_the_file_is_refused() {
    // e/h and d/f are one file: Landlock rules attach to files, so both names would get the
    // union of what each was given.
    let t = Tree::new("hardlink-alias");
    let ran = t.attack("d/f", &["e/h=r", "d/f=rw"]);
    t.refused(&ran, "d/f", "rw");
    let ran = t.attack("d/f", &["d/f=rw", "e/h=r"]);
    t.refused(&ran, "e/h", "r");
    // The same permissions through both names are consistent: accepted.
    let ran = t.attack("d/f", &["d/f=r", "e/h=r"]);
    ran.exited(0).line("open: EACCES");
    t.untouched();
}

#[test]
fn unveil_the_direct_name_of_a_hard_linked_file_below_a_wider_directory_is_refused() {
    // e/h (outside d) is accepted read-only: through e/h the file is read-only, as on OpenBSD.
    // Unveiling its other name d/f read-only must then be judged at d/f, beneath d.
    let t = Tree::new("hardlink-wider");
    let ran = t.attack("e/h", &["d=rw", "e/h=r"]);
    ran.exited(0).line("open: EACCES");
    t.untouched();
    let ran = t.attack("d/f", &["d=rw", "e/h=r", "d/f=r"]);
    t.refused(&ran, "d/f", "r");
}

#[test]
fn unveil_through_a_bind_mount_of_the_wider_directory_is_refused() {
    // m is d mounted a second time: m/f lies beneath d (the same directory) wherever it is
    // mounted, and Landlock's rule on d applies through both.
    if effective_uid() != 0 {
        eprintln!("skipped: bind mounts need root");
        return;
    }
    let t = Tree::new("bind");
    fs::create_dir(t.base.join("m")).unwrap();
    let prog = compile("unveil_steps", Link::Libpledge);
    let script = format!(
        "mount --bind '{d}' '{m}' && exec '{prog}' '{d}/f' '{d}=rw' '{m}/f=r'",
        d = t.at("d"),
        m = t.at("m"),
        prog = prog.display()
    );
    let ran = attacks::run_command(
        std::process::Command::new("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c"])
            .arg(&script),
    );
    ran.exited(3)
        .line(&format!("unveil {}/f r: EOPNOTSUPP", t.at("m")));
    t.untouched();
}

/// The effective uid, read from /proc (the suite keeps `unsafe` in its harness).
fn effective_uid() -> u32 {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(u32::MAX)
}

#[test]
fn unveil_new_names_made_after_the_lock_gain_nothing() {
    // With d read-only and e writable, a hard link or a symbolic link to d/f made in e after
    // the lock must not make d/f writable: Landlock refuses a link that would give the file
    // more rights in its new place (REFER, EXDEV), and checks the file a link leads to.
    let t = Tree::new("after-lock");
    let (d, e, f) = (t.base.join("d"), t.base.join("e"), t.base.join("d/f"));
    let child = attacks::run_forked(move || {
        scopes::unveil(Some(&d), Some("r")).unwrap();
        scopes::unveil(Some(&e), Some("rwc")).unwrap();
        scopes::unveil(None, None).unwrap();
        match fs::hard_link(&f, e.join("new")) {
            Ok(()) => {
                return if fs::write(e.join("new"), "pwned").is_ok() {
                    1
                } else {
                    2
                }
            }
            Err(err) if err.raw_os_error() == Some(libc::EXDEV) => {}
            Err(_) => return 3,
        }
        symlink(&f, e.join("sym")).unwrap();
        match fs::write(e.join("sym"), "pwned") {
            Ok(()) => 4,
            Err(err) if err.raw_os_error() == Some(libc::EACCES) => 0,
            Err(_) => 5,
        }
    });
    child.ok();
    t.untouched();
}
