//! `fedctl simulate FILE --service NAME`.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use fed_model::ValidatedFederation;
use fed_render::Object;
use fed_sim::{Amount, ClientKind, Load, Mesh};
use istio_types::read::Document;

use crate::{exit, load};

/// Run a service's traffic through a model of the Envoy proxies the rendered objects
/// configure, for the document's Istio release, and say where every request went: served per
/// cluster, 503 UO / UH / UF, ejections, over time.
///
/// The client is the `--from` cluster's ingress gateway (the seeds' requests entered through
/// it) unless `--client sidecar`. Each of `--concurrency` connections sends its next request
/// when the previous one is answered, `--requests` times in all or for `--duration` of
/// simulated time; with `--rate`, requests arrive at that rate instead (at most
/// `--concurrency` in flight). `--rendered DIR` simulates the objects of a `render -o` folder
/// as they are now, edits included.
///
/// Exit status: 0 simulated, 1 the document or the objects are invalid, 2 usage or I/O error
/// (an unknown service or cluster, a load out of range).
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The Federation document; `-` reads standard input.
    pub(crate) file: PathBuf,
    /// The service: `name`, or `namespace/name`.
    #[arg(long, value_name = "NAME")]
    pub(crate) service: String,
    /// The cluster the requests start in (default: the service's first overflow rule's
    /// `from`, else the first cluster that runs it).
    #[arg(long, value_name = "CLUSTER")]
    pub(crate) from: Option<String>,
    /// Requests in flight at once (the load generator's parallel connections).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub(crate) concurrency: u32,
    /// How many requests (default 1000 when no --duration).
    #[arg(long, value_name = "N", conflicts_with = "duration")]
    pub(crate) requests: Option<u64>,
    /// How long to send requests, in simulated time (`30s`, `2m`).
    #[arg(long, value_name = "D")]
    pub(crate) duration: Option<String>,
    /// Requests per second (open loop).
    #[arg(long, value_name = "R")]
    pub(crate) rate: Option<f64>,
    /// Mean service time of the application (exponentially distributed).
    #[arg(long, value_name = "D", default_value = "5ms")]
    pub(crate) service_time: String,
    /// Replicas of the service in every cluster (default: the workloads' own).
    #[arg(long, value_name = "N")]
    pub(crate) replicas: Option<u32>,
    /// The client proxy.
    #[arg(long, value_enum, default_value_t = Client::Gateway)]
    pub(crate) client: Client,
    /// The client Envoy's worker threads (default 4 for a gateway, the release's
    /// `proxy.concurrency` for a sidecar).
    #[arg(long, value_name = "N")]
    pub(crate) workers: Option<u32>,
    /// The random seed: the same seed gives the same run.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub(crate) seed: u64,
    /// Simulate the objects of a `render -o` folder (`DIR/<cluster>/*.yaml`) instead of
    /// rendering the document.
    #[arg(long, value_name = "DIR")]
    pub(crate) rendered: Option<PathBuf>,
    /// `text` (a table per cluster) or `json` (one object).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) output: Format,
    /// Also draw requests served per cluster and failures over time, ejections marked, as SVG.
    #[arg(long, value_name = "FILE.svg")]
    pub(crate) plot: Option<PathBuf>,
}

/// The client proxy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Client {
    /// The cluster's ingress gateway.
    Gateway,
    /// A meshed pod in the service's namespace.
    Sidecar,
}

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// A table.
    Text,
    /// One JSON object.
    Json,
}

fn millis(flag: &str, text: &str) -> Result<u64, u8> {
    istio_types::primitives::Duration::new(text)
        .map(|d| d.as_millis())
        .map_err(|e| {
            eprintln!("fedctl: --{flag} {text:?}: {e}");
            exit::USAGE
        })
}

/// The clusters of the document, without objects.
fn clusters(fed: &ValidatedFederation) -> Vec<fed_sim::Cluster> {
    fed.clusters()
        .map(|c| fed_sim::Cluster {
            name: c.name().to_string(),
            locality: Some(c.locality().to_string()),
            gateway: c
                .gateway()
                .map(|g| (g.address().to_string(), u32::from(g.port().get()))),
            ..fed_sim::Cluster::default()
        })
        .collect()
}

