mod common;
use common::*;

#[test]
fn stdio_allows_printing_and_kills_open() {
    let c = run(|| {
        pledge("stdio");
        println!("hello");
        let _ = std::fs::File::open("/etc/passwd");
        0
    });
    eprintln!("{c:?}");
    c.killed().says("needs promise \"rpath\"");
}
