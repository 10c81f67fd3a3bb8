//! The Federation reader on hostile input: a billion laughs, deep nesting, 100,000 list items,
//! 10 MB. Each ends in a report with one clear error, in bounded time and memory (the figures,
//! printed with --nocapture, are in FUZZING.md).

use std::fmt::Write as _;
use std::time::{Duration, Instant};

const HEAD: &str = "apiVersion: meshfed.io/v1alpha1\nkind: Federation\nmetadata: {name: big}\n";

/// Validates `text`; returns the single error's message and the time taken.
fn one_error(what: &str, text: &str) -> (String, Duration) {
    let start = Instant::now();
    let report = fed_model::validate_yaml_str(text, None, None).expect_err(what);
    let elapsed = start.elapsed();
    let errors: Vec<_> = report.errors().collect();
    assert_eq!(errors.len(), 1, "{what}: {report}");
    assert!(errors[0].line.is_some(), "{what}: {}", errors[0]);
    eprintln!(
        "{what} ({} bytes): {elapsed:?}: {}",
        text.len(),
        errors[0].message
    );
    // No time limit asserted here (speed is measured in benchmarks, not tests): the figures
    // printed above are in FUZZING.md, and a hang would stop CI.
    (errors[0].message.clone(), elapsed)
}

#[test]
fn a_billion_laughs_hits_the_node_budget() {
    let mut text = format!("{HEAD}x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let p = i - 1;
        let items = vec![format!("*a{p}"); 9].join(", ");
        writeln!(text, "x{i}: &a{i} [{items}]").unwrap();
    }
    text.push_str("spec: {services: *a9}\n");
    let (message, _) = one_error("billion laughs", &text);
    assert!(
        message.contains("beyond the YAML reader's limits"),
        "{message}"
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for (open, close) in [("[", "]"), ("{a: ", "}")] {
        let depth = 100_000;
        let text = format!(
            "{HEAD}spec: {}{}\n",
            open.repeat(depth),
            close.repeat(depth)
        );
        let (message, _) = one_error(&format!("nesting {depth} x {open}"), &text);
        // serde-saphyr's recursion limit or its depth budget, whichever comes first.
        assert!(
            message.contains("recursion limit")
                || message.contains("nesting deeper than 64 levels"),
            "{message}"
        );
    }
}

fn services(n: usize) -> String {
    let mut text = format!(
        "{HEAD}spec:\n  topology:\n    peerToPeer:\n      peers:\n        - {{name: a, locality: r1/z1, gateway: {{address: 10.0.0.1}}}}\n        - {{name: b, locality: r2/z1, gateway: {{address: 10.0.0.2}}}}\n  services:\n"
    );
    for i in 0..n {
        writeln!(
            text,
            "    - {{name: s{i}, ports: [{{name: http, number: 80, protocol: HTTP}}]}}"
        )
        .unwrap();
    }
    text
}

#[test]
fn large_documents_hit_the_node_budget() {
    let many = services(100_000);
    let (message, _) = one_error("100,000 services", &many);
    assert!(
        message.contains("beyond the YAML reader's limits: more than 250,000 YAML nodes at line"),
        "{message}"
    );
    let mut big = many;
    while big.len() < 10 * 1024 * 1024 {
        big.push_str("    # padding padding padding padding padding padding padding padding\n");
    }
    let (message, _) = one_error("10 MB", &big);
    assert!(
        message.contains("beyond the YAML reader's limits"),
        "{message}"
    );
}

#[test]
fn a_thousand_services_validate() {
    // Well under the budget, a large real federation reads and validates.
    let start = Instant::now();
    let validated = fed_model::validate_yaml_str(&services(1_000), None, None);
    eprintln!("1,000 services: {:?}", start.elapsed());
    assert_eq!(validated.expect("valid").federation.services().len(), 1_000);
}
