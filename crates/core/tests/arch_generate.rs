//! The generator of the arch tables (`x86_64.rs`, `aarch64.rs`, `riscv64.rs`), and the test
//! that regenerates them in memory and compares with the committed files.
//!
//! The numbers come from a source every build has: the `libc` crate's `SYS_*` constants for
//! each arch (its glibc modules), in the version `Cargo.lock` names, found with
//! `cargo metadata`. The calls that crate does not list are in [`NOT_IN_LIBC`], taken from the
//! kernel's tables. With `SCOPES_WRITE_ARCH=1` the test writes the files instead of comparing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use scopes_core::Arch;

/// Where an arch's `SYS_*` constants are, under the `libc` crate's `src/`.
fn libc_module(arch: Arch) -> &'static str {
    match arch {
        Arch::X86_64 => "unix/linux_like/linux/gnu/b64/x86_64/not_x32.rs",
        Arch::Aarch64 => "unix/linux_like/linux/gnu/b64/aarch64/mod.rs",
        Arch::Riscv64 => "unix/linux_like/linux/gnu/b64/riscv64/mod.rs",
    }
}

/// System calls the `libc` crate (0.2.191) does not list, by arch: (name, number). From the
/// kernel's tables of Linux 6.18: `arch/x86/entry/syscalls/syscall_64.tbl` for x86_64, and
/// `scripts/syscall.tbl` (the generic numbering, with arm64's `renameat` and `rlimit` ABIs
/// and riscv's own calls) for aarch64 and riscv64. x86_64's 174, 177 and 178 are calls the
/// kernel removed; their numbers still answer ENOSYS, and naming them keeps reports readable.
const NOT_IN_LIBC: &[(Arch, &[(&str, u16)])] = &[
    (
        Arch::X86_64,
        &[
            ("create_module", 174),
            ("get_kernel_syms", 177),
            ("query_module", 178),
            ("io_pgetevents", 333),
            ("uretprobe", 335),
            ("uprobe", 336),
            ("cachestat", 451),
            ("map_shadow_stack", 453),
            ("futex_wake", 454),
            ("futex_wait", 455),
            ("futex_requeue", 456),
            ("statmount", 457),
            ("listmount", 458),
            ("lsm_get_self_attr", 459),
            ("lsm_set_self_attr", 460),
            ("lsm_list_modules", 461),
            ("setxattrat", 463),
            ("getxattrat", 464),
            ("listxattrat", 465),
            ("removexattrat", 466),
            ("open_tree_attr", 467),
            ("file_getattr", 468),
            ("file_setattr", 469),
        ],
    ),
    (
        Arch::Aarch64,
        &[
            ("renameat", 38),
            ("sync_file_range", 84),
            ("getrlimit", 163),
            ("setrlimit", 164),
            ("io_pgetevents", 292),
            ("cachestat", 451),
            ("fchmodat2", 452),
            ("map_shadow_stack", 453),
            ("futex_wake", 454),
            ("futex_wait", 455),
            ("futex_requeue", 456),
            ("statmount", 457),
            ("listmount", 458),
            ("lsm_get_self_attr", 459),
            ("lsm_set_self_attr", 460),
            ("lsm_list_modules", 461),
            ("setxattrat", 463),
            ("getxattrat", 464),
            ("listxattrat", 465),
            ("removexattrat", 466),
            ("open_tree_attr", 467),
            ("file_getattr", 468),
            ("file_setattr", 469),
        ],
    ),
    (
        Arch::Riscv64,
        &[
            ("riscv_hwprobe", 258),
            ("riscv_flush_icache", 259),
            ("io_pgetevents", 292),
            ("kexec_file_load", 294),
            ("cachestat", 451),
            ("fchmodat2", 452),
            ("map_shadow_stack", 453),
            ("futex_wake", 454),
            ("futex_wait", 455),
            ("futex_requeue", 456),
            ("statmount", 457),
            ("listmount", 458),
            ("lsm_get_self_attr", 459),
            ("lsm_set_self_attr", 460),
            ("lsm_list_modules", 461),
            ("mseal", 462),
            ("setxattrat", 463),
            ("getxattrat", 464),
            ("listxattrat", 465),
            ("removexattrat", 466),
            ("open_tree_attr", 467),
            ("file_getattr", 468),
            ("file_setattr", 469),
        ],
    ),
];

/// The `SYS_name: c_long = number;` constants of one `libc` module.
fn libc_syscalls(source: &str) -> Vec<(String, u16)> {
    source
        .lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("pub const SYS_")?;
            let (name, value) = rest.split_once(": c_long = ")?;
            let number = value.strip_suffix(';')?.trim().parse().unwrap_or_else(|_| {
                panic!("SYS_{name}: expected a plain number in libc, found `{value}`")
            });
            Some((name.to_string(), number))
        })
        .collect()
}

