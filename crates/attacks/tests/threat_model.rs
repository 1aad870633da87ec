//! docs/threat-model.md names a test for every claim: each named test exists in the
//! workspace, and each test file it names with `::*` does too.

use std::path::Path;

fn sources(dir: &Path, out: &mut String) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() && !path.ends_with("target") {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push_str(&std::fs::read_to_string(&path).unwrap());
        }
    }
}

#[test]
fn every_test_the_threat_model_names_exists() {
    let repo = attacks::repo();
    let doc = std::fs::read_to_string(repo.join("docs/threat-model.md")).unwrap();
    let mut code = String::new();
    sources(&repo.join("crates"), &mut code);
    let mut named = 0;
    for quoted in doc.split('`').skip(1).step_by(2) {
        let parts: Vec<&str> = quoted.split("::").collect();
        let is_name = parts.len() >= 2
            && parts.iter().all(|p| {
                *p == "*"
                    || (!p.is_empty()
                        && p.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'))
            });
        if !is_name {
            continue;
        }
        named += 1;
        match parts.last() {
            Some(&"*") => {
                let file = format!("{}.rs", parts[parts.len() - 2]);
                let found = [
                    "crates/attacks/tests",
                    "crates/scopes/tests",
                    "crates/pledge-cli/tests",
                ]
                .iter()
                .any(|d| repo.join(d).join(&file).is_file());
                assert!(
                    found,
                    "docs/threat-model.md names {quoted}, but no test file {file}"
                );
            }
            Some(name) => assert!(
                code.contains(&format!("fn {name}(")),
                "docs/threat-model.md names {quoted}, but no such test exists"
            ),
            None => unreachable!(),
        }
    }
    assert!(named > 50, "only {named} tests named");
}
