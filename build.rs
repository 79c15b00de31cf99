//! Link settings of the wasm module.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // The shadow stack pointer is exported so that the browser tests can check that no call
    // leaves it moved: a JS exception thrown through wasm frames skips their epilogues, leaking
    // their stack, and enough of them stop the module for the whole page (see js/index.js).
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-cdylib=--export=__stack_pointer");
    }
}
