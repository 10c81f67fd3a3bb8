//! Istio objects generated from Istio's own CRD schemas.
//!
//! Mutating YAML text seldom produces a whole, well-typed document, so the text targets reach
//! the deeper validation rules slowly (FUZZING.md, "Fourth session"). This generator walks the
//! `openAPIV3Schema` of every served version of the kinds istio-types models and lets the
//! fuzzer's bytes decide which properties are present, how long lists are and which values
//! fields take. Values come from a vocabulary of the strings Istio's rules care about (hosts,
//! wildcards, durations, CIDRs, regular expressions, ports, principals), from the schema's
//! enums and bounds, or from the bytes themselves, so most generated objects have the right
//! shape and many break exactly one rule.
//!
//! The schemas come from `testkit::CrdSet::istio` (`istio-crds/crd-all.gen.yaml` in the shared
//! directory: `$MESHFED_SHARED_DIR`, else `../shared` beside the repository), the same parse
//! the target's CRD check uses.

use std::sync::OnceLock;

use arbitrary::{Result, Unstructured};
use serde_json::{Map, Value};

/// The kinds istio-types reads; the CRD bundle has more (Telemetry, WasmPlugin, ...).
pub const KINDS: &[&str] = &[
    "DestinationRule",
    "EnvoyFilter",
    "Gateway",
    "ServiceEntry",
    "Sidecar",
    "VirtualService",
    "WorkloadEntry",
    "WorkloadGroup",
    "AuthorizationPolicy",
    "PeerAuthentication",
    "RequestAuthentication",
];

/// Deeper than any Istio schema nests (EnvoyFilter's match is the deepest, at 7).
const MAX_DEPTH: usize = 12;

/// One served `group/version` of one kind, with the schema of its `spec`.
pub struct KindSchema {
    pub api_version: String,
    pub kind: String,
    pub spec: Value,
}

/// Every served version of every kind in [`KINDS`], sorted by group, version and kind.
///
/// # Panics
/// When the CRD file is missing or unreadable: a fuzz run without it would test nothing.
pub fn schemas() -> &'static [KindSchema] {
    static SCHEMAS: OnceLock<Vec<KindSchema>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let crds = testkit::CrdSet::istio()
            .expect("the schema target needs Istio's CRDs (see the line above)");
        let out: Vec<KindSchema> = crds
            .served()
            .into_iter()
            .filter(|(_, _, kind)| KINDS.contains(&kind.as_str()))
            .filter_map(|(group, version, kind)| {
                let spec = &crds.schema(&group, &version, &kind)?["properties"]["spec"];
                spec.is_object().then(|| KindSchema {
                    api_version: format!("{group}/{version}"),
                    kind,
                    spec: spec.clone(),
                })
            })
            .collect();
        assert!(
            out.len() >= KINDS.len(),
            "Istio's CRDs hold {} served versions of the {} kinds istio-types reads",
            out.len(),
            KINDS.len()
        );
        out
    })
}

/// One generated object of a kind and version the fuzzer picks, as a JSON value.
pub fn object(u: &mut Unstructured) -> Result<Value> {
    let schema = u.choose(schemas())?;
    let mut metadata = Map::new();
    metadata.insert("name".into(), Value::String(pick(u, NAMES)?));
    if u.ratio(1, 2)? {
        metadata.insert("namespace".into(), Value::String(pick(u, NAMESPACES)?));
    }
    let mut object = Map::new();
    object.insert("apiVersion".into(), schema.api_version.clone().into());
    object.insert("kind".into(), schema.kind.clone().into());
    object.insert("metadata".into(), Value::Object(metadata));
    object.insert("spec".into(), value(u, &schema.spec, "spec", 0)?);
    Ok(Value::Object(object))
}

/// One to three generated objects, for one YAML stream.
pub fn objects(u: &mut Unstructured) -> Result<Vec<Value>> {
    (0..u.int_in_range(1..=3)?).map(|_| object(u)).collect()
}

