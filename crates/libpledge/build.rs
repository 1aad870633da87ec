//! Compiles the C half of the exec wrappers (csrc/exec.c) into the library, and links GCC's
//! unwinder statically (see `crates/static_unwinder.rs`).

#[path = "static_unwinder.rs"]
mod static_unwinder;

fn main() {
    static_unwinder::link_statically();
    println!("cargo:rerun-if-changed=csrc/exec.c");
    cc::Build::new()
        .file("csrc/exec.c")
        .flag_if_supported("-std=gnu11")
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true)
        .compile("pledge_exec");
}
