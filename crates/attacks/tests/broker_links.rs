//! Links planted beneath the broker's directories must not lead it anywhere else: a symbolic
//! link (absolute, or climbing out with `..`), a directory link, a hard link to a file outside,
//! and an /etc/localtime that points outside the time zone database are all refused, while a
//! plain catalog beside them is served. Each case runs in a mount namespace whose tmpfs stands
//! in for the system directory (so the machine's own files are never touched); the supervisor
//! opens its directories in that namespace, as it would on a system where a program running as
//! root with `cpath` had planted them.

use std::process::Command;
use std::time::Duration;

use attacks::bounded::run_bounded;
use attacks::{compile, pledge_command, scratch, End, Link};

const SECRET: &str = "broker-links-secret-5d1e";

#[test]
fn planted_links_never_redirect_the_broker() {
    let prog = compile("broker_links", Link::Plain);
    let secret = scratch("broker_links_secret").join("secret");
    std::fs::write(&secret, format!("{SECRET}\n")).unwrap();
    let l = "/usr/share/locale/xx/LC_MESSAGES";
    let z = "/usr/share/zoneinfo";
    let script = format!(
        "set -e
         t=$(mktemp -d)
         mount -t tmpfs none \"$t\"
         mkdir -p \"$t/locale/xx/LC_MESSAGES\" \"$t/zoneinfo/Area\" \"$t/etc\"
         echo {SECRET}-same-fs > \"$t/outside\"
         echo catalog > \"$t/locale/xx/LC_MESSAGES/ok.mo\"
         ln -s {secret} \"$t/locale/xx/LC_MESSAGES/abs.mo\"
         ln -s ../../../../../../../../../..{secret} \"$t/locale/xx/LC_MESSAGES/up.mo\"
         ln -s {secret_dir} \"$t/locale/dir\"
         ln \"$t/outside\" \"$t/locale/xx/LC_MESSAGES/hard.mo\"
         echo zone > \"$t/zoneinfo/Area/City\"
         ln -s City \"$t/zoneinfo/Area/Alias\"
         ln -s {secret} \"$t/zoneinfo/Area/Abs\"
         ln -s ../../../../../..{secret} \"$t/zoneinfo/Area/Up\"
         cp -a /etc/. \"$t/etc/\"
         rm -f \"$t/etc/localtime\"
         ln -s {secret} \"$t/etc/localtime\"
         mount --bind \"$t/locale\" /usr/share/locale
         mount --bind \"$t/zoneinfo\" {z}
         mount --bind \"$t/etc\" /etc
         exec {pledge} -p stdio -- {prog} {l}/ok.mo {l}/abs.mo {l}/up.mo /usr/share/locale/dir/secret \
             {l}/hard.mo {z}/Area/City {z}/Area/Alias {z}/Area/Abs {z}/Area/Up /etc/localtime",
        secret = secret.display(),
        secret_dir = secret.parent().unwrap().display(),
        pledge = pledge_command().display(),
        prog = prog.display(),
    );
    let ran = run_bounded(
        Command::new("unshare").args(["-m", "--propagation", "private", "sh", "-c", &script]),
        Duration::from_secs(60),
    );
    assert_eq!(ran.finished(), End::Exit(0), "{ran:#?}");
    let out = ran.out();
    assert!(!out.contains(SECRET), "the broker was redirected: {ran:#?}");
    let expect = [
        (format!("{l}/ok.mo"), "read catalog"),
        (format!("{l}/abs.mo"), "refused"),
        (format!("{l}/up.mo"), "refused"),
        ("/usr/share/locale/dir/secret".to_string(), "refused"),
        (format!("{l}/hard.mo"), "refused"),
        (format!("{z}/Area/City"), "read zone"),
        // A link among the zones, staying beneath the database, is followed.
        (format!("{z}/Area/Alias"), "read zone"),
        (format!("{z}/Area/Abs"), "refused"),
        (format!("{z}/Area/Up"), "refused"),
        ("/etc/localtime".to_string(), "refused"),
    ];
    for (path, what) in expect {
        assert!(
            out.lines()
                .any(|line| line.starts_with(&format!("{path}: {what}"))),
            "{path}: expected {what}: {ran:#?}"
        );
    }
    // The refusals are reported as the violations they are.
    assert!(ran.err().contains("abs.mo\", O_RDONLY) denied"), "{ran:#?}");
}
