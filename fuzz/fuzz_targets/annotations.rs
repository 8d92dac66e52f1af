#![no_main]
//! Structure-aware: annotations from the table (or free names) on an otherwise valid pod.
//! See tests/harness/mod.rs for the invariants checked.

#[path = "../../tests/harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|input: harness::AnnotatedPod| harness::annotations(&input));
