//! What a run found: where every request went, the ejections, the timeline.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use istio_types::dataplane::EnvoyLbPolicy;
use serde::Serialize;

use crate::translate::Plan;

/// How a request failed, by Envoy's response flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Flag {
    /// `UO`: a circuit breaker overflowed (the client's own, or a server pod's, whose 503
    /// the client passes on).
    Uo,
    /// `UH`: no healthy endpoint (every one ejected, panic mode off).
    Uh,
    /// `UF`: the connection to the endpoint failed.
    Uf,
}

impl Flag {
    /// Every flag, in output order.
    pub const ALL: [Self; 3] = [Self::Uo, Self::Uh, Self::Uf];

    /// Envoy's spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Uo => "UO",
            Self::Uh => "UH",
            Self::Uf => "UF",
        }
    }

    const fn index(self) -> usize {
        match self {
            Self::Uo => 0,
            Self::Uh => 1,
            Self::Uf => 2,
        }
    }
}

/// Latency percentiles, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Latency {
    /// Median.
    pub p50_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
}

/// One ejection of an endpoint by the client's outlier detection.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ejection {
    /// When, in milliseconds from the start.
    pub at_ms: f64,
    /// The cluster the endpoint serves from.
    pub cluster: String,
    /// The endpoint (a pod, or a peer's gateway address).
    pub endpoint: String,
    /// For how long, in milliseconds.
    pub for_ms: u64,
}

/// Requests answered during one slice of time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Slice {
    /// Start of the slice, in milliseconds.
    pub t_ms: f64,
    /// Served per cluster.
    pub served: BTreeMap<String, u64>,
    /// Failed per flag.
    pub failed: BTreeMap<String, u64>,
}

/// Where every request went. `--output json` prints this object.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcome {
    /// The Istio release simulated.
    pub istio: String,
    /// `namespace/name` of the service.
    pub service: String,
    /// The client's cluster.
    pub from: String,
    /// The client proxy: `gateway` or `sidecar`.
    pub client: String,
    /// The client Envoy's worker threads.
    pub workers: u32,
    /// How the client picks an endpoint within a priority: `ROUND_ROBIN`, `LEAST_REQUEST` or
    /// `RANDOM` (the rule's algorithm, or the release's default).
    pub lb_policy: String,
    /// Requests sent; `served` plus `failed` add up to it.
    pub requests: u64,
    /// Requests served, per cluster.
    pub served: BTreeMap<String, u64>,
    /// Requests failed, per flag.
    pub failed: BTreeMap<String, u64>,
    /// Requests failed, per cluster whose proxy answered them, per flag.
    pub failed_in: BTreeMap<String, BTreeMap<String, u64>>,
    /// Upstream 503s the server pods' own circuit breakers answered (retried or not), per
    /// cluster.
    pub server_overflows: BTreeMap<String, u64>,
    /// Retries sent.
    pub retries: u64,
    /// Latency of served requests per cluster (from the load generator's view).
    pub latency: BTreeMap<String, Latency>,
    /// Ejections, in time order.
    pub ejections: Vec<Ejection>,
    /// Answers over time.
    pub timeline: Vec<Slice>,
    /// Simulated time from the first request to the last answer, in milliseconds.
    pub duration_ms: f64,
}

/// Latencies in log-linear buckets (32 per power of two, about 3% wide): fixed memory,
/// no allocation per request.
#[derive(Clone)]
struct Histogram {
    counts: Vec<u64>,
}

const SUB: u32 = 5;

impl Histogram {
    fn new() -> Self {
        Self {
            counts: vec![0; 64 + 64 * (1 << SUB)],
        }
    }

    fn bucket(v: u64) -> usize {
        if v < 64 {
            return usize::try_from(v).unwrap_or(0);
        }
        let e = v.ilog2();
        let sub = (v >> (e - SUB)) & ((1 << SUB) - 1);
        64 + (e as usize - 6) * (1 << SUB) + usize::try_from(sub).unwrap_or(0)
    }

    fn low(b: usize) -> u64 {
        if b < 64 {
            return b as u64;
        }
        let e = (b - 64) / (1 << SUB) + 6;
        let sub = ((b - 64) % (1 << SUB)) as u64;
        (1u64 << e) + (sub << (e - SUB as usize))
    }

    fn add(&mut self, v: u64) {
        self.counts[Self::bucket(v)] += 1;
    }

    fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    fn quantile(&self, q: f64) -> u64 {
        let total = self.total();
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let rank = ((q * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (b, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Self::low(b);
            }
        }
        0
    }
}

/// Collects a run's results as it goes.
pub(crate) struct Recorder {
    clusters: Vec<String>,
    endpoints: Vec<(String, usize)>,
    served: Vec<u64>,
    failed: Vec<[u64; 3]>,
    server_overflows: Vec<u64>,
    latency: Vec<Histogram>,
    ejections: Vec<Ejection>,
    /// Slices of `width_us`; each holds served per cluster then failed per flag.
    slices: Vec<u64>,
    width_us: u64,
    pub(crate) retries: u64,
    pub(crate) end_us: u64,
}

const MAX_SLICES: usize = 200;

impl Recorder {
    pub(crate) fn new(plan: &Plan) -> Self {
        let n = plan.clusters.len();
        Self {
            clusters: plan.clusters.clone(),
            endpoints: plan
                .endpoints
                .iter()
                .map(|e| (e.name.clone(), e.cluster))
                .collect(),
            served: vec![0; n],
            failed: vec![[0; 3]; n],
            server_overflows: vec![0; n],
            latency: vec![Histogram::new(); n],
            ejections: Vec::new(),
            slices: Vec::new(),
            width_us: 1000,
            retries: 0,
            end_us: 0,
        }
    }

    fn stride(&self) -> usize {
        self.clusters.len() + 3
    }

    pub(crate) fn record(&mut self, now: u64, latency: u64, flag: Option<Flag>, cluster: usize) {
        let col = match flag {
            None => {
                self.served[cluster] += 1;
                self.latency[cluster].add(latency);
                cluster
            }
            Some(f) => {
                self.failed[cluster][f.index()] += 1;
                self.clusters.len() + f.index()
            }
        };
        let stride = self.stride();
        let mut slice = usize::try_from(now / self.width_us).unwrap_or(usize::MAX);
        while slice >= MAX_SLICES {
            // Twice as wide: merge neighbours.
            let n = self.slices.len() / stride;
            for i in 0..n.div_ceil(2) {
                for k in 0..stride {
                    let a = self.slices[2 * i * stride + k];
                    let b = self
                        .slices
                        .get((2 * i + 1) * stride + k)
                        .copied()
                        .unwrap_or(0);
                    self.slices[i * stride + k] = a + b;
                }
            }
            self.slices.truncate(n.div_ceil(2) * stride);
            self.width_us *= 2;
            slice = usize::try_from(now / self.width_us).unwrap_or(usize::MAX);
        }
        if self.slices.len() <= slice * stride + col {
            self.slices.resize((slice + 1) * stride, 0);
        }
        self.slices[slice * stride + col] += 1;
    }

    pub(crate) fn server_overflow(&mut self, cluster: usize) {
        self.server_overflows[cluster] += 1;
    }

    #[allow(clippy::cast_precision_loss)]
    pub(crate) fn ejection(&mut self, now: u64, endpoint: usize, for_us: u64, plan: &Plan) {
        let (name, cluster) = &self.endpoints[endpoint];
        self.ejections.push(Ejection {
            at_ms: now as f64 / 1000.0,
            cluster: plan.clusters[*cluster].clone(),
            endpoint: name.clone(),
            for_ms: for_us / 1000,
        });
    }

    #[allow(clippy::cast_precision_loss)]
    pub(crate) fn finish(self, plan: &Plan) -> Outcome {
        let by_cluster = |v: &[u64]| -> BTreeMap<String, u64> {
            self.clusters
                .iter()
                .cloned()
                .zip(v.iter().copied())
                .collect()
        };
        let stride = self.stride();
        let timeline = self
            .slices
            .chunks(stride)
            .enumerate()
            .map(|(i, s)| Slice {
                t_ms: (i as u64 * self.width_us) as f64 / 1000.0,
                served: by_cluster(&s[..self.clusters.len()]),
                failed: Flag::ALL
                    .iter()
                    .map(|f| (f.as_str().to_owned(), s[self.clusters.len() + f.index()]))
                    .collect(),
            })
            .collect();
        let failed: BTreeMap<String, u64> = Flag::ALL
            .iter()
            .map(|f| {
                (
                    f.as_str().to_owned(),
                    self.failed.iter().map(|c| c[f.index()]).sum(),
                )
            })
            .collect();
        let failed_in = self
            .clusters
            .iter()
            .zip(&self.failed)
            .map(|(c, counts)| {
                (
                    c.clone(),
                    Flag::ALL
                        .iter()
                        .map(|f| (f.as_str().to_owned(), counts[f.index()]))
                        .collect(),
                )
            })
            .collect();
        let latency = self
            .clusters
            .iter()
            .zip(&self.latency)
            .filter(|(_, h)| h.total() > 0)
            .map(|(c, h)| {
                (
                    c.clone(),
                    Latency {
                        p50_ms: h.quantile(0.5) as f64 / 1000.0,
                        p99_ms: h.quantile(0.99) as f64 / 1000.0,
                    },
                )
            })
            .collect();
        let served = by_cluster(&self.served);
        let requests = served.values().sum::<u64>() + failed.values().sum::<u64>();
        Outcome {
            istio: plan.release.to_string(),
            service: plan.service.clone(),
            from: plan.clusters[plan.from].clone(),
            client: match plan.client {
                crate::input::ClientKind::Gateway => "gateway",
                crate::input::ClientKind::Sidecar => "sidecar",
            }
            .to_owned(),
            workers: plan.workers,
            lb_policy: match plan.lb_policy {
                EnvoyLbPolicy::RoundRobin => "ROUND_ROBIN",
                EnvoyLbPolicy::LeastRequest => "LEAST_REQUEST",
                EnvoyLbPolicy::Random => "RANDOM",
            }
            .to_owned(),
            requests,
            served,
            failed,
            failed_in,
            server_overflows: by_cluster(&self.server_overflows),
            retries: self.retries,
            latency,
            ejections: self.ejections,
            timeline,
            duration_ms: self.end_us as f64 / 1000.0,
        }
    }
}

impl Outcome {
    /// Requests failed, all flags together.
    pub fn failed_total(&self) -> u64 {
        self.failed.values().sum()
    }

