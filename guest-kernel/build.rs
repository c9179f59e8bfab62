//! Builds the vDSO (vdso/: C, a linker script and a version script) into OUT_DIR/vdso.so for
//! the kernel to embed, and sets the link options of the kernel binary only (the library's host
//! unit tests link normally).

use std::path::Path;
use std::process::Command;

fn main() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    build_vdso(manifest);
    let script = manifest.join("linker.ld");
    println!("cargo:rerun-if-changed={}", script.display());
    // Static, non-PIE, no C runtime: the host loads the PT_LOAD segments at their fixed
    // addresses and jumps to `_start`.
    for arg in ["-nostartfiles", "-nostdlib", "-static", "-no-pie", "-Wl,--build-id=none", "-Wl,-z,noexecstack", "-Wl,-z,max-page-size=4096"] {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
    println!("cargo:rustc-link-arg-bins=-Wl,-T,{}", script.display());
}

/// A shared object without relocations, writable data or a C runtime; the unit tests in
/// proc/vdso.rs check what the kernel and the C libraries rely on.
fn build_vdso(manifest: &Path) {
    let dir = manifest.join("vdso");
    for file in ["vdso.c", "vdso.lds", "vdso.ver"] {
        println!("cargo:rerun-if-changed={}", dir.join(file).display());
    }
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("vdso.so");
    let status = Command::new("gcc")
        .args(["-O2", "-fPIC", "-fno-stack-protector", "-fno-asynchronous-unwind-tables", "-fcf-protection=none"])
        .args(["-ffreestanding", "-fno-builtin", "-Wall", "-Wextra", "-Werror", "-nostdlib", "-shared"])
        .arg(format!("-Wl,-T,{}", dir.join("vdso.lds").display()))
        .arg(format!("-Wl,--version-script={}", dir.join("vdso.ver").display()))
        .args(["-Wl,-soname=linux-vdso.so.1", "-Wl,--hash-style=both", "-Wl,--build-id=none"])
        .args(["-Wl,-z,max-page-size=4096", "-Wl,-z,noexecstack", "-Wl,--no-undefined", "-o"])
        .arg(&out)
        .arg(dir.join("vdso.c"))
        .status()
        .unwrap_or_else(|e| panic!("cannot run gcc to build the vDSO: {e}"));
    assert!(status.success(), "gcc failed to build the vDSO ({status})");
}
