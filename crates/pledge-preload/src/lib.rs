//! The `pledge` command's preload as a file, for tests: the C library in
//! `crates/pledge-cli/preload/preload.c` (which the command builds into itself), linked whole
//! into this shared object by the build script. Nothing in Rust: the library is its constructor.
