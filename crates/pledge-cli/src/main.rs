//! The `pledge` command (being written: see issue 3).
fn main() {
    eprintln!("pledge: not built yet");
    std::process::exit(125);
}