    /// Requests served, all clusters together.
    pub fn served_total(&self) -> u64 {
        self.served.values().sum()
    }

    /// The JSON object `fedctl simulate --output json` prints.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

impl fmt::Display for Outcome {
    /// A table per cluster (served, UO, UH, other failures, p50/p99), the ejections and a
    /// short timeline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Istio {}: {} from {} ({} with {} workers, {}): {} requests, {} served, {} failed, {} retries, {:.1} ms simulated",
            self.istio,
            self.service,
            self.from,
            self.client,
            self.workers,
            self.lb_policy,
            self.requests,
            self.served_total(),
            self.failed_total(),
            self.retries,
            self.duration_ms
        )?;
        writeln!(
            f,
            "\n{:<16} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10}",
            "cluster", "served", "UO", "UH", "other", "p50 ms", "p99 ms"
        )?;
        for (c, served) in &self.served {
            let failed = &self.failed_in[c];
            let (p50, p99) = self.latency.get(c).map_or_else(
                || ("-".to_owned(), "-".to_owned()),
                |l| (format!("{:.2}", l.p50_ms), format!("{:.2}", l.p99_ms)),
            );
            writeln!(
                f,
                "{:<16} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10}",
                c, served, failed["UO"], failed["UH"], failed["UF"], p50, p99
            )?;
        }
        let overflows: Vec<String> = self
            .server_overflows
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(c, n)| format!("{c}: {n}"))
            .collect();
        if !overflows.is_empty() {
            writeln!(
                f,
                "\nserver pods' own overflow 503s (each an upstream 503 at the client): {}",
                overflows.join(", ")
            )?;
        }
        if self.ejections.is_empty() {
            writeln!(f, "\nno ejections")?;
        } else {
            writeln!(f, "\nejections:")?;
            for e in &self.ejections {
                writeln!(
                    f,
                    "  {:>10.1} ms  {} ({}) for {} ms",
                    e.at_ms, e.endpoint, e.cluster, e.for_ms
                )?;
            }
        }
        writeln!(f, "\ntimeline (answers per slice):")?;
        let step = self.timeline.len().div_ceil(12).max(1);
        for chunk in self.timeline.chunks(step) {
            let mut line = format!("  {:>10.1} ms ", chunk[0].t_ms);
            for c in self.served.keys() {
                let n: u64 = chunk.iter().map(|s| s.served[c]).sum();
                let _ = write!(line, " {c} {n:>6}");
            }
            let failed: u64 = chunk.iter().map(|s| s.failed.values().sum::<u64>()).sum();
            let _ = write!(line, "  failed {failed:>6}");
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Histogram;

    #[test]
    fn histogram_buckets_are_ordered_and_tight() {
        let mut last = 0;
        for v in [0, 1, 63, 64, 65, 100, 1000, 12_345, 1 << 40] {
            let b = Histogram::bucket(v);
            assert!(b >= last);
            last = b;
            let low = Histogram::low(b);
            assert!(low <= v && v - low <= v / 16 + 1, "{v} -> {low}");
        }
        let mut h = Histogram::new();
        for v in 1..=1000 {
            h.add(v * 1000);
        }
        let p50 = h.quantile(0.5);
        assert!((480_000..=500_000).contains(&p50), "{p50}");
    }
}
