//! Prints the render benchmarks' Federation document (16 peers, N services; default 2,000),
//! for timing `fedctl` as a whole process:
//!
//! `cargo run -p testkit --example bench_federation -- 2000 > fed-16x2000.yaml`

fn main() {
    let services = match std::env::args().nth(1).map(|a| a.parse::<usize>()) {
        None => 2000,
        Some(Ok(n)) => n,
        Some(Err(e)) => {
            eprintln!("bench_federation: the number of services: {e}");
            std::process::exit(2);
        }
    };
    print!("{}", testkit::bench::peer_to_peer(services));
}
