//! The build script of the preload as the `pledge` command's build script builds it (see
//! ../build.rs): links GCC's unwinder statically (see `crates/static_unwinder.rs`).

#[path = "../static_unwinder.rs"]
mod static_unwinder;

fn main() {
    static_unwinder::link_statically();
}
