//! Compiles the C half of the exec wrappers (csrc/exec.c) into the library, and links GCC's
//! unwinder statically (see `crates/build-support`).

fn main() {
    scopes_build_support::link_statically();
    println!("cargo:rerun-if-changed=csrc/exec.c");
    cc::Build::new()
        .file("csrc/exec.c")
        .flag_if_supported("-std=gnu11")
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true)
        .compile("pledge_exec");
}
