//! The core stays pure: its sources name no interface that reaches the kernel, it forbids
//! `unsafe`, depends on no crate that could make system calls for it, and its modules use one
//! another without a cycle (so each layer can be read, and tested, on top of the ones below).
//! The same cycle check runs on the enforcement layer above the core, `crates/scopes`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Paths and words that reach the kernel (or the process's environment) from Rust. The crate
/// needs none: files, processes, sockets, the environment and printing are all system calls,
/// and `libc`/`unsafe`/`asm!`/`extern "C"` are the ways around std.
const FORBIDDEN: &[&str] = &[
    "libc::",
    "std::fs",
    "std::process",
    "std::os::",
    "std::net",
    "std::env",
    "std::thread",
    "io::stdin",
    "io::stdout",
    "io::stderr",
    "unsafe",
    "asm!",
    "extern \"",
    "#[link",
    "print!",
    "println!",
    "eprint!",
    "eprintln!",
    "dbg!",
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, sorted.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The code of a source file, comments removed (a `//` inside a string literal cuts the rest of
/// that line too, which can only hide text of a string, never code the compiler sees).
fn code(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn sources_name_no_system_call_interface() {
    let files = sources(&src());
    assert!(files.len() > 20, "found only {files:?}");
    let mut found = Vec::new();
    for file in &files {
        // The one place the word `unsafe` belongs: the attribute that forbids it.
        let text =
            code(&std::fs::read_to_string(file).unwrap()).replace("#![forbid(unsafe_code)]", "");
        for (n, line) in text.lines().enumerate() {
            for word in FORBIDDEN {
                if line.contains(word) {
                    found.push(format!(
                        "{}:{}: {word}: {}",
                        file.display(),
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "the core must make no system call:\n{}",
        found.join("\n")
    );
}

#[test]
fn crate_forbids_unsafe_code_and_has_no_dependencies() {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    assert!(
        code(&lib).contains("#![forbid(unsafe_code)]"),
        "lib.rs must forbid unsafe code"
    );
    // A dependency could make the system calls the sources may not: the manifest lists none.
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let mut section = String::new();
    for line in manifest
        .lines()
        .map(|l| l.split('#').next().unwrap().trim())
    {
        if line.starts_with('[') {
            section = line.to_string();
        } else if !line.is_empty() && section.contains("dependencies") {
            panic!("Cargo.toml {section} lists {line:?}: the core depends on no crate");
        }
    }
}

/// The top-level module a source file of the crate whose sources are in `root` belongs to
/// (`bpf/walk.rs` is in `bpf`), or `None` for the crate root.
fn module_of(root: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(root).unwrap();
    let first = rel.components().next()?.as_os_str().to_str()?.to_string();
    match first.strip_suffix(".rs") {
        Some("lib") => None,
        Some(name) => Some(name.to_string()),
        None => Some(first),
    }
}

/// The identifier at the start of `s`.
fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The first names of every path a `crate::` starts: `crate::bpf::ret` gives `bpf`,
/// `crate::{Arch, policy::Context}` gives `Arch` and `policy`.
fn crate_paths(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        // `scopes_core::` or `$crate::` are not paths from the crate root written here.
        let before = code[..i].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest = code[i + "crate::".len()..].trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut start = 0;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        names.push(ident(group[start..j].trim()).to_string());
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        names.push(ident(group[start..j].trim()).to_string());
                        start = j + 1;
                    }
                    _ => {}
                }
            }
        } else {
            names.push(ident(rest).to_string());
        }
    }
    names.retain(|n| !n.is_empty() && n != "self");
    names
}

/// Which module each name the crate root imports comes from (`Arch` from `arch`; a name
/// from another crate maps to that crate).
fn root_reexports(lib: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for stmt in lib.split(';') {
        let mut stmt = stmt.trim();
        while stmt.starts_with("#[") {
            stmt = stmt[stmt.find(']').unwrap() + 1..].trim_start();
        }
        let stmt = stmt.strip_prefix("pub ").unwrap_or(stmt);
        let Some(rest) = stmt.strip_prefix("use ") else {
            continue;
        };
        let module = ident(rest).to_string();
        let items = rest[module.len()..].trim_start_matches("::");
        let items = items.trim_start_matches('{').trim_end_matches('}');
        for item in items.split(',') {
            let name = item.rsplit("::").next().unwrap().trim();
            if !name.is_empty() {
                map.insert(name.to_string(), module.clone());
            }
        }
    }
    map
}

/// The names of the functions, types and constants the crate root itself defines.
fn root_items(lib: &str) -> BTreeSet<String> {
    let mut items = BTreeSet::new();
    for keyword in ["fn ", "struct ", "enum ", "const ", "static ", "trait "] {
        for (i, _) in lib.match_indices(keyword) {
            if i == 0 || lib[..i].ends_with([' ', '\n']) {
                items.insert(ident(&lib[i + keyword.len()..]).to_string());
            }
        }
    }
    items
}

/// The graph of top-level modules of the crate whose sources are in `root`: which modules
/// each one's code names through `crate::` (items of the crate root itself are left out).
fn module_graph(root: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let files = sources(root);
    let modules: BTreeSet<String> = files.iter().filter_map(|f| module_of(root, f)).collect();
    let lib = code(&std::fs::read_to_string(root.join("lib.rs")).unwrap());
    let reexports = root_reexports(&lib);
    let own = root_items(&lib);
    let mut graph: BTreeMap<String, BTreeSet<String>> = modules
        .iter()
        .map(|m| (m.clone(), BTreeSet::new()))
        .collect();
    for file in &files {
        let Some(from) = module_of(root, file) else {
            continue;
        };
        for name in crate_paths(&code(&std::fs::read_to_string(file).unwrap())) {
            if own.contains(&name) {
                continue;
            }
            let to = if modules.contains(&name) {
                name
            } else {
                reexports.get(&name).cloned().unwrap_or_else(|| {
                    panic!(
                        "{}: crate::{name} is neither a module nor a root re-export",
                        file.display()
                    )
                })
            };
            if to != from {
                graph.get_mut(&from).unwrap().insert(to);
            }
        }
    }
    graph
}

/// A cycle of `graph`, as the modules along it, when there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, done, path) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut done, &mut Vec::new()))
}

/// Checks that `graph` has the `expected` edges (so that the graph is really read from the
/// sources) and no cycle.
fn assert_layered(graph: &BTreeMap<String, BTreeSet<String>>, expected: &[(&str, &str)]) {
    for (from, to) in expected {
        assert!(
            graph[*from].contains(*to),
            "{from} -> {to} not found in {graph:?}"
        );
    }
    if let Some(cycle) = find_cycle(graph) {
        panic!("module cycle: {}\n{graph:?}", cycle.join(" -> "));
    }
}

#[test]
fn modules_depend_on_each_other_without_a_cycle() {
    // The layers the crate documentation describes, read from the sources: the table sits on
    // the promise words, BPF and the arch tables; the compiler on the table; the exports on all.
    assert_layered(
        &module_graph(&src()),
        &[
            ("policy", "promise"),
            ("policy", "bpf"),
            ("compiler", "policy"),
            ("compiler", "bpf"),
            ("export", "compiler"),
            ("error", "promise"),
            ("parse", "error"),
        ],
    );
}

/// The enforcement layer, `crates/scopes`, is layered too: the process state decides, pledge
/// plans and applies, unveil and the exec wrappers use Landlock, and everything reaches the
/// kernel through `sys` (the system-call crate, re-exported there).
#[test]
fn enforcement_modules_of_scopes_have_no_cycle() {
    assert_layered(
        &module_graph(&src().join("../../scopes/src")),
        &[
            ("state", "pledge"),
            ("state", "unveil"),
            ("pledge", "unveil"),
            ("pledge", "landlock"),
            ("pledge", "seccomp"),
            ("unveil", "landlock"),
            ("landlock", "sys"),
            ("exec", "state"),
        ],
    );
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let graph = |edges: &[(&str, &str)]| {
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in edges {
            g.entry(a.to_string()).or_default().insert(b.to_string());
            g.entry(b.to_string()).or_default();
        }
        g
    };
    assert_eq!(
        find_cycle(&graph(&[("a", "b"), ("b", "c"), ("a", "c")])),
        None
    );
    assert_eq!(
        find_cycle(&graph(&[("a", "b"), ("b", "c"), ("c", "a")])),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    assert_eq!(
        crate_paths(
            "use crate::{Arch, policy::{table, Context}};\nlet x = crate::bpf::ret::ALLOW;"
        ),
        vec!["Arch", "policy", "bpf"]
    );
}
