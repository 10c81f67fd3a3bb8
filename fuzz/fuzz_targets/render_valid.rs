//! A structured Federation: when it validates, it must render (see meshfed_fuzz::check_render);
//! when it does not, the report holds an error and its YAML gives the same verdict.
#![no_main]

libfuzzer_sys::fuzz_target!(|input: meshfed_fuzz::FedInput| {
    let federation = input.federation();
    match federation.clone().validate(None) {
        Ok(validated) => meshfed_fuzz::check_render(&validated.federation),
        Err(report) => assert!(report.errors().count() > 0, "{report}"),
    }
    // The same document through YAML: same verdict.
    let yaml = federation.to_yaml();
    let through_yaml = fed_model::validate_yaml_str(&yaml, None, None);
    assert_eq!(
        through_yaml.is_ok(),
        federation.validate(None).is_ok(),
        "validating the document and its YAML disagree:\n{yaml}\n{:?}",
        through_yaml.err()
    );
});
