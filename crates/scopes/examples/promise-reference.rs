//! Prints the promise reference (docs/promises.md), generated from the policy table.
fn main() {
    print!("{}", scopes::policy::describe::reference());
}
