fn main() {
    let set = std::env::args().nth(1).unwrap_or_else(|| "stdio".into());
    let t = std::time::Instant::now();
    scopes::pledge(Some(&set), None).unwrap();
    let e = t.elapsed();
    eprintln!("{set}: {} us", e.as_micros());
}
