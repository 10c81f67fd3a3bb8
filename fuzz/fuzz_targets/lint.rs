//! Any bytes: see meshfed_fuzz::check_lint.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        meshfed_fuzz::check_lint(text);
    }
});
