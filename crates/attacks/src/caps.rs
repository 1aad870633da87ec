//! Helpers for the capability attacks (tests/caps_*.rs): what a pledge leaves a root process,
//! and the victims those attacks aim at (a file's attributes, the loopback interface).

use std::path::{Path, PathBuf};
use std::process::Command;

use scopes::Promises;

/// Whether this test runs as root (uid 0), where capabilities are at stake.
pub fn root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().next())
        == Some("0")
}

/// A capability mask line (`CapEff:`, `CapPrm:`...) of a `/proc/<pid>/status` text.
pub fn mask(status: &str, field: &str) -> u64 {
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .unwrap_or_else(|| panic!("no {field} in {status:?}"));
    let hex = line.split_whitespace().nth(1).expect("a mask");
    u64::from_str_radix(hex, 16).expect("a hex mask")
}

/// The capabilities this process holds (permitted): what a root program starts with here
/// (a container may withhold some).
pub fn held() -> u64 {
    mask(
        &std::fs::read_to_string("/proc/self/status").expect("/proc/self/status"),
        "CapPrm:",
    )
}

/// The capabilities the table says `promises` keep, of those this machine gives root.
pub fn kept(promises: &str) -> u64 {
    let set: Promises = promises.parse().expect("promises");
    scopes::policy::caps::needed(set).bits() & held()
}

/// Compiles `crates/attacks/c/<name>.c` as a static program without libpledge (the `pledge`
/// command applies promises to those from `execve` on, without its preload), with
/// `CAPS_NO_LIBPLEDGE` defined.
pub fn compile_static(name: &str) -> PathBuf {
    let src = crate::repo()
        .join("crates/attacks/c")
        .join(format!("{name}.c"));
    let out = crate::scratch(&format!("bin-{name}-static")).join(name);
    let result = Command::new("cc")
        .args([
            "-std=gnu11",
            "-O1",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-static",
        ])
        .arg("-DCAPS_NO_LIBPLEDGE")
        .arg("-o")
        .arg(&out)
        .arg(&src)
        .output()
        .expect("running cc");
    assert!(
        result.status.success(),
        "cc -static failed for {name}.c:\n{}",
        String::from_utf8_lossy(&result.stderr)
    );
    out
}

/// The value of the extended attribute `name` of `file`, as hex, or `None` when the file has
/// none; read by `caps_getxattr`, run without any pledge.
pub fn xattr(file: &Path, name: &str) -> Option<String> {
    let reader = crate::compile("caps_getxattr", crate::Link::Plain);
    let ran = crate::run(&reader, &[file.to_str().expect("a UTF-8 path"), name]);
    ran.exited(0);
    let value = ran.stdout.trim().to_string();
    (value != "absent").then_some(value)
}

/// The address the netlink attack tries to add to `lo`.
pub const ATTACK_ADDRESS: &str = "127.0.0.78";

/// Whether `lo` carries [`ATTACK_ADDRESS`], as `ip -4 addr show lo` tells.
pub fn lo_has_attack_address() -> bool {
    let out = Command::new("ip")
        .args(["-4", "addr", "show", "lo"])
        .output()
        .expect("running ip");
    assert!(out.status.success(), "ip -4 addr show lo failed");
    String::from_utf8_lossy(&out.stdout).contains(&format!("inet {ATTACK_ADDRESS}/"))
}

/// Removes [`ATTACK_ADDRESS`] from `lo` if an attack added it, when dropped: the machine stays
/// as it was whatever the test found.
pub struct RemoveAttackAddress;

impl Drop for RemoveAttackAddress {
    fn drop(&mut self) {
        if lo_has_attack_address() {
            let _ = Command::new("ip")
                .args(["addr", "del", &format!("{ATTACK_ADDRESS}/8"), "dev", "lo"])
                .status();
        }
    }
}
