//! `render_cluster` gives exactly the bundle `render` gives for that cluster, for both
//! topologies, and nothing for a name that is not a cluster.

fn validated(file: &str) -> fed_model::ValidatedFederation {
    let path = format!("{}/../examples/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    fed_model::validate_yaml_str(&text, None, None)
        .unwrap_or_else(|e| panic!("{path}: {e:?}"))
        .federation
}

#[test]
fn each_cluster_alone_renders_as_in_the_whole() {
    for file in ["apan.yaml", "liqo.yaml"] {
        let fed = validated(file);
        let all = fed_render::render(&fed).unwrap();
        assert!(all.len() >= 2, "{file}");
        for bundle in &all {
            let one = fed_render::render_cluster(&fed, &bundle.cluster)
                .unwrap()
                .unwrap_or_else(|| panic!("{file}: no bundle for {}", bundle.cluster));
            assert_eq!(&one, bundle, "{file}: {}", bundle.cluster);
            assert_eq!(
                one.to_yaml_stream().unwrap(),
                bundle.to_yaml_stream().unwrap()
            );
        }
        assert!(
            fed_render::render_cluster(&fed, "not-a-cluster")
                .unwrap()
                .is_none()
        );
    }
}
