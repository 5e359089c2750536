//! Any text as a policy file: compiled or refused with diagnostics, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = inkan_compiler::compile("fuzz.yaml", &text);
});
