//! The hand-written fuzz seeds (`fuzz/seeds/*.yaml`) must stay what they are for: valid objects
//! of every kind, so that the reader fuzz targets start from text that reaches the validation
//! rules (FUZZING.md). A seed that stopped reading would silently weaken the fuzzing.

use std::collections::BTreeSet;
use std::path::Path;

use istio_types::IstioResource;
use istio_types::read::{Document, read_stream};

#[test]
fn the_every_kind_seed_holds_one_valid_object_of_every_kind() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds/every-kind.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let crds = testkit::CrdSet::istio();
    let mut kinds = BTreeSet::new();
    for doc in read_stream(&text, Some(&path)) {
        let resource = match doc.result {
            Ok(Document::Istio(r)) => r,
            other => panic!("not an Istio resource: {other:?}"),
        };
        let report = resource.validate();
        assert!(!report.has_errors(), "{} {report:?}", resource.kind());
        if let Some(crds) = crds {
            crds.assert_valid(&serde_json::to_value(&resource).unwrap());
        }
        assert!(kinds.insert(resource.kind()), "{} twice", resource.kind());
    }
    let every: BTreeSet<_> = IstioResource::KINDS.iter().map(|(_, k)| *k).collect();
    assert_eq!(kinds, every);
}
