//! A Redis Cluster master fails while requests run: its replica takes over, requests in the
//! switch get typed `Unavailable` errors (never a panic, never another user's session), and
//! service resumes without restarting anything.

use std::collections::HashMap;
use std::process::Command;
use std::time::Instant;

use super::*;

/// What one request saw.
#[derive(Default, Debug)]
struct Seen {
    ok: u64,
    unavailable: u64,
    /// A session that existed before the failover and is gone after it.
    not_found: u64,
}

fn cluster_ports(nodes: &str) -> Vec<u16> {
    nodes
        .split(',')
        .filter_map(|node| node.trim_end_matches('/').rsplit(':').next()?.parse().ok())
        .collect()
}

fn redis_cli(port: u16, args: &[&str]) -> String {
    let output = Command::new("redis-cli")
        .arg("-p")
        .arg(port.to_string())
        .args(args)
        .output()
        .expect("redis-cli runs");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The masters, as the node on `port` sees them: their ports.
fn masters(port: u16) -> Vec<u16> {
    redis_cli(port, &["cluster", "nodes"])
        .lines()
        .filter(|line| line.contains("master") && !line.contains("fail"))
        .filter_map(|line| {
            let address = line.split(' ').nth(1)?;
            address.split('@').next()?.rsplit(':').next()?.parse().ok()
        })
        .collect()
}

pub async fn a_master_fails_over_and_service_resumes(store: sessionkit::RedisStore, nodes: &str) {
    let manager = Arc::new(SessionManager::<Account, _>::new(store, keys()));
    // 300 sessions of 60 users, spread over the three masters by their users' slots.
    let owners: Vec<String> = (0..60).map(|_| user("failover")).collect();
    let mut cookies = Vec::new();
    for index in 0..300 {
        let owner = owners[index % owners.len()].clone();
        let cookie = manager.create(&account(&owner)).await.unwrap();
        cookies.push((owner, header(&cookie)));
    }
    let cookies = Arc::new(cookies);
    let ports = cluster_ports(nodes);
    let victim = masters(ports[0])[0];
    let witness = *ports.iter().find(|port| **port != victim).unwrap();

    let started = Instant::now();
    let kill_at = std::time::Duration::from_secs(1);
    let stop = std::time::Duration::from_secs(14);
    let tasks: Vec<_> = (0..8)
        .map(|task| {
            let manager = Arc::clone(&manager);
            let cookies = Arc::clone(&cookies);
            tokio::spawn(async move {
                // Outcomes by the second they happened in.
                let mut by_second: HashMap<u64, Seen> = HashMap::new();
                let mut next = task;
                while started.elapsed() < stop {
                    let (owner, header) = &cookies[next % cookies.len()];
                    next += 7;
                    let seen = by_second.entry(started.elapsed().as_secs()).or_default();
                    let outcome = match manager.load(header).await {
                        Ok(session) => {
                            assert_eq!(&session.user_id, owner, "another user's session");
                            manager
                                .modify(&session, |account| account.counter += 1)
                                .await
                                .map(|_| ())
                        }
                        Err(err) => Err(err),
                    };
                    match outcome {
                        Ok(()) => seen.ok += 1,
                        Err(Error::Store(err)) if err.kind == StoreErrorKind::Unavailable => {
                            seen.unavailable += 1;
                            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        }
                        Err(Error::SessionNotFound) => seen.not_found += 1,
                        Err(other) => panic!("a request failed with {other:?}"),
                    }
                }
                by_second
            })
        })
        .collect();

    tokio::time::sleep(kill_at).await;
    redis_cli(victim, &["shutdown", "nosave"]);
    let killed = started.elapsed();
    // The replica is promoted once the others have marked the master failed (the node
    // timeout is 2 s in .ci/services.sh).
    let mut promoted = None;
    while started.elapsed() < stop {
        let info = redis_cli(witness, &["cluster", "info"]);
        if info.contains("cluster_state:ok") && !masters(witness).contains(&victim) {
            promoted = Some(started.elapsed());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let promoted = promoted.expect("a replica took over within the test");

    let mut total: HashMap<u64, Seen> = HashMap::new();
    for task in tasks {
        for (second, seen) in task.await.expect("no request panicked") {
            let sum = total.entry(second).or_default();
            sum.ok += seen.ok;
            sum.unavailable += seen.unavailable;
            sum.not_found += seen.not_found;
        }
    }
    let mut seconds: Vec<_> = total.into_iter().collect();
    seconds.sort_by_key(|(second, _)| *second);
    println!(
        "failover: master on port {victim} shut down at {:.1} s, replica promoted by {:.1} s",
        killed.as_secs_f64(),
        promoted.as_secs_f64()
    );
    for (second, seen) in &seconds {
        println!(
            "  second {second:>2}: {:>5} ok, {:>4} unavailable, {:>3} not found",
            seen.ok, seen.unavailable, seen.not_found
        );
    }
    // Service resumed: the last two seconds, well after the promotion, had no failure.
    let resumed = promoted.as_secs() + 2;
    for (second, seen) in seconds.iter().filter(|(second, _)| *second > resumed) {
        assert!(seen.ok > 0, "nothing succeeded in second {second}");
        assert_eq!(
            seen.unavailable, 0,
            "second {second} after the switch: {seen:?}"
        );
    }
    // What asynchronous replication lost: sessions whose key the replica never received.
    let mut lost = 0;
    for (owner, header) in cookies.iter() {
        match manager.load(header).await {
            Ok(session) => assert_eq!(&session.user_id, owner),
            Err(Error::SessionNotFound) => lost += 1,
            Err(other) => panic!("after the failover: {other:?}"),
        }
    }
    println!("failover: {lost} of {} sessions lost", cookies.len());
}
