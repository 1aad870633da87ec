//! Narrowing is the library's everyday use: pledge wide, set up, pledge narrow. It must always
//! succeed, and the narrower process must be held to the narrower set.

use attacks::{compile, run, Link};

#[test]
fn narrowing_path_promises_succeeds() {
    let prog = compile("narrow", Link::Libpledge);
    for (wide, narrow) in [
        ("stdio rpath wpath cpath", "stdio rpath"),
        ("stdio rpath tmppath", "stdio tmppath"),
        ("stdio rpath wpath cpath", "stdio"),
    ] {
        run(&prog, &[wide, narrow]).exited(0).line("narrowed");
    }
}
