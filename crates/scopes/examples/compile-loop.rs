fn main() {
    let p = scopes::Pledge::new().promises("stdio".parse().unwrap());
    for _ in 0..20000 {
        std::hint::black_box(p.filter());
    }
}
