//! Istio objects generated from Istio's CRD schemas: see meshfed_fuzz::check_schema_objects.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut u = arbitrary::Unstructured::new(data);
    let _ = meshfed_fuzz::check_schema_objects(&mut u);
});
