fn main() {
    let s: scopes::Promises = std::env::args().nth(1).unwrap_or_default().parse().unwrap();
    eprintln!("{s}");
}