/// The objects as a YAML stream, as a user would write them.
///
/// # Panics
/// When serde-saphyr cannot write a JSON value, which would be a bug there.
pub fn to_yaml_stream(objects: &[Value]) -> String {
    let mut text = String::new();
    for (i, object) in objects.iter().enumerate() {
        if i > 0 {
            text.push_str("---\n");
        }
        text.push_str(&serde_saphyr::to_string(object).expect("a JSON value writes as YAML"));
    }
    text
}

/// A value for `schema`, the schema of the property `name`.
fn value(u: &mut Unstructured, schema: &Value, name: &str, depth: usize) -> Result<Value> {
    if schema["x-kubernetes-int-or-string"].as_bool() == Some(true) {
        return if u.arbitrary()? {
            Ok(integer(u, schema, name)?.into())
        } else {
            Ok(Value::String(string(u, schema, name)?))
        };
    }
    match schema["type"].as_str() {
        Some("object") => object_value(u, schema, name, depth),
        Some("array") => {
            let len = if depth >= MAX_DEPTH {
                0
            } else if USUALLY_SET.contains(&name) {
                // Left out is the empty case.
                u.int_in_range(1..=3)?
            } else {
                u.int_in_range(0..=3)?
            };
            let items = &schema["items"];
            (0..len)
                .map(|_| value(u, items, name, depth + 1))
                .collect::<Result<Vec<_>>>()
                .map(Value::Array)
        }
        Some("string") => Ok(Value::String(string(u, schema, name)?)),
        Some("integer") => Ok(integer(u, schema, name)?.into()),
        Some("number") => {
            let n = *u.choose(&[0.0, 0.5, 1.0, 25.0, 50.0, 99.9, 100.0, 100.1, -1.0, 1e9])?;
            Ok(serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number))
        }
        Some("boolean") => Ok(Value::Bool(u.arbitrary()?)),
        // Untyped: something small of every shape.
        _ => match u.int_in_range(0..=3)? {
            0 => Ok(Value::Null),
            1 => Ok(Value::String(pick(u, ANY_STRINGS)?)),
            2 => Ok(Value::Bool(u.arbitrary()?)),
            _ => Ok(u.int_in_range(-1..=65536_i64)?.into()),
        },
    }
}

fn object_value(u: &mut Unstructured, schema: &Value, name: &str, depth: usize) -> Result<Value> {
    let mut out = Map::new();
    if depth >= MAX_DEPTH {
        return Ok(Value::Object(out));
    }
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if let Some(properties) = schema["properties"].as_object() {
        let groups = one_of_groups(schema);
        let mut taken = vec![false; groups.len()];
        for (key, property) in properties {
            // Each optional field about one time in three; required ones nearly always
            // (leaving one out is a case too, one time in 32); the lists Istio's rules
            // require, or that hold what the rules check, seven times in eight. A second
            // member of a oneOf (`exact` beside `prefix`) one time in 16: the object stops
            // reading there, and is worth making now and then, not in a quarter of all objects.
            let group = groups.iter().position(|g| g.contains(&key.as_str()));
            let present = if group.is_some_and(|g| taken[g]) {
                u.ratio(1, 16)?
            } else if required.contains(&key.as_str()) {
                !u.ratio(1, 32)?
            } else if USUALLY_SET.contains(&key.as_str()) {
                !u.ratio(1, 8)?
            } else {
                u.ratio(1, 3)?
            };
            if present && let Some(g) = group {
                taken[g] = true;
            }
            if present {
                out.insert(key.clone(), value(u, property, key, depth + 1)?);
            }
        }
    } else if let Some(values) = schema.get("additionalProperties").filter(|v| v.is_object()) {
        for _ in 0..u.int_in_range(0..=3)? {
            let key = pick(u, MAP_KEYS)?;
            out.insert(key, value(u, values, name, depth + 1)?);
        }
    } else if schema["x-kubernetes-preserve-unknown-fields"].as_bool() == Some(true) {
        // EnvoyFilter patches and the like: free-form Envoy configuration.
        for _ in 0..u.int_in_range(0..=2)? {
            let key = pick(
                u,
                &["name", "typed_config", "@type", "value", "inline_code"],
            )?;
            let inner = value(u, &Value::Null, name, depth + 1)?;
            out.insert(key, inner);
        }
    }
    Ok(Value::Object(out))
}

