//! The crates are ready to publish: every publishable one has the metadata crates.io shows
//! (description, licence, repository, documentation, keywords, categories, README), what must
//! not be published says so, and each package holds what its build needs (for the command,
//! the preload's source; the unwinder set-up is a crate of its own, `scopes-build-support`).
//! (A full `cargo package` builds each package alone; it needs the registry's index, so it is
//! left to the release.)

use std::path::Path;
use std::process::Command;

const PUBLISHED: &[&str] = &[
    "scopes-core",
    "scopes-sys",
    "scopes",
    "pledge-handshake",
    "libpledge",
    "pledge-cli",
    "scopes-build-support",
];
const PRIVATE: &[&str] = &["bench", "attacks", "pledge-preload", "test-support"];

fn workspace() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn cargo(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("running cargo");
    assert!(
        out.status.success(),
        "cargo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn publishable_crates_have_their_metadata_and_the_rest_are_private() {
    let metadata = cargo(&[
        "metadata",
        "--no-deps",
        "--offline",
        "--format-version",
        "1",
    ]);
    // Checked with python3's JSON parser: the workspace has no JSON crate.
    let check = r#"
import json, sys
meta = json.load(sys.stdin)
published, private = sys.argv[1].split(","), sys.argv[2].split(",")
by_name = {p["name"]: p for p in meta["packages"]}
assert set(by_name) == set(published) | set(private), sorted(by_name)
for name in published:
    p = by_name[name]
    assert p["publish"] is None, f"{name} must be publishable"
    for field in ("description", "license", "repository", "documentation", "readme"):
        assert p.get(field), f"{name} lacks {field}"
    assert 1 <= len(p["keywords"]) <= 5, f"{name}: keywords {p['keywords']}"
    assert all(len(k) <= 20 for k in p["keywords"]), f"{name}: keywords {p['keywords']}"
    assert 1 <= len(p["categories"]) <= 5, f"{name}: categories {p['categories']}"
    for dep in p["dependencies"]:
        if dep.get("path") and dep["kind"] is None:
            assert dep["req"] != "*", f"{name}: path dependency {dep['name']} needs a version"
for name in private:
    assert by_name[name]["publish"] == [], f"{name} must say publish = false"
print("ok")
"#;
    let mut python = Command::new("python3")
        .args(["-c", check, &PUBLISHED.join(","), &PRIVATE.join(",")])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("running python3");
    use std::io::Write as _;
    python
        .stdin
        .take()
        .unwrap()
        .write_all(metadata.as_bytes())
        .unwrap();
    let out = python.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn each_package_holds_what_its_build_needs() {
    for (name, needed) in [
        ("scopes", &["README.md", "src/lib.rs"][..]),
        ("scopes-sys", &["README.md", "src/lib.rs"][..]),
        ("scopes-build-support", &["README.md", "src/lib.rs"][..]),
        ("libpledge", &["README.md", "build.rs", "csrc/exec.c"][..]),
        (
            "pledge-cli",
            &["README.md", "build.rs", "preload/preload.c", "Cargo.lock"][..],
        ),
    ] {
        let list = cargo(&[
            "package",
            "--list",
            "--offline",
            "--allow-dirty",
            "-p",
            name,
        ]);
        let files: Vec<&str> = list.lines().collect();
        for file in needed {
            assert!(
                files.contains(file),
                "{name}'s package lacks {file}: {files:?}"
            );
        }
        // Nothing from outside the package: a path leaving it could not be read there.
        assert!(
            files.iter().all(|f| !f.starts_with("..")),
            "{name}: {files:?}"
        );
    }
}