/// The text of an arch's table file, from its `libc` module's source.
fn table_file(arch: Arch, libc_source: &str) -> String {
    let mut by_number: BTreeMap<u16, String> = BTreeMap::new();
    let extra = NOT_IN_LIBC
        .iter()
        .find(|(a, _)| *a == arch)
        .map_or(&[][..], |(_, calls)| calls);
    let from_libc = libc_syscalls(libc_source);
    assert!(from_libc.len() > 250, "{arch}: too few SYS_ constants");
    let all = from_libc
        .into_iter()
        .chain(extra.iter().map(|(name, nr)| (name.to_string(), *nr)));
    for (name, number) in all {
        match by_number.get(&number) {
            // A newer libc may list a call of NOT_IN_LIBC.
            Some(earlier) if *earlier == name => {}
            Some(earlier) => panic!("{arch}: {number} is both {earlier} and {name}"),
            None => {
                by_number.insert(number, name);
            }
        }
    }
    let mut out = format!(
        "//! System call numbers for {arch}, by name, sorted by number.\n\
         //!\n\
         //! Generated by `tests/arch_generate.rs` from the `libc` crate's `SYS_*` constants and the calls it\n\
         //! lacks up to Linux 6.18. Regenerate rather than edit by hand (the test there says how).\n\
         \n\
         super::table::syscall_table! {{\n"
    );
    for (number, name) in by_number {
        out.push_str(&format!("    (\"{name}\", {number}),\n"));
    }
    out.push_str("}\n");
    out
}

/// The `libc` crate's `src/` directory, in the version `Cargo.lock` names.
fn libc_src() -> PathBuf {
    let run = |program: &str, args: &[&str]| {
        let out = Command::new(program)
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap_or_else(|e| panic!("running {program}: {e}"));
        assert!(
            out.status.success(),
            "{program} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 output")
    };
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = run(&rustc, &["-vV"]);
    let host = version
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").into());
    // One platform only: resolving every platform's dependencies would need crates this
    // build never downloaded.
    let metadata = run(
        &cargo,
        &[
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--filter-platform",
            host,
        ],
    );
    let package = metadata
        .find("{\"name\":\"libc\",\"version\":")
        .expect("cargo metadata lists the libc package");
    let key = "\"manifest_path\":\"";
    let start = package + metadata[package..].find(key).expect("libc's manifest") + key.len();
    let end = start + metadata[start..].find('"').expect("end of the path");
    Path::new(&metadata[start..end])
        .parent()
        .expect("the manifest's directory")
        .join("src")
}

#[test]
fn arch_tables_are_generated_from_libc_and_the_kernel_tables() {
    let src = libc_src();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/arch");
    let write = std::env::var_os("SCOPES_WRITE_ARCH").is_some();
    for arch in Arch::ALL {
        let module = src.join(libc_module(*arch));
        let source = std::fs::read_to_string(&module)
            .unwrap_or_else(|e| panic!("{}: {e}", module.display()));
        let expected = table_file(*arch, &source);
        let path = dir.join(format!("{arch}.rs"));
        if write {
            std::fs::write(&path, &expected).expect("writing the table");
            continue;
        }
        let committed = std::fs::read_to_string(&path).expect("reading the table");
        assert!(
            committed == expected,
            "{} is not what the generator makes from {}: regenerate with \
             `SCOPES_WRITE_ARCH=1 cargo test -p {} --test arch_generate` and review the diff",
            path.display(),
            module.display(),
            env!("CARGO_PKG_NAME")
        );
    }
}

#[test]
fn generator_reads_libc_constants_and_refuses_conflicts() {
    let source =
        "pub const SYS_read: c_long = 0;\n// 1 was SYS_gone\npub const SYS_write: c_long = 1;\n";
    assert_eq!(
        libc_syscalls(source),
        [("read".to_string(), 0), ("write".to_string(), 1)]
    );
    let many: String = (1000..1300)
        .map(|n| format!("pub const SYS_call{n}: c_long = {n};\n"))
        .collect();
    let text = table_file(Arch::X86_64, &many);
    assert!(text.contains("    (\"create_module\", 174),\n"));
    assert!(text.contains("    (\"call1000\", 1000),\n    (\"call1001\", 1001),\n"));
    assert!(text.ends_with("    (\"call1299\", 1299),\n}\n"));
    // A newer libc listing a call of NOT_IN_LIBC changes nothing; another name for its
    // number is an error.
    let newer = format!("{many}pub const SYS_cachestat: c_long = 451;\n");
    assert_eq!(table_file(Arch::X86_64, &newer), text);
    let conflicting = format!("{many}pub const SYS_other: c_long = 451;\n");
    assert!(std::panic::catch_unwind(|| table_file(Arch::X86_64, &conflicting)).is_err());
}