/// The members of each `oneOf` of an object schema (its own, and those under `allOf`): the
/// names in the `required` lists of its alternatives, `not.anyOf` included.
fn one_of_groups(schema: &Value) -> Vec<Vec<&str>> {
    fn names<'a>(alternative: &'a Value, out: &mut Vec<&'a str>) {
        if let Some(required) = alternative["required"].as_array() {
            out.extend(required.iter().filter_map(Value::as_str));
        }
        for nested in alternative["not"]["anyOf"].as_array().into_iter().flatten() {
            names(nested, out);
        }
    }
    let all_of = schema["allOf"].as_array().into_iter().flatten();
    std::iter::once(schema)
        .chain(all_of)
        .filter_map(|s| s["oneOf"].as_array())
        .map(|alternatives| {
            let mut members = Vec::new();
            for alternative in alternatives {
                names(alternative, &mut members);
            }
            members.sort_unstable();
            members.dedup();
            members
        })
        .filter(|members| !members.is_empty())
        .collect()
}

fn integer(u: &mut Unstructured, schema: &Value, name: &str) -> Result<i64> {
    let min = schema["minimum"].as_i64();
    let max = schema["maximum"].as_i64();
    let lower = name.to_ascii_lowercase();
    // A port number is mostly a real one: an object with one bad port stops at it, and the
    // rules after it (protocol, name, TLS) are what the fuzzer should reach.
    if (lower.contains("port") || lower == "number") && u.ratio(3, 4)? {
        return u.choose(&[80, 443, 8080, 9080, 15443, 3306]).copied();
    }
    // Inside the bounds half the time: a VirtualService has a dozen integers, and an object
    // stops reading at the first one out of range.
    match u.int_in_range(0..=7)? {
        // Inside the schema's bounds.
        0..=3 => {
            let lo = min.unwrap_or(0);
            let hi = max.unwrap_or(lo.saturating_add(100_000)).max(lo);
            u.int_in_range(lo..=hi)
        }
        // Just outside them.
        4 => Ok(match (min, max) {
            (Some(lo), _) if u.arbitrary()? => lo - 1,
            (_, Some(hi)) => hi + 1,
            _ => -1,
        }),
        _ => u
            .choose(&[
                0,
                1,
                2,
                80,
                443,
                8080,
                15443,
                65535,
                65536,
                100,
                101,
                i64::from(i32::MAX),
                i64::from(u32::MAX),
                -1,
            ])
            .copied(),
    }
}

fn string(u: &mut Unstructured, schema: &Value, name: &str) -> Result<String> {
    if let Some(options) = schema["enum"].as_array()
        && !u.ratio(1, 16)?
    {
        return Ok(u
            .choose(options)?
            .as_str()
            .map_or_else(String::new, str::to_owned));
    }
    let vocabulary = strings_for(name);
    // Mostly what this field takes; fields with a vocabulary of their own more so.
    let own = if std::ptr::eq(vocabulary, ANY_STRINGS) {
        4
    } else {
        5
    };
    match u.int_in_range(0..=7)? {
        n if n <= own => pick(u, vocabulary),
        n if n == own + 1 => pick(u, ANY_STRINGS),
        // Now and then, whatever the bytes say.
        _ => Ok(u.arbitrary::<&str>()?.to_owned()),
    }
}

fn pick(u: &mut Unstructured, options: &[&str]) -> Result<String> {
    Ok((*u.choose(options)?).to_owned())
}

