fn main() {
    let set = std::env::args().nth(1).unwrap();
    let set = if set == "all" {
        scopes::Promises::all().to_string()
    } else {
        set
    };
    let p: scopes::Promises = set.parse().unwrap();
    for _ in 0..20 {
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            unsafe { libc::syscall(libc::SYS_getppid) }; // marker
            scopes::pledge(Some(&set), None).unwrap();
            unsafe { libc::syscall(libc::SYS_getppid) };
            let _ = p;
            unsafe { libc::_exit(0) };
        }
        unsafe { libc::waitpid(pid, std::ptr::null_mut(), 0) };
    }
}
