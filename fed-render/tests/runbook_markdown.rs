//! Every rendered RUNBOOK.md reads on GitHub as written: no inline code span holds backticks of
//! its own (`` `# make a CA (`fedctl certs`)` `` shows as two spans with prose between), and
//! every fenced block is closed. For both topologies, every example document, at Istio
//! releases that take different install steps, with and without a shared CA.

use std::path::Path;

/// The problems of `md`'s inline code spans and fences, one line each.
fn markdown_problems(md: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut fence: Option<String> = None;
    for (i, line) in md.lines().enumerate() {
        let trimmed = line.trim_start();
        let ticks: String = trimmed.chars().take_while(|&c| c == '`').collect();
        // A list item may start with its fence: `1. ```sh`.
        let after_marker = trimmed
            .split_once(". ")
            .filter(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
            .map_or(trimmed, |(_, rest)| rest);
        let opening: String = after_marker.chars().take_while(|&c| c == '`').collect();
        match &fence {
            Some(f) => {
                if ticks.len() >= f.len() && trimmed[ticks.len()..].trim().is_empty() {
                    fence = None;
                }
                continue;
            }
            None if opening.len() >= 3 => {
                fence = Some(opening);
                continue;
            }
            None => {}
        }
        problems.extend(
            inline_span_problems(line)
                .into_iter()
                .map(|p| format!("line {}: {p}: {line}", i + 1)),
        );
    }
    if fence.is_some() {
        problems.push("a fenced block is never closed".to_owned());
    }
    problems
}

/// Inline code spans of one line, as CommonMark pairs them (a run of N backticks up to the next
/// run of exactly N), that look like a span broken by backticks inside it: content starting or
/// ending with a space, a span glued to a word, or a run with no partner.
fn inline_span_problems(line: &str) -> Vec<String> {
    let bytes = line.as_bytes();
    let run_at = |i: usize| bytes[i..].iter().take_while(|&&b| b == b'`').count();
    let mut problems = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'`' {
            i += 1;
            continue;
        }
        let n = run_at(i);
        let start = i + n;
        let mut j = start;
        let close = loop {
            if j >= bytes.len() {
                break None;
            }
            if bytes[j] == b'`' {
                let m = run_at(j);
                if m == n {
                    break Some(j);
                }
                j += m;
            } else {
                j += 1;
            }
        };
        let Some(end) = close else {
            problems.push(format!("a run of {n} backticks at {i} is never closed"));
            break;
        };
        let content = &line[start..end];
        let word = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
        if content.starts_with(' ') != content.ends_with(' ')
            || content.trim().is_empty()
            || word(i.checked_sub(1).and_then(|k| bytes.get(k)))
            || word(bytes.get(end + n))
        {
            problems.push(format!("inline code span {content:?}"));
        }
        i = end + n;
    }
    problems
}

fn runbooks(text: &str, base_dir: &Path) -> Vec<(String, String)> {
    let fed = fed_model::validate_yaml_str(text, None, Some(base_dir))
        .unwrap_or_else(|e| panic!("{e:?}"))
        .federation;
    fed_render::render(&fed)
        .unwrap()
        .into_iter()
        .flat_map(|b| {
            b.files
                .into_iter()
                .filter(|f| f.name == "RUNBOOK.md")
                .map(move |f| (b.cluster.clone(), f.contents))
        })
        .collect()
}

#[test]
fn the_checker_finds_a_command_with_backticks_in_an_inline_span() {
    let broken = "2. `# make a CA (`fedctl certs F -o certs`), then render again`\n";
    assert!(!markdown_problems(broken).is_empty());
    assert!(!markdown_problems("1. ```sh\n   kubectl apply\n").is_empty());
    let fine = "1. Run `fedctl certs` first.\n\n   ```sh\n   echo `date`\n   ```\n";
    assert_eq!(markdown_problems(fine), Vec::<String>::new());
}

#[test]
fn no_runbook_nests_backticks_in_an_inline_span() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let ca = std::env::temp_dir().join(format!("meshfed-runbook-ca-{}", std::process::id()));
    let mut checked = 0;
    for file in ["apan.yaml", "liqo.yaml"] {
        let text = std::fs::read_to_string(examples.join(file)).unwrap();
        let original = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("version: "))
            .and_then(|v| v.split('"').nth(1))
            .unwrap_or_else(|| panic!("{file}: no Istio version"))
            .to_owned();
        let fed = fed_model::validate_yaml_str(&text, None, None)
            .unwrap()
            .federation;
        let clusters: Vec<&str> = fed.clusters().map(|c| c.name().as_str()).collect();
        for f in fed_render::certs::generate(&clusters, time::OffsetDateTime::now_utc())
            .unwrap()
            .files()
        {
            let path = ca.join(file).join(&f.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, f.contents).unwrap();
        }
        // 1.5: istioctl and sni-dnat; 1.9: sni-dnat; 1.11: istioctl for LIQO; 1.30: Helm.
        for version in ["1.5", "1.9", "1.11", "1.30"] {
            let at = text.replacen(
                &format!("version: \"{original}\""),
                &format!("version: \"{version}\""),
                1,
            );
            let with_ca = at.replacen(
                "spec:\n",
                &format!(
                    "spec:\n  mesh:\n    ca: {{dir: {}}}\n",
                    ca.join(file).display()
                ),
                1,
            );
            // apan.yaml has a `mesh:` of its own: the CA goes into it.
            let with_ca = if at.contains("\n  mesh:\n") {
                at.replacen(
                    "\n  mesh:\n",
                    &format!("\n  mesh:\n    ca: {{dir: {}}}\n", ca.join(file).display()),
                    1,
                )
            } else {
                with_ca
            };
            for doc in [&at, &with_ca] {
                for (cluster, md) in runbooks(doc, &examples) {
                    let problems = markdown_problems(&md);
                    assert!(
                        problems.is_empty(),
                        "{file} at Istio {version}, cluster {cluster}:\n{}\n\n{md}",
                        problems.join("\n")
                    );
                    checked += 1;
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&ca);
    // 2 APAN peers and a LIQO consumer with its providers, 8 variants each.
    assert!(checked >= 8 * 4, "{checked} runbooks checked");
}
