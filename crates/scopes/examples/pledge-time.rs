fn main() {
    let set = std::env::args().nth(1).unwrap_or_else(|| "stdio".into());
    let mut times = Vec::new();
    for _ in 0..200 {
        let mut fds = [0; 2];
        unsafe { libc::pipe(fds.as_mut_ptr()) };
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            let t = std::time::Instant::now();
            let t1 = std::time::Instant::now();
            scopes::pledge(Some(&set), None).unwrap();
            let ns = t1.elapsed().as_nanos() as u64;
            let c0 = std::time::Instant::now();
            let prog = scopes::Pledge::new()
                .promises(set.parse().unwrap())
                .filter();
            let compile = c0.elapsed().as_nanos() as u64;
            drop(prog);
            let _ = t;
            let buf = [ns, compile];
            unsafe {
                libc::write(fds[1], buf.as_ptr().cast(), 16);
                libc::_exit(0)
            };
        }
        unsafe { libc::close(fds[1]) };
        let mut buf = [0u64; 2];
        unsafe {
            libc::read(fds[0], buf.as_mut_ptr().cast(), 16);
            libc::close(fds[0]);
            libc::waitpid(pid, std::ptr::null_mut(), 0)
        };
        times.push(buf);
    }
    let mut p: Vec<u64> = times.iter().map(|t| t[0]).collect();
    let mut c: Vec<u64> = times.iter().map(|t| t[1]).collect();
    p.sort();
    c.sort();
    println!(
        "{set}: pledge median {} us, compile median {} us",
        p[p.len() / 2] / 1000,
        c[c.len() / 2] / 1000
    );
}
