//! Prints the compiled filter for a promise set as readable assembly with its instruction count.
//!
//! `cargo run -p scopes --example print-filter -- "stdio rpath" [x86_64|aarch64|riscv64]`
use scopes::bpf::{ret, Disassembly};
use scopes::compiler::{compile, Target};
use scopes::policy::{Context, CurrentContext as _};

fn main() {
    let mut args = std::env::args().skip(1);
    let promises = args.next().unwrap_or_else(|| "stdio".into());
    let arch = args
        .next()
        .map_or(Ok(scopes::Arch::native()), |a| a.parse());
    let (promises, arch) = match (scopes::Promises::parse(&promises), arch) {
        (Ok(p), Ok(a)) => (p, a),
        (Err(e), _) => return eprintln!("print-filter: {e}"),
        (_, Err(e)) => return eprintln!("print-filter: {e}"),
    };
    let target = Target {
        arch,
        ctx: Context::current(),
        violation: ret::TRAP,
        reporting: true,
    };
    let prog = compile(promises, &target);
    print!("{}", Disassembly(&prog));
    println!("# \"{promises}\" on {arch}: {} instructions", prog.len());
}
