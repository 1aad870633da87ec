//! Prints the map from promises to Linux capabilities, as docs/semantics.md shows it.
fn main() {
    print!("{}", scopes::policy::caps::markdown());
}