fn add(cluster: &mut fed_sim::Cluster, object: &Object) {
    match object {
        Object::Istio(r) => cluster.istio.push(r.clone()),
        Object::Service(s) => cluster.add_service(s),
        Object::Deployment(d) => cluster.add_deployment(d),
        _ => {}
    }
}

/// The objects of every cluster as `render` makes them.
fn rendered_in_memory(fed: &ValidatedFederation, mesh: &mut Mesh) -> Result<(), u8> {
    let bundles = fed_render::render(fed).map_err(|e| {
        eprintln!("fedctl: cannot render: {e}");
        exit::USAGE
    })?;
    for bundle in &bundles {
        if let Some(c) = mesh.clusters.iter_mut().find(|c| c.name == bundle.cluster) {
            for o in &bundle.objects {
                add(c, o);
            }
        }
    }
    Ok(())
}

/// The objects of every cluster from `DIR/<cluster>/*.yaml`, read strictly.
fn rendered_from_dir(dir: &Path, mesh: &mut Mesh) -> Result<(), u8> {
    let mut errors = 0;
    for cluster in &mut mesh.clusters {
        let folder = dir.join(&cluster.name);
        let files = applied_files(&folder, &cluster.name)?;
        for file in files {
            let text = std::fs::read_to_string(&file).map_err(|e| {
                eprintln!("fedctl: cannot read {}: {e}", file.display());
                exit::USAGE
            })?;
            let docs = istio_types::read::read_stream_map(&text, Some(&file), |raw, doc| {
                (raw.text.to_owned(), raw.first_line, doc)
            });
            for (raw, line, doc) in docs {
                match doc.result {
                    Ok(Document::Istio(r)) => cluster.istio.push(r),
                    Ok(Document::Other { kind, .. }) if kind == "Service" => {
                        match serde_saphyr::from_str::<k8s_openapi::api::core::v1::Service>(&raw) {
                            Ok(s) => cluster.add_service(&s),
                            Err(e) => {
                                eprintln!("{}:{line}: Service: {e}", file.display());
                                errors += 1;
                            }
                        }
                    }
                    Ok(Document::Other { kind, .. }) if kind == "Deployment" => {
                        match serde_saphyr::from_str::<k8s_openapi::api::apps::v1::Deployment>(&raw)
                        {
                            Ok(d) => cluster.add_deployment(&d),
                            Err(e) => {
                                eprintln!("{}:{line}: Deployment: {e}", file.display());
                                errors += 1;
                            }
                        }
                    }
                    Ok(Document::Other { .. }) => {}
                    Err(e) => {
                        eprintln!("{e}");
                        errors += 1;
                    }
                }
            }
        }
    }
    if errors > 0 {
        eprintln!(
            "fedctl: {errors} object(s) in {} cannot be read",
            dir.display()
        );
        return Err(exit::INVALID);
    }
    Ok(())
}

/// What `kubectl apply -k` would apply from a cluster's folder: the `resources` its
/// `kustomization.yaml` lists, or every `*.yaml`, `*.yml` and `*.json` file when it has none.
fn applied_files(folder: &Path, cluster: &str) -> Result<Vec<PathBuf>, u8> {
    #[derive(serde::Deserialize)]
    struct Kustomization {
        #[serde(default)]
        resources: Vec<String>,
    }
    let kustomization = folder.join("kustomization.yaml");
    if let Ok(text) = std::fs::read_to_string(&kustomization) {
        let k: Kustomization = serde_saphyr::from_str(&text).map_err(|e| {
            eprintln!("{}: {e}", kustomization.display());
            exit::INVALID
        })?;
        return Ok(k.resources.iter().map(|r| folder.join(r)).collect());
    }
    let mut files: Vec<PathBuf> = match std::fs::read_dir(folder) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.extension()
                    .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
            })
            .collect(),
        Err(e) => {
            eprintln!(
                "fedctl: cannot read {} (the objects of cluster {cluster}): {e}",
                folder.display()
            );
            return Err(exit::USAGE);
        }
    };
    files.sort();
    Ok(files)
}

