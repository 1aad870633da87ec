fn main() {
    let set = std::env::args().nth(1).unwrap_or_else(|| "stdio".into());
    let p = scopes::Pledge::new().promises(set.parse().unwrap());
    for _ in 0..20000 {
        std::hint::black_box(p.filter());
    }
}