/// The strings a property of this name usually holds, valid and not.
fn strings_for(name: &str) -> &'static [&'static str] {
    let lower = name.to_ascii_lowercase();
    let has = |needle: &str| lower.contains(needle);
    if has("timeout")
        || has("interval")
        || has("time")
        || has("duration")
        || has("ttl")
        || has("delay")
        || has("period")
        || has("maxage")
        || has("idle")
    {
        DURATIONS
    } else if has("regex") || lower == "rewrite" {
        REGEXES
    } else if has("ipblock") || has("subnet") || has("address") || lower == "bind" {
        ADDRESSES
    } else if has("host") || lower == "sni" || has("authority") || lower == "exact" {
        HOSTS
    } else if lower == "protocol" {
        &[
            "HTTP", "HTTPS", "TCP", "TLS", "GRPC", "HTTP2", "Mongo", "http", "UDP", "unknown",
        ]
    } else if has("port") {
        PORTS
    } else if has("principal") || has("serviceaccount") || has("trustdomain") {
        PRINCIPALS
    } else if has("namespace") || lower == "exportto" {
        NAMESPACES
    } else if has("header") || has("key") || lower == "claim" {
        HEADERS
    } else if has("path") || lower == "prefix" || lower == "uri" || has("uri") {
        PATHS
    } else if has("method") {
        &["GET", "POST", "*", "get", "", "CONNECT"]
    } else if has("network") || has("locality") || lower == "from" || lower == "to" {
        LOCALITIES
    } else if has("name") || lower == "subset" || lower == "gateways" {
        NAMES
    } else {
        ANY_STRINGS
    }
}

/// Optional in the CRD, but Istio's rules require them (a Gateway's servers, a
/// VirtualService's hosts) or check what they hold.
const USUALLY_SET: &[&str] = &[
    "servers",
    "hosts",
    "http",
    "route",
    "destination",
    "rules",
    "configPatches",
    "ports",
    "egress",
    "number",
];

const NAMES: &[&str] = &[
    "reviews",
    "v1",
    "default",
    "istio-system/ingress",
    "mesh",
    "my-gateway",
    "a",
    "Bad_Name",
    "-x",
    "x.y.z",
    "http",
    "",
    "ingress/istio-system",
];
const NAMESPACES: &[&str] = &["default", "istio-system", ".", "*", "~", "Bad_NS", ""];
const HOSTS: &[&str] = &[
    "reviews",
    "reviews.default.svc.cluster.local",
    "*.example.com",
    "*",
    "example.com",
    "*.global",
    "foo.*.com",
    "10.0.0.1",
    "::1",
    "ns/host.com",
    "./reviews",
    "*/reviews",
    "host:8080",
    "",
    "UPPER.example.com",
    "a..b",
];
const DURATIONS: &[&str] = &[
    "1s", "10ms", "0s", "1ms", "500us", "1h", "1.5s", "-1s", "1d", "10", "0.0001s", "",
];
const REGEXES: &[&str] = &["^/api/.*", "(", "[a-z]+", ".*", "a{1000}", "(?i)x", ""];
const ADDRESSES: &[&str] = &[
    "10.0.0.1",
    "10.0.0.0/8",
    "::1",
    "2001:db8::/32",
    "300.1.1.1",
    "10.0.0.0/33",
    "0.0.0.0",
    "unix:///var/run/sock",
    "unix://@abstract",
    "unix://",
    "host.example.com",
    "",
];
const PORTS: &[&str] = &["80", "8080", "0", "65536", "http", "-1", "*", ""];
const PRINCIPALS: &[&str] = &[
    "cluster.local/ns/default/sa/reviews",
    "*",
    "*/ns/default/*",
    "cluster.local",
    "",
];
const HEADERS: &[&str] = &[
    "x-user",
    "end-user",
    ":authority",
    "Host",
    "x-forwarded-for",
    "request.auth.claims[iss]",
    "source.ip",
    "destination.port",
    "Bad Header",
    "",
];
const PATHS: &[&str] = &[
    "/", "/api", "/api/*", "*", "/a/{*}/b", "/{**}", "relative", "",
];
const LOCALITIES: &[&str] = &[
    "us-east",
    "us-east/zone1/*",
    "us-east/*",
    "*",
    "eu-west/zone2/sub",
    "a/b/c/d",
    "network1",
    "",
];
const MAP_KEYS: &[&str] = &[
    "app",
    "version",
    "topology.istio.io/network",
    "istio.io/rev",
    "Bad Key",
    "",
    "x-user",
    "us-east/zone1/*",
    "8080",
    "443",
];
const ANY_STRINGS: &[&str] = &[
    "",
    "*",
    "a",
    "reviews",
    "1s",
    "80",
    "10.0.0.0/8",
    "GET",
    "/",
    "x-user",
    "ISTIO_MUTUAL",
    "http://jwks.example.com/keys",
    "https://example.com",
    "\u{1F980}",
];