fn default_from(fed: &ValidatedFederation, service: &str) -> Option<String> {
    let (ns, name) = match service.split_once('/') {
        Some((ns, name)) => (Some(ns), name),
        None => (None, service),
    };
    let svc = fed
        .services()
        .iter()
        .find(|s| s.name().as_ref() == name && ns.is_none_or(|ns| s.namespace().as_ref() == ns))?;
    svc.overflow()
        .first()
        .map(|o| o.from().to_string())
        .or_else(|| svc.runs_in().first().map(ToString::to_string))
}

pub(crate) fn run(args: &Args) -> u8 {
    match simulate(args) {
        Ok(code) | Err(code) => code,
    }
}

fn simulate(args: &Args) -> Result<u8, u8> {
    let fed = load::federation(&args.file)?;
    let release = fed_render::analyze::release(&fed);
    let mut mesh = Mesh {
        release,
        cluster_domain: fed.mesh().cluster_domain().to_owned(),
        root_namespace: "istio-system".to_owned(),
        clusters: clusters(&fed),
    };
    match &args.rendered {
        Some(dir) => rendered_from_dir(dir, &mut mesh)?,
        None => rendered_in_memory(&fed, &mut mesh)?,
    }
    let amount = match (&args.duration, args.requests) {
        (Some(d), _) => Amount::DurationMs(millis("duration", d)?),
        (None, n) => Amount::Requests(n.unwrap_or(1000)),
    };
    let Some(from) = args
        .from
        .clone()
        .or_else(|| default_from(&fed, &args.service))
    else {
        eprintln!(
            "fedctl: service {:?}: the document has no service of that name",
            args.service
        );
        return Err(exit::USAGE);
    };
    let load = Load {
        service: args.service.clone(),
        namespace: None,
        from,
        client: match args.client {
            Client::Gateway => ClientKind::Gateway,
            Client::Sidecar => ClientKind::Sidecar,
        },
        workers: args.workers,
        concurrency: args.concurrency,
        amount,
        rate: args.rate,
        service_time_us: millis("service-time", &args.service_time)?.saturating_mul(1000),
        replicas: args.replicas,
        seed: args.seed,
        ..Load::default()
    };
    let plan = fed_sim::translate(&mesh, &load).map_err(|e| {
        eprintln!("fedctl: {e}");
        match e {
            fed_sim::SimError::UnknownEndpoint { .. }
            | fed_sim::SimError::NoGatewayRoute { .. } => exit::INVALID,
            _ => exit::USAGE,
        }
    })?;
    let big = match amount {
        Amount::Requests(n) => n >= 1_000_000,
        Amount::DurationMs(d) => d >= 600_000,
    };
    let tty = std::io::stderr().is_terminal();
    if big && tty {
        eprintln!("fedctl: simulating {} ...", plan.service);
    }
    let outcome = fed_sim::simulate(&plan, &load).map_err(|e| {
        eprintln!("fedctl: {e}");
        exit::USAGE
    })?;
    if big && tty {
        eprintln!("fedctl: simulated {} requests", outcome.requests);
    }
    if let Some(path) = &args.plot {
        std::fs::write(path, fed_sim::svg(&outcome)).map_err(|e| {
            eprintln!("fedctl: cannot write {}: {e}", path.display());
            exit::USAGE
        })?;
    }
    let text = match args.output {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&outcome.to_json()).unwrap_or_default();
            s.push('\n');
            s
        }
        Format::Text => {
            let mut s = format!("configuration from: {}\n", plan.sources.join(", "));
            s.push_str(&outcome.to_string());
            s
        }
    };
    exit::to_stdout("the outcome", |out| out.write_all(text.as_bytes()))?;
    Ok(exit::OK)
}
