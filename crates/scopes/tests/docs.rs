//! The documentation generated from the policy table stays in step with it.

#[test]
fn promise_reference_is_up_to_date() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let expected = scopes::policy::describe::reference();
    let docs = std::fs::read_to_string(root.join("docs/promises.md")).unwrap_or_default();
    assert!(
        docs == expected,
        "docs/promises.md is out of date: run `cargo run -p scopes --example promise-reference > docs/promises.md`"
    );
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(
        readme.contains(&scopes::policy::describe::table()),
        "README.md's promise table is out of date: paste `scopes::policy::describe::table()` (docs/promises.md has it)"
    );
}

#[test]
fn every_promise_is_documented_and_granted_somewhere() {
    use scopes::{policy::describe::promise, Promise};
    for p in Promise::ALL {
        let text = promise(*p);
        let grants_nothing =
            text.contains("No system calls of its own.") && !text.contains("paths (Landlock)");
        // error changes the penalty; recvfd rides on stdio's recvmsg (documented).
        let expected_empty = matches!(p, Promise::Error | Promise::Recvfd);
        assert_eq!(grants_nothing, expected_empty, "{p}: {text}");
    }
}

#[test]
fn capability_map_in_semantics_is_up_to_date() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let docs = std::fs::read_to_string(root.join("docs/semantics.md")).unwrap();
    assert!(
        docs.contains(&scopes::policy::caps::markdown()),
        "docs/semantics.md's capability map is out of date: paste the output of `cargo run -p scopes --example capability-map`"
    );
}

#[test]
fn manual_page_promise_lists_are_up_to_date() {
    use scopes::policy::describe::{man_promises, with_man_promises};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for page in ["man/pledge.1", "man/pledge.3"] {
        let text = std::fs::read_to_string(root.join(page)).unwrap();
        assert!(text.contains(&man_promises()), "{page}'s promise list is out of date: run `cargo run -p scopes --example man-promises -- man/pledge.1 man/pledge.3`");
        assert_eq!(
            with_man_promises(&text).as_deref(),
            Some(text.as_str()),
            "{page}"
        );
    }
    // Every promise and every refused OpenBSD word is in the list.
    let list = man_promises();
    for p in scopes::Promise::ALL {
        assert!(
            list.contains(&format!(".It Cm {}\n{}\n", p.word(), p.summary())),
            "{p}"
        );
    }
    assert!(list.contains(".It Cm disklabel\n"));
}
