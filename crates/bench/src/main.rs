//! The benchmark (being written: see issue 6).
fn main() {}
