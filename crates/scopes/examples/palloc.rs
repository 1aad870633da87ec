use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, Ordering};
struct A;
static ON: AtomicBool = AtomicBool::new(false);
unsafe impl GlobalAlloc for A {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if ON.load(Ordering::Relaxed) && l.size() >= 128 {
            ON.store(false, Ordering::Relaxed);
            {
                let bt = std::backtrace::Backtrace::force_capture().to_string();
                let fr: Vec<&str> = bt
                    .lines()
                    .filter(|l| l.contains("scopes::"))
                    .take(3)
                    .map(|l| l.trim())
                    .collect();
                eprintln!("alloc {} {:?}", l.size(), fr);
            }
            ON.store(true, Ordering::Relaxed);
        }
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        if ON.load(Ordering::Relaxed) && n >= 128 {
            ON.store(false, Ordering::Relaxed);
            {
                let bt = std::backtrace::Backtrace::force_capture().to_string();
                let fr: Vec<&str> = bt
                    .lines()
                    .filter(|l| l.contains("scopes::"))
                    .take(3)
                    .map(|l| l.trim())
                    .collect();
                eprintln!("realloc {} -> {} {:?}", l.size(), n, fr);
            }
            ON.store(true, Ordering::Relaxed);
        }
        unsafe { System.realloc(p, l, n) }
    }
}
#[global_allocator]
static G: A = A;
fn main() {
    let set = std::env::args().nth(1).unwrap();
    let set = if set == "all" {
        scopes::Promises::all().to_string()
    } else {
        set
    };
    let p = scopes::Pledge::new().promises(set.parse().unwrap());
    ON.store(true, Ordering::Relaxed);
    let prog = p.filter();
    ON.store(false, Ordering::Relaxed);
    eprintln!("len {}", prog.len());
}
