//! cat: copies files (or standard input) to standard output, under `pledge("stdio")`; the Rust
//! twin of examples/cat.c, using the `scopes` crate.
//!
//! ```sh
//! cargo run -p libpledge --example cat -- /etc/hostname
//! ```

use std::fs::File;
use std::io::{self, Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let names: Vec<String> = std::env::args().skip(1).collect();
    let mut status = ExitCode::SUCCESS;
    // Open everything first...
    let mut inputs: Vec<(String, Box<dyn Read>)> = Vec::new();
    if names.is_empty() {
        inputs.push(("stdin".into(), Box::new(io::stdin())));
    }
    for name in names {
        if name == "-" {
            inputs.push((name, Box::new(io::stdin())));
            continue;
        }
        match File::open(&name) {
            Ok(file) => inputs.push((name, Box::new(file))),
            Err(e) => {
                eprintln!("cat: {name}: {e}");
                status = ExitCode::FAILURE;
            }
        }
    }
    // ...then promise to do nothing but I/O on what is open.
    if let Err(e) = scopes::pledge(Some("stdio"), None) {
        eprintln!("cat: pledge: {e}");
        return ExitCode::FAILURE;
    }
    let mut out = io::stdout().lock();
    for (name, mut input) in inputs {
        if let Err(e) = io::copy(&mut input, &mut out) {
            eprintln!("cat: {name}: {e}");
            status = ExitCode::FAILURE;
        }
    }
    if let Err(e) = out.flush() {
        eprintln!("cat: stdout: {e}");
        status = ExitCode::FAILURE;
    }
    status
}
