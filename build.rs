//! Gives the shared library its SONAME (`libgamenet.so.MAJOR`), as C libraries have, so a
//! program linked against one major version keeps loading a compatible newer build.

fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libgamenet.so.{major}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
