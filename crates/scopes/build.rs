//! Tells the build scripts of crates that depend on this one where its sources are
//! (`DEP_SCOPES_SRC`): the `pledge` command builds its preload against this very copy, from
//! the repository, the registry or `cargo package`'s staging registry alike.

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    println!("cargo:src={dir}");
    println!("cargo:rerun-if-changed=build.rs");
}
