//! Compiles the preload (`crates/pledge-cli/preload/preload.c`) with the settings the command's
//! build script uses, and links all of it (its constructor is referenced by nothing) into this
//! shared object. Links GCC's unwinder statically (see `crates/build-support`).

fn main() {
    scopes_build_support::link_statically();
    println!("cargo:rerun-if-changed=../pledge-cli/preload/preload.c");
    cc::Build::new()
        .file("../pledge-cli/preload/preload.c")
        .opt_level_str("s")
        .pic(true)
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true)
        .flag("-fvisibility=hidden")
        .flag("-fno-asynchronous-unwind-tables")
        .flag("-fno-stack-protector")
        .link_lib_modifier("+whole-archive")
        .compile("pledge_preload_c");
}
