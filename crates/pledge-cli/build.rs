//! Links GCC's unwinder statically (see `crates/build-support`), and builds the preload
//! (`preload/preload.c`) that the command carries inside itself.
//!
//! The preload is a shared object of its own (the dynamic loader preloads only those), written
//! in C and linked against nothing but libc: the command does everything that needs its
//! library (compiling the filter, building the Landlock layers) and hands the program the
//! finished results, so the preload is a few kilobytes, copied into a memfd on every run and
//! mapped by every dynamically linked program the command starts. Its bytes are embedded with
//! `include_bytes!`, so an installed `pledge` needs no other file (`cargo install` copies only
//! binaries). This works the same from the repository, from a published package, and in
//! `cargo package`'s verification.

use std::path::PathBuf;

fn main() {
    scopes_build_support::link_statically();
    build_preload();
}

fn build_preload() {
    let env = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("cargo sets {name}"));
    let manifest_dir = PathBuf::from(env("CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env("OUT_DIR"));
    let embedded = out_dir.join("libpledge_preload.so");
    if std::env::var_os("DOCS_RS").is_some() {
        // docs.rs documents the crate offline and runs nothing: an empty preload, which
        // `Preload::get` would refuse, keeps `include_bytes!` satisfied.
        std::fs::write(&embedded, b"").expect("writing OUT_DIR");
        return;
    }
    let source = manifest_dir.join("preload/preload.c");
    println!("cargo:rerun-if-changed=preload/preload.c");
    // Always optimised for size, whatever the profile; no debug information, symbols stripped,
    // one segment less (no separate code page): every byte is copied on every run.
    let compiler = preload_build().get_compiler();
    let mut cmd = compiler.to_command();
    cmd.args(PRELOAD_LINK_FLAGS)
        .arg("-o")
        .arg(&embedded)
        .arg(&source);
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("running the C compiler to build the preload: {e}"));
    assert!(
        status.success(),
        "building the preload (preload/preload.c) failed"
    );
}

/// The C compiler's settings for the preload (the `pledge-preload` crate, which builds the same
/// file for tests, uses the same).
fn preload_build() -> cc::Build {
    let mut build = cc::Build::new();
    build
        .opt_level_str("s")
        .debug(false)
        .pic(true)
        .warnings(true)
        .extra_warnings(true)
        .flag("-fvisibility=hidden")
        .flag("-fno-asynchronous-unwind-tables")
        .flag("-fno-stack-protector")
        .cargo_metadata(false);
    build
}

/// Linking the shared object directly with the compiler driver (`cc` builds only archives).
const PRELOAD_LINK_FLAGS: &[&str] = &[
    "-shared",
    "-Wl,--gc-sections",
    "-Wl,-z,noseparate-code",
    "-Wl,--hash-style=gnu",
    "-Wl,--as-needed",
    "-Wl,-O1",
    "-s",
];
