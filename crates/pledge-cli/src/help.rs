//! `pledge --help`: enough to use the command without other documentation. The option list
//! comes from [`crate::options::OPTIONS`], the promise list from the policy table.

use std::fmt::Write as _;

use scopes::Promise;

use crate::options::OPTIONS;

/// The full help text.
pub fn text() -> String {
    let mut out = String::new();
    out.push_str(
        "Usage: pledge [OPTIONS] [--] PROGRAM [ARGS...]\n\
         \n\
         Runs PROGRAM restricted to OpenBSD-style promises (a seccomp filter) and, with -v, to\n\
         the paths unveiled (Landlock). pledge stays as PROGRAM's parent and reports on stderr\n\
         every system call the promises do not allow, with the promise that would allow it:\n\
         \n\
         \x20 pledge: cat[4242]: openat(\"/etc/shadow\", O_RDONLY) denied: needs promise \"rpath\"\n\
         \n\
         The denied call fails with EPERM (ENOSYS under the \"error\" promise) and the program\n\
         carries on; with -k the program is killed instead. Children the program starts run\n\
         under the same promises and are reported under their own name and pid. A program\n\
         that installs a seccomp filter of its own is reported too (what that filter refuses\n\
         never reaches pledge), and killed with -k.\n\
         \n\
         Options:\n",
    );
    for opt in OPTIONS {
        let mut names = String::new();
        if let Some(c) = opt.short {
            let _ = write!(names, "-{c}, ");
        } else {
            names.push_str("    ");
        }
        let _ = write!(names, "--{}", opt.long);
        if let Some(v) = opt.value {
            let _ = write!(names, " {v}");
        }
        let _ = writeln!(out, "  {names:<28} {}", opt.help);
    }
    out.push_str("\nPromises (pledge --explain WORDS shows the exact system calls):\n");
    for p in Promise::ALL {
        let _ = writeln!(out, "  {:<10} {}", p.word(), p.summary());
    }
    out.push_str(
        "\nExamples:\n\
         \x20 echo hi | pledge -p stdio -- cat            # prints hi: cat needs nothing more\n\
         \x20 pledge -p 'stdio rpath' -- cat /etc/hostname  # reading files needs rpath\n\
         \x20 pledge -p stdio -- cat /etc/hostname         # denied, and reported\n\
         \x20 pledge -p 'stdio rpath' -v /usr/share -- ls /usr/share/doc   # only /usr/share is visible\n\
         \x20 pledge -p 'stdio rpath wpath cpath fattr' -v rwc:/tmp/out -- gzip -k /tmp/out/log\n\
         \x20 pledge -k -p stdio -- ./untrusted-filter < in > out   # kill on the first violation\n\
         \x20 pledge -p 'stdio rpath proc exec' -- sh -c 'ls | wc -l'\n\
         \x20 pledge --fsize 10M --cpu 60 --close-fds --drop-caps -p stdio -- xz -9 < big > big.xz\n\
         \x20 pledge --explain 'stdio inet'\n\
         \x20 pledge --print-filter stdio --arch aarch64\n\
         \x20 pledge --learn -- sh -c 'ls | wc -l'   # prints the smallest pledge command for it\n\
         \x20 pledge --learn --verify -- sort -rn < data   # and proves it by replay under -k\n\
         \n\
         Good to know:\n\
         \x20 * The program's start-up (the dynamic loader mapping its libraries) is let through\n\
         \x20   before the promises apply, so 'stdio' alone is enough for a dynamically linked\n\
         \x20   program. This uses pledge's preload (libpledge_preload.so), built into the pledge\n\
         \x20   binary and handed to the program in memory: no other file is needed. Static\n\
         \x20   programs need no preload.\n\
         \x20 * Scripts (#!) run under their interpreter; the interpreter may always read the\n\
         \x20   script itself. '#!/usr/bin/env NAME' scripts need 'exec' (env runs NAME).\n\
         \x20 * With 'exec', programs the program starts keep the same promises (on Linux a\n\
         \x20   filter cannot be lifted); their loader may still open and map the system\n\
         \x20   libraries until their own start, so they need no 'prot_exec' for it.\n\
         \x20 * A few harmless files (/dev/null, the time zone, message catalogs, locale data,\n\
         \x20   the program's own /proc/self/maps...) are served by pledge whatever the\n\
         \x20   promises: pledge --explain lists them.\n\
         \x20 * A call denied again and again is reported once; a summary at the end counts them.\n\
         \x20 * Path rules (unveil, tmppath...) are enforced by Landlock, whose denials are\n\
         \x20   EACCES and are not reported.\n\
         \x20 * pledge ends when PROGRAM ends: processes it left running are killed then (make\n\
         \x20   it wait for background work). PROGRAM dies with pledge, and (Linux 6.12+) can\n\
         \x20   signal only itself and what it started, even with 'proc'.\n\
         \n\
         Environment:\n\
         \x20 PLEDGE_PRELOAD             a preload file to use instead of the built-in one (testing)\n\
         \x20 PLEDGE_HANDSHAKE_TIMEOUT   seconds a program may take to start (default 10); a program\n\
         \x20                            not narrowed to its promises by then is killed\n\
         \n\
         Exit status: PROGRAM's own; 128+N if it was killed by signal N (159, SIGSYS, with -k);\n\
         125 for pledge's own errors (bad option or promise, sandbox set-up); 126 when PROGRAM\n\
         cannot be executed; 127 when it is not found.\n",
    );
    out
}
