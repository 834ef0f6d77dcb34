//! `include/gamenet.h` must be exactly what cbindgen generates from the source.
//! Regenerate with `GAMENET_BLESS=1 cargo test --test header`.

use std::path::Path;

#[test]
fn header_is_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_crate(root)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut fresh = Vec::new();
    bindings.write(&mut fresh);
    let fresh = String::from_utf8(fresh).unwrap();
    // Every name the header defines is gamenet's: a Rust API constant that leaks in (cbindgen
    // exports every pub const of the crate) must be excluded in cbindgen.toml.
    let leaked: Vec<&str> = fresh
        .lines()
        .filter_map(|l| l.strip_prefix("#define "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| !name.starts_with("GAMENET_"))
        .collect();
    assert!(
        leaked.is_empty(),
        "unprefixed names in the header: {leaked:?}"
    );
    let path = root.join("include/gamenet.h");
    if std::env::var_os("GAMENET_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/gamenet.h is stale: run `GAMENET_BLESS=1 cargo test --test header` and commit it"
    );
}
