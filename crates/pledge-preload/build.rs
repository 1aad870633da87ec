//! Links GCC's unwinder statically (see `crates/static_unwinder.rs`).

#[path = "../static_unwinder.rs"]
mod static_unwinder;

fn main() {
    static_unwinder::link_statically();
}
