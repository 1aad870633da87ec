fn main() {
    let set = std::env::args().nth(1).unwrap_or_else(|| "stdio".into());
    let p = scopes::Pledge::new().promises(set.parse().unwrap());
    let t = std::time::Instant::now();
    for _ in 0..1000 {
        std::hint::black_box(p.filter());
    }
    println!("{set}: warm compile {} us", t.elapsed().as_micros() / 1000);
}
