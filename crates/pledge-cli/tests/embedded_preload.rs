//! The preload travels inside the command and reaches the program as a sealed memfd: the
//! program holds no descriptor of it once narrowed (with or without --close-fds), it works
//! for a program without capabilities (--drop-caps: the loader opens its own inherited
//! descriptor, not the command's), and the program cannot change what it was given.

mod common;

use common::{compile_c, pledge, run, scratch};

/// Lists the program's descriptors above 2 as `N -> TARGET` lines.
const LIST_FDS: &str = r#"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(void) {
    DIR *d = opendir("/proc/self/fd");
    if (!d) { perror("opendir"); return 2; }
    int own = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        int fd = atoi(e->d_name);
        if (e->d_name[0] == '.' || fd <= 2 || fd == own) continue;
        char path[64], target[256];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(path, target, sizeof target - 1);
        target[n < 0 ? 0 : n] = 0;
        printf("%d -> %s\n", fd, target);
    }
    return 0;
}
"#;

#[test]
fn the_program_keeps_no_descriptor_of_the_preload() {
    let dir = scratch("embedded-fds");
    let prog = compile_c(&dir, "list_fds", LIST_FDS, &[]);
    let prog = prog.to_str().unwrap();
    for extra in [
        &[][..],
        &["--close-fds"][..],
        &["--drop-caps"][..],
        &["--close-fds", "--drop-caps"][..],
    ] {
        let mut args = extra.to_vec();
        args.extend(["-p", "stdio rpath", "--", prog]);
        let ran = run(&args);
        ran.code(0);
        assert!(
            !ran.stdout.contains("memfd:") && !ran.stdout.contains("pledge"),
            "{extra:?}: {ran:#?}"
        );
        if !extra.is_empty() && extra[0] == "--close-fds" {
            assert_eq!(ran.stdout, "", "{extra:?}: {ran:#?}");
        }
    }
}

#[test]
fn it_runs_with_no_environment_and_no_file_beside_it() {
    // A copy of the command alone in a directory: nothing to find next to it.
    let dir = scratch("embedded-alone");
    let alone = dir.join("pledge");
    std::fs::copy(common::PLEDGE, &alone).unwrap();
    let out = std::process::Command::new(&alone)
        .args(["-p", "stdio", "--", "/bin/echo", "alone"])
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).as_ref()
        ),
        (Some(0), "alone\n"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_preload_given_to_a_program_cannot_be_rewritten() {
    // Code of the program's that runs before the preload narrows it (here the constructor of
    // a library the user preloads too, which runs first) finds the preload's memfd and tries
    // to change it: the seals refuse, whichever way it is opened.
    let dir = scratch("embedded-sealed");
    let lib = compile_c(
        &dir,
        "librewrite.so",
        r#"
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
__attribute__((constructor)) static void rewrite(void) {
    int found = 0;
    for (int fd = 3; fd < 256; fd++) {
        char path[64], target[256];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n < 0) continue;
        target[n] = 0;
        if (!strstr(target, "memfd:pledge-preload")) continue;
        found++;
        int w = open(path, O_RDWR);
        int wrote = w >= 0 && pwrite(w, "x", 1, 0) == 1;
        int grew = w >= 0 && ftruncate(w, 1 << 20) == 0;
        int shrank = w >= 0 && ftruncate(w, 0) == 0;
        int direct = pwrite(fd, "x", 1, 0) == 1;
        dprintf(2, "memfd %d: wrote %d grew %d shrank %d direct %d\n", fd, wrote, grew, shrank, direct);
    }
    dprintf(2, "found %d\n", found);
}
"#,
        &["-shared", "-fPIC"],
    );
    let out = pledge()
        .args(["-q", "-p", "stdio rpath wpath", "--", "/bin/true"])
        .env("LD_PRELOAD", &lib)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("found 1\n"), "{stderr}");
    assert!(
        stderr.contains(": wrote 0 grew 0 shrank 0 direct 0\n"),
        "{stderr}"
    );
}
