//! Step two: a discrete-event run of a [`Plan`].
//!
//! Events sit in one binary heap ordered by (time, sequence number), so ties resolve in the
//! order they were scheduled and a seed gives one run. Requests, connections and pools live in
//! vectors indexed by number and reused through free lists: past the first requests, the hot
//! path allocates nothing.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use istio_types::dataplane::{DataPlane, EnvoyLbPolicy};

use crate::input::{Amount, Load};
use crate::outcome::{Flag, Recorder};
use crate::params::Params;
use crate::translate::{Limits, Plan};

/// splitmix64: small, fast, and the same numbers on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        // Multiply-shift: unbiased enough for n far below 2^64.
        u64::try_from((u128::from(self.next()) * u128::from(n)) >> 64).unwrap_or(0)
    }

    /// Uniform in `0..n` (n > 0).
    fn below_u32(&mut self, n: u32) -> u32 {
        u32::try_from(self.below(u64::from(n))).unwrap_or(0)
    }

    /// Uniform index into a slice of `len` (> 0) items.
    fn index(&mut self, len: usize) -> usize {
        usize::try_from(self.below(len as u64)).unwrap_or(0)
    }

    /// Uniform in (0, 1].
    #[allow(clippy::cast_precision_loss)]
    fn unit(&mut self) -> f64 {
        ((self.next() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    /// Exponential with this mean, in whole microseconds.
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    fn exp(&mut self, mean_us: u64) -> u64 {
        if mean_us == 0 {
            return 0;
        }
        (-self.unit().ln() * mean_us as f64).round() as u64
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    /// The load generator sends a request (or, with a rate, one arrives).
    Issue,
    /// A request (or its retry) is at the client proxy.
    AtClient(u32),
    /// A client connection finished its handshakes (or failed to).
    ClientConnUp(u32),
    /// A request is at a server pod's sidecar.
    AtServer(u32),
    /// A sidecar's connection to its application is up.
    ServerConnUp(u32),
    /// The application answered.
    AppDone(u32),
    /// The answer is back at the client proxy.
    Response(u32),
    /// The final answer is back at the load generator.
    Final(u32),
    /// Outlier detection's interval timer.
    Tick,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Ok,
    /// A 503 from a server pod's own circuit breaker; `true` when it carries
    /// `x-envoy-overloaded`.
    Overflow(bool),
}

#[derive(Clone, Copy, Debug)]
struct Req {
    start: u64,
    attempt: u32,
    tried_hosts: u64,
    tried_prios: u64,
    worker: u32,
    host: u32,
    conn: u32,
    srv_conn: u32,
    status: Status,
    /// The outcome once decided: served in a cluster, or failed with a flag in a cluster.
    outcome: Option<(Option<Flag>, u32)>,
}

#[derive(Clone, Copy, Debug)]
struct Conn {
    pool: u32,
    uses: u32,
    /// For a client connection: the pod it lands on and the worker there.
    pod: u32,
    srv_worker: u32,
    reachable: bool,
}

struct Pool {
    breaker: u32,
    ready: Vec<u32>,
    busy: u32,
    connecting: u32,
    pending: VecDeque<u32>,
    /// The endpoint (client pools) or pod (server pools).
    target: u32,
    server: bool,
}

impl Pool {
    fn conns(&self) -> usize {
        self.ready.len() + self.busy as usize + self.connecting as usize
    }
}

struct Breaker {
    limits: Limits,
    conns: u32,
    pending: u32,
    active: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Overflow {
    MaxRequests,
    Pending,
}

#[derive(Clone, Copy, Debug, Default)]
struct Host {
    ejected: bool,
    ejected_at: u64,
    eject_for: u64,
    times: u32,
    cons_5xx: u32,
    cons_gw: u32,
    cons_local: u32,
}

struct App {
    active: u32,
    queue: VecDeque<u32>,
}

/// The simulator's state.
struct Sim<'a> {
    plan: &'a Plan,
    params: Params,
    dp: DataPlane,
    load: &'a Load,
    rng: Rng,
    now: u64,
    seq: u64,
    heap: BinaryHeap<Reverse<(u64, u64, Ev)>>,
    reqs: Vec<Req>,
    free_reqs: Vec<u32>,
    conns: Vec<Conn>,
    free_conns: Vec<u32>,
    pools: Vec<Pool>,
    breakers: Vec<Breaker>,
    /// First server pool of each pod.
    pod_pools: Vec<u32>,
    apps: Vec<App>,
    hosts: Vec<Host>,
    /// Priority of each endpoint, and the endpoints of each priority.
    by_prio: Vec<Vec<u32>>,
    loads: Vec<u32>,
    healthy: Vec<Vec<u32>>,
    /// ROUND_ROBIN's next index of each client worker in each priority (`worker * priorities +
    /// priority`), from a random start.
    rr: Vec<u64>,
    issued: u64,
    in_flight: u64,
    backlog: u64,
    arrivals_done: bool,
    ticking: bool,
    rec: Recorder,
}

/// Runs `plan` under `load`.
pub(crate) fn run(plan: &Plan, load: &Load) -> Recorder {
    let dp = DataPlane::of(plan.release);
    let params = Params::of(&dp);
    let mut pools = Vec::new();
    let mut breakers = vec![Breaker {
        limits: plan.client_limits,
        conns: 0,
        pending: 0,
        active: 0,
    }];
    for _w in 0..plan.workers {
        for (e, _) in plan.endpoints.iter().enumerate() {
            pools.push(Pool::new(0, e, false));
        }
    }
    let mut pod_pools = Vec::with_capacity(plan.pods.len());
    for (p, pod) in plan.pods.iter().enumerate() {
        breakers.push(Breaker {
            limits: pod.inbound,
            conns: 0,
            pending: 0,
            active: 0,
        });
        pod_pools.push(u32::try_from(pools.len()).unwrap_or(u32::MAX));
        for _ in 0..pod.workers.max(1) {
            pools.push(Pool::new(breakers.len() - 1, p, true));
        }
    }
    let n_prio = plan
        .endpoints
        .iter()
        .map(|e| e.priority as usize + 1)
        .max()
        .unwrap_or(0);
    let mut by_prio = vec![Vec::new(); n_prio];
    for (i, e) in plan.endpoints.iter().enumerate() {
        by_prio[e.priority as usize].push(u32::try_from(i).unwrap_or(u32::MAX));
    }
    let mut sim = Sim {
        plan,
        params,
        dp,
        load,
        rng: Rng(load.seed ^ 0x6D65_7368_6665_6400),
        now: 0,
        seq: 0,
        heap: BinaryHeap::new(),
        reqs: Vec::new(),
        free_reqs: Vec::new(),
        conns: Vec::new(),
        free_conns: Vec::new(),
        pools,
        breakers,
        pod_pools,
        apps: plan
            .pods
            .iter()
            .map(|_| App {
                active: 0,
                queue: VecDeque::new(),
            })
            .collect(),
        hosts: vec![Host::default(); plan.endpoints.len()],
        by_prio,
        loads: Vec::new(),
        healthy: Vec::new(),
        rr: Vec::new(),
        issued: 0,
        in_flight: 0,
        backlog: 0,
        arrivals_done: false,
        ticking: false,
        rec: Recorder::new(plan),
    };
    if plan.lb_policy == EnvoyLbPolicy::RoundRobin {
        sim.rr = (0..plan.workers.max(1) as usize * sim.by_prio.len())
            .map(|_| sim.rng.next())
            .collect();
    }
    sim.recompute_loads();
    sim.start();
    while let Some(Reverse((t, _, ev))) = sim.heap.pop() {
        sim.now = t;
        sim.handle(ev);
    }
    sim.rec
}

impl Pool {
    fn new(breaker: usize, target: usize, server: bool) -> Self {
        Self {
            breaker: u32::try_from(breaker).unwrap_or(u32::MAX),
            ready: Vec::new(),
            busy: 0,
            connecting: 0,
            pending: VecDeque::new(),
            target: u32::try_from(target).unwrap_or(u32::MAX),
            server,
        }
    }
}

fn idx(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

impl Sim<'_> {
    fn at(&mut self, delay: u64, ev: Ev) {
        self.seq += 1;
        self.heap
            .push(Reverse((self.now.saturating_add(delay), self.seq, ev)));
    }

    fn start(&mut self) {
        match self.load.rate {
            None => {
                for _ in 0..self.load.concurrency {
                    if !self.may_issue() {
                        break;
                    }
                    self.issue();
                }
            }
            Some(_) => self.at(0, Ev::Issue),
        }
        if self.plan.outlier.is_some() {
            self.ticking = true;
            self.at(self.interval(), Ev::Tick);
        }
    }

    fn interval(&self) -> u64 {
        self.plan
            .outlier
            .map_or(u64::MAX, |o| o.interval_ms.max(1) * 1000)
    }

    fn may_issue(&self) -> bool {
        match self.load.amount {
            Amount::Requests(n) => self.issued < n,
            Amount::DurationMs(d) => self.now < d * 1000,
        }
    }

    fn issue(&mut self) {
        self.issued += 1;
        self.in_flight += 1;
        let req = Req {
            start: self.now,
            attempt: 0,
            tried_hosts: 0,
            tried_prios: 0,
            worker: self.rng.below_u32(self.plan.workers.max(1)),
            host: 0,
            conn: 0,
            srv_conn: 0,
            status: Status::Ok,
            outcome: None,
        };
        let id = if let Some(id) = self.free_reqs.pop() {
            self.reqs[id as usize] = req;
            id
        } else {
            self.reqs.push(req);
            idx(self.reqs.len() - 1)
        };
        self.at(self.plan.client_rtt_us / 2, Ev::AtClient(id));
    }

    fn handle(&mut self, ev: Ev) {
        match ev {
            Ev::Issue => self.arrival(),
            Ev::AtClient(r) => self.route(r),
            Ev::ClientConnUp(c) | Ev::ServerConnUp(c) => self.conn_up(c),
            Ev::AtServer(r) => self.at_server(r),
            Ev::AppDone(r) => self.app_done(r),
            Ev::Response(r) => self.response(r),
            Ev::Final(r) => self.finish(r),
            Ev::Tick => self.tick(),
        }
    }

    /// An open-loop arrival: sent at once if a connection of the load generator is free.
    fn arrival(&mut self) {
        if !self.may_issue() {
            self.arrivals_done = true;
            return;
        }
        if self.in_flight < u64::from(self.load.concurrency) {
            self.issue();
        } else {
            self.issued += 1;
            self.backlog += 1;
        }
        let rate = self.load.rate.unwrap_or(1.0);
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let next = ((self.issued as f64) * 1e6 / rate).round() as u64;
        self.at(next.saturating_sub(self.now), Ev::Issue);
    }

    // ---- the client proxy --------------------------------------------------------------

    /// Picks an endpoint for a request, as Envoy's load balancer with the route's retry
    /// predicates does; `None` when no endpoint is healthy (and panic mode is off).
    fn pick(&mut self, r: u32) -> Option<u32> {
        let req = self.reqs[r as usize];
        let exclude_prios = self
            .plan
            .retry
            .previous_priorities
            .filter(|&f| f > 0 && req.attempt >= f && req.tried_prios != 0);
        let loads = match exclude_prios {
            Some(_) => {
                // previous_priorities: tried priorities count as unhealthy; if that leaves
                // nothing, the original loads stand (EV previous_priorities.cc).
                let health: Vec<(u32, u32)> = (0..self.by_prio.len())
                    .map(|p| {
                        let total = idx(self.by_prio[p].len());
                        if req.tried_prios & (1 << p.min(63)) != 0 {
                            (0, total)
                        } else {
                            (idx(self.healthy[p].len()), total)
                        }
                    })
                    .collect();
                if health.iter().all(|&(h, _)| h == 0) {
                    self.loads.clone()
                } else {
                    self.dp.priority_loads(&health)
                }
            }
            None => std::mem::take(&mut self.loads),
        };
        let tries = if self.plan.retry.previous_hosts && req.attempt > 0 {
            self.plan.retry.host_selection_max_attempts.max(1)
        } else {
            1
        };
        let mut chosen = None;
        for _ in 0..tries {
            let mut roll = self.rng.below(100);
            let mut prio = 0;
            for (p, &l) in loads.iter().enumerate() {
                if roll < u64::from(l) {
                    prio = p;
                    break;
                }
                roll -= u64::from(l);
            }
            let Some(n) = self.candidates(prio).map(<[u32]>::len) else {
                chosen = None;
                break;
            };
            let host = self.pick_in(prio, n, req.worker);
            chosen = Some(host);
            if req.tried_hosts & (1 << host.min(63)) == 0 {
                break;
            }
        }
        if exclude_prios.is_none() {
            self.loads = loads;
        }
        chosen
    }

    /// An endpoint among the `n` candidates of priority `prio`, for client worker `worker`, by
    /// the client's load-balancing policy (`DataPlane::default_lb_policy` or the rule's).
    fn pick_in(&mut self, prio: usize, n: usize, worker: u32) -> u32 {
        let nth = |sim: &Self, i: usize| sim.candidates(prio).map_or(0, |c| c[i]);
        match self.plan.lb_policy {
            EnvoyLbPolicy::Random => {
                let i = self.rng.index(n);
                nth(self, i)
            }
            EnvoyLbPolicy::RoundRobin => {
                // Each worker's own index over the priority's current candidates.
                let slot = worker as usize * self.by_prio.len() + prio;
                let next = &mut self.rr[slot];
                let i = *next % n as u64;
                *next = next.wrapping_add(1);
                nth(self, usize::try_from(i).unwrap_or(0))
            }
            EnvoyLbPolicy::LeastRequest => {
                // Draws with replacement; a later draw wins only with strictly fewer active
                // requests (EV LeastRequestLoadBalancer::unweightedHostPick).
                let first = self.rng.index(n);
                let mut best = nth(self, first);
                for _ in 1..self.dp.least_request_choices.value.max(1) {
                    let i = self.rng.index(n);
                    let host = nth(self, i);
                    if self.rq_active(host) < self.rq_active(best) {
                        best = host;
                    }
                }
                best
            }
        }
    }

    /// Endpoint `host`'s active requests at the client: those on its connections, from every
    /// worker (Envoy's host `rq_active`); requests waiting in a pending queue are not counted.
    fn rq_active(&self, host: u32) -> u32 {
        let endpoints = self.plan.endpoints.len();
        (0..self.plan.workers as usize)
            .map(|w| self.pools[w * endpoints + host as usize].busy)
            .sum()
    }

    /// The endpoints a priority picks from: its healthy ones, or all of them in panic mode.
    fn candidates(&self, prio: usize) -> Option<&[u32]> {
        let all = self.by_prio.get(prio)?;
        let healthy = &self.healthy[prio];
        let panic = self.plan.outlier.map_or(0, |o| o.healthy_panic_threshold);
        let in_panic = !all.is_empty() && (healthy.len() * 100) < (panic as usize) * all.len();
        if in_panic {
            Some(all)
        } else if healthy.is_empty() {
            None
        } else {
            Some(healthy)
        }
    }

    fn route(&mut self, r: u32) {
        let Some(host) = self.pick(r) else {
            self.decide(r, Some(Flag::Uh), idx(self.plan.from));
            return;
        };
        let req = &mut self.reqs[r as usize];
        req.host = host;
        req.tried_hosts |= 1 << host.min(63);
        req.tried_prios |= 1 << self.plan.endpoints[host as usize].priority.min(63);
        let pool = req.worker as usize * self.plan.endpoints.len() + host as usize;
        if let Err(why) = self.new_stream(pool, r) {
            // A request over the client's own limits: a local 503 UO, scored against the
            // endpoint it had picked only where the release does so.
            let counted = match why {
                Overflow::MaxRequests => self.params.client_max_requests_overflow_ejects,
                Overflow::Pending => self.params.client_pending_overflow_ejects,
            };
            if counted {
                self.outlier_error(host, true);
            }
            if self.params.overflow_retried && self.retry_left(r) {
                self.retry(r);
            } else {
                self.decide(r, Some(Flag::Uo), idx(self.plan.from));
            }
        }
    }

    /// Envoy's connection pool: a ready connection, else the pending queue (a new connection
    /// when the breaker allows one, or when this worker's pool has none at all).
    fn new_stream(&mut self, pool: usize, r: u32) -> Result<(), Overflow> {
        let b = self.pools[pool].breaker as usize;
        let breaker = &self.breakers[b];
        if breaker.active >= breaker.limits.max_requests {
            return Err(Overflow::MaxRequests);
        }
        if let Some(c) = self.pools[pool].ready.pop() {
            self.attach(c, r);
            return Ok(());
        }
        if breaker.pending >= breaker.limits.max_pending {
            return Err(Overflow::Pending);
        }
        self.breakers[b].pending += 1;
        self.pools[pool].pending.push_back(r);
        self.maybe_connect(pool);
        Ok(())
    }

    fn maybe_connect(&mut self, pool: usize) {
        let p = &self.pools[pool];
        if p.pending.len() <= p.connecting as usize {
            return;
        }
        let b = &self.breakers[p.breaker as usize];
        let allowed = b.conns < b.limits.max_connections
            || (self.params.per_worker_connection_overshoot && p.conns() == 0);
        if !allowed {
            return;
        }
        let (server, target) = (p.server, p.target as usize);
        let bi = p.breaker as usize;
        self.breakers[bi].conns += 1;
        self.pools[pool].connecting += 1;
        let (pod, srv_worker, reachable, delay) = if server {
            (idx(target), 0, true, self.plan.app_connect_us)
        } else {
            let ep = &self.plan.endpoints[target];
            let (pod, w) = if ep.pods.is_empty() {
                (0, 0)
            } else {
                let pod = ep.pods[self.rng.index(ep.pods.len())];
                let workers = self.plan.pods[pod].workers.max(1);
                (pod, self.rng.below_u32(workers))
            };
            let rtts = if ep.reachable {
                self.plan.connect_round_trips
            } else {
                1
            };
            (idx(pod), w, ep.reachable, ep.rtt_us * rtts)
        };
        let conn = Conn {
            pool: idx(pool),
            uses: 0,
            pod,
            srv_worker,
            reachable,
        };
        let c = if let Some(c) = self.free_conns.pop() {
            self.conns[c as usize] = conn;
            c
        } else {
            self.conns.push(conn);
            idx(self.conns.len() - 1)
        };
        let ev = if server {
            Ev::ServerConnUp(c)
        } else {
            Ev::ClientConnUp(c)
        };
        self.at(delay, ev);
    }

    fn conn_up(&mut self, c: u32) {
        let conn = self.conns[c as usize];
        let pool = conn.pool as usize;
        self.pools[pool].connecting -= 1;
        if !conn.reachable {
            // The connection fails: one waiting request fails with it (503 UF).
            self.close(c);
            if let Some(r) = self.pools[pool].pending.pop_front() {
                let b = self.pools[pool].breaker as usize;
                self.breakers[b].pending -= 1;
                let host = self.reqs[r as usize].host;
                self.outlier_error(host, true);
                if self.plan.retry.retry_connect_failure && self.retry_left(r) {
                    self.retry(r);
                } else {
                    self.decide(r, Some(Flag::Uf), idx(self.plan.from));
                }
            }
            self.maybe_connect(pool);
            return;
        }
        self.ready(c);
    }

    /// A connection is free: the oldest waiting request of its pool takes it.
    fn ready(&mut self, c: u32) {
        let pool = self.conns[c as usize].pool as usize;
        if let Some(r) = self.pools[pool].pending.pop_front() {
            let b = self.pools[pool].breaker as usize;
            self.breakers[b].pending -= 1;
            self.attach(c, r);
        } else {
            self.pools[pool].ready.push(c);
        }
    }

    fn close(&mut self, c: u32) {
        let pool = self.conns[c as usize].pool as usize;
        let b = self.pools[pool].breaker as usize;
        self.breakers[b].conns -= 1;
        self.free_conns.push(c);
    }

    fn attach(&mut self, c: u32, r: u32) {
        let conn = &mut self.conns[c as usize];
        conn.uses += 1;
        let pool = conn.pool as usize;
        let p = &mut self.pools[pool];
        p.busy += 1;
        let (server, target) = (p.server, p.target as usize);
        self.breakers[p.breaker as usize].active += 1;
        if server {
            self.reqs[r as usize].srv_conn = c;
            let app = &mut self.apps[target];
            let cap = self.load.pod_concurrency;
            if cap == 0 || app.active < cap {
                app.active += 1;
                let t = self.rng.exp(self.load.service_time_us);
                self.at(t, Ev::AppDone(r));
            } else {
                app.queue.push_back(r);
            }
        } else {
            self.reqs[r as usize].conn = c;
            let half = self.plan.endpoints[target].rtt_us / 2;
            self.at(half, Ev::AtServer(r));
        }
    }

    /// A request on connection `c` is answered: the connection closes after its last allowed
    /// request, or takes the next waiting one.
    fn release(&mut self, c: u32) {
        let conn = self.conns[c as usize];
        let pool = conn.pool as usize;
        let b = self.pools[pool].breaker as usize;
        self.pools[pool].busy -= 1;
        self.breakers[b].active -= 1;
        let max = self.breakers[b].limits.max_requests_per_connection;
        if max > 0 && conn.uses >= max {
            self.close(c);
            self.maybe_connect(pool);
        } else {
            self.ready(c);
        }
    }

    // ---- the server pods ---------------------------------------------------------------

    fn at_server(&mut self, r: u32) {
        let conn = self.conns[self.reqs[r as usize].conn as usize];
        let pod = conn.pod as usize;
        let pool = self.pod_pools[pod] as usize + conn.srv_worker as usize;
        if self.new_stream(pool, r).is_err() {
            // The pod's sidecar refuses it: a local 503 UO there, an upstream 503 at the client.
            self.reqs[r as usize].status = Status::Overflow(self.plan.pods[pod].overloaded_header);
            self.rec.server_overflow(self.plan.pods[pod].cluster);
            let half = self.plan.endpoints[self.reqs[r as usize].host as usize].rtt_us / 2;
            self.at(half, Ev::Response(r));
        }
    }

    fn app_done(&mut self, r: u32) {
        let srv_conn = self.reqs[r as usize].srv_conn;
        let pod = self.pools[self.conns[srv_conn as usize].pool as usize].target as usize;
        let app = &mut self.apps[pod];
        app.active -= 1;
        if let Some(next) = app.queue.pop_front() {
            app.active += 1;
            let t = self.rng.exp(self.load.service_time_us);
            self.at(t, Ev::AppDone(next));
        }
        self.release(srv_conn);
        self.reqs[r as usize].status = Status::Ok;
        let half = self.plan.endpoints[self.reqs[r as usize].host as usize].rtt_us / 2;
        self.at(half, Ev::Response(r));
    }

    // ---- back at the client ------------------------------------------------------------

    fn response(&mut self, r: u32) {
        let req = self.reqs[r as usize];
        let pod = self.conns[req.conn as usize].pod as usize;
        self.release(req.conn);
        let cluster = idx(self.plan.pods[pod].cluster);
        match req.status {
            Status::Ok => {
                self.outlier_success(req.host);
                self.decide(r, None, cluster);
            }
            Status::Overflow(header) => {
                self.outlier_error(req.host, false);
                let blocked = header && self.params.overloaded_header_blocks_retry;
                if self.plan.retry.retry_503 && !blocked && self.retry_left(r) {
                    self.retry(r);
                } else {
                    self.decide(r, Some(Flag::Uo), cluster);
                }
            }
        }
    }

    fn retry_left(&self, r: u32) -> bool {
        self.reqs[r as usize].attempt < self.plan.retry.attempts
    }

    /// A retry leaves after Envoy's jittered back-off (the release table's bound, a random
    /// whole number of milliseconds below it).
    fn retry(&mut self, r: u32) {
        self.reqs[r as usize].attempt += 1;
        self.rec.retries += 1;
        let bound = self.dp.retry_back_off_bound_ms(
            self.plan.retry.backoff_base_ms,
            self.reqs[r as usize].attempt,
        );
        let wait_ms = self.rng.below(bound.max(1));
        self.at(wait_ms * 1000, Ev::AtClient(r));
    }

    /// The request's fate is known; the load generator hears of it half a round trip later.
    fn decide(&mut self, r: u32, flag: Option<Flag>, cluster: u32) {
        self.reqs[r as usize].outcome = Some((flag, cluster));
        self.at(self.plan.client_rtt_us / 2, Ev::Final(r));
    }

    fn finish(&mut self, r: u32) {
        let req = self.reqs[r as usize];
        if let Some((flag, cluster)) = req.outcome {
            self.rec
                .record(self.now, self.now - req.start, flag, cluster as usize);
        }
        self.rec.end_us = self.now;
        self.free_reqs.push(r);
        self.in_flight -= 1;
        if self.load.rate.is_some() {
            if self.backlog > 0 {
                self.backlog -= 1;
                self.issued -= 1;
                self.issue();
            }
        } else if self.may_issue() {
            self.issue();
        }
    }

    // ---- outlier detection -------------------------------------------------------------

    fn outlier_success(&mut self, host: u32) {
        let h = &mut self.hosts[host as usize];
        h.cons_5xx = 0;
        h.cons_gw = 0;
        h.cons_local = 0;
    }

    /// An error against `host`: an upstream 503, or (`local`) a local-origin failure, which
    /// without `splitExternalLocalOriginErrors` is scored as a 503.
    fn outlier_error(&mut self, host: u32, local: bool) {
        let Some(od) = self.plan.outlier else {
            return;
        };
        let h = &mut self.hosts[host as usize];
        let trip = if local && od.consecutive_local_origin_failure.is_some() {
            h.cons_local += 1;
            od.consecutive_local_origin_failure
                .is_some_and(|n| h.cons_local >= n)
        } else {
            h.cons_5xx += 1;
            h.cons_gw += 1;
            od.consecutive_5xx.is_some_and(|n| h.cons_5xx >= n)
                || od
                    .consecutive_gateway_failure
                    .is_some_and(|n| h.cons_gw >= n)
        };
        if trip {
            h.cons_5xx = 0;
            h.cons_gw = 0;
            h.cons_local = 0;
            self.eject(host);
        }
    }

    fn eject(&mut self, host: u32) {
        let Some(od) = self.plan.outlier else {
            return;
        };
        if self.hosts[host as usize].ejected {
            return;
        }
        let ejected = idx(self.hosts.iter().filter(|h| h.ejected).count());
        if !self
            .dp
            .may_eject(ejected, idx(self.hosts.len()), od.max_ejection_percent)
        {
            return;
        }
        let h = &mut self.hosts[host as usize];
        h.times += 1;
        h.ejected = true;
        h.ejected_at = self.now;
        h.eject_for = self.dp.ejection_time_ms(od.base_ejection_time_ms, h.times) * 1000;
        self.rec
            .ejection(self.now, host as usize, h.eject_for, self.plan);
        self.recompute_loads();
    }

    /// The interval timer: hosts whose ejection time is over come back.
    fn tick(&mut self) {
        let mut changed = false;
        for h in &mut self.hosts {
            if h.ejected && self.now >= h.ejected_at + h.eject_for {
                h.ejected = false;
                changed = true;
            }
        }
        if changed {
            self.recompute_loads();
        }
        let more = self.in_flight > 0
            || (self.load.rate.is_some() && !self.arrivals_done)
            || self.heap.iter().any(|Reverse((_, _, e))| *e != Ev::Tick);
        if more {
            self.at(self.interval(), Ev::Tick);
        } else {
            self.ticking = false;
        }
    }

    fn recompute_loads(&mut self) {
        self.healthy = self
            .by_prio
            .iter()
            .map(|hosts| {
                hosts
                    .iter()
                    .copied()
                    .filter(|&h| !self.hosts[h as usize].ejected)
                    .collect()
            })
            .collect();
        let health: Vec<(u32, u32)> = self
            .by_prio
            .iter()
            .zip(&self.healthy)
            .map(|(all, ok)| (idx(ok.len()), idx(all.len())))
            .collect();
        self.loads = self.dp.priority_loads(&health);
    }
}
