#![no_main]
//! See tests/harness/mod.rs for the invariants checked.

#[path = "../../tests/harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::template(data));
