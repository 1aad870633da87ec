//! Puts the promise list, generated from the policy table, into manual pages:
//! `cargo run -p scopes --example man-promises -- man/pledge.1 man/pledge.3`.
//! Without arguments, prints the list.
fn main() {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        print!("{}", scopes::policy::describe::man_promises());
        return;
    }
    for file in files {
        let page = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
        let updated = scopes::policy::describe::with_man_promises(&page)
            .unwrap_or_else(|| panic!("{file}: no promise list (see describe::MAN_BEGIN)"));
        std::fs::write(&file, updated).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
}
