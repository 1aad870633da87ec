//! include/pledge.h is generated from src/api.rs; this test fails when the checked-in copy is
//! out of date. Regenerate with: PLEDGE_UPDATE_HEADER=1 cargo test -p libpledge --test header

use std::path::Path;

#[test]
fn checked_in_header_is_up_to_date() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let header = crate_dir.join("../../include/pledge.h");
    let config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_config(config)
        .with_src(crate_dir.join("src/api.rs"))
        .generate()
        .expect("cbindgen failed on src/api.rs")
        .write(&mut generated);
    let generated = String::from_utf8(generated).unwrap();
    assert!(
        generated.contains("int pledge(const char *promises, const char *execpromises);"),
        "{generated}"
    );
    assert!(
        generated.contains("int unveil(const char *path, const char *permissions);"),
        "{generated}"
    );
    if std::env::var_os("PLEDGE_UPDATE_HEADER").is_some() {
        std::fs::write(&header, &generated).unwrap();
    }
    let checked_in = std::fs::read_to_string(&header).unwrap_or_default();
    assert!(
        checked_in == generated,
        "include/pledge.h is out of date with src/api.rs; regenerate it with\n  \
         PLEDGE_UPDATE_HEADER=1 cargo test -p libpledge --test header"
    );
}
