//! The Kubernetes export: a Security Profiles Operator `SeccompProfile` resource whose shape
//! is the operator's documented one and whose rules are exactly the OCI profile's, checked by
//! loading both with a YAML and a JSON parser (python3-yaml).

mod export_support;

use std::path::Path;
use std::process::Command;

use export_support::{run, Scratch};
use scopes::export::{self, Direction};
use scopes::{Arch, Promises};

const SETS: &[&str] = &[
    "",
    "stdio",
    "stdio rpath",
    "stdio inet dns",
    "stdio error",
    "stdio rpath wpath cpath dpath tmppath inet mcast fattr chown flock unix dns getpw sendfd recvfd tty proc exec \
     prot_exec settime ps vminfo id unveil netlink",
];

fn check(dir: &Scratch, tag: &str, promises: Promises, arches: &[Arch]) {
    let yaml = dir.path(&format!("{tag}.yaml"));
    let json = dir.path(&format!("{tag}.json"));
    std::fs::write(&yaml, export::k8s(promises, arches).output).unwrap();
    std::fs::write(&json, export::oci(promises, arches).output).unwrap();
    let out = run(
        Command::new("python3")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/export_support/check_k8s.py"))
            .arg(&yaml)
            .arg(&json)
            .arg(export::k8s_name(promises)),
        "python3-yaml",
    );
    assert!(
        out.status.success(),
        "\"{promises}\" on {arches:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_resource_has_the_operators_shape_and_the_oci_profiles_rules() {
    let dir = Scratch::new("k8s");
    for (i, set) in SETS.iter().enumerate() {
        let promises: Promises = set.parse().unwrap();
        check(&dir, &format!("set{i}"), promises, &[]);
        check(&dir, &format!("set{i}-all"), promises, Arch::ALL);
    }
}

#[test]
fn the_approximations_are_the_oci_exports_and_the_default_errno() {
    for set in SETS {
        let promises: Promises = set.parse().unwrap();
        let oci = export::oci(promises, &[]).approximations;
        let k8s = export::k8s(promises, &[]).approximations;
        assert_eq!(k8s[..oci.len()], oci[..], "{set}");
        let extra = &k8s[oci.len()..];
        if set.contains("error") {
            assert_eq!(extra.len(), 1, "{set}");
            assert_eq!(extra[0].direction, Direction::Other);
            assert!(extra[0].detail.contains("ENOSYS"));
        } else {
            assert!(extra.is_empty(), "{set}: {extra:?}");
        }
    }
}

#[test]
fn names_are_kubernetes_names() {
    for set in SETS {
        let name = export::k8s_name(set.parse().unwrap());
        assert!(name.len() <= 253, "{name}");
        assert!(
            name.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{name}"
        );
        assert!(
            name.starts_with("pledge-") && !name.ends_with('-'),
            "{name}"
        );
    }
}

#[test]
fn the_format_is_named_k8s() {
    let out = export::export("k8s".parse().unwrap(), "stdio".parse().unwrap(), &[]).unwrap();
    assert!(String::from_utf8(out.output).unwrap().contains(
        "\napiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\n"
    ));
}
