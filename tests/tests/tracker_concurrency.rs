//! Many workers, random failures, crashes and stalls against a local moto server: every task
//! ends succeeded or ignored, no task is ever held by two workers at once (checked for the whole
//! time a worker believes it holds it, across sleeps inside the work), fencing epochs only
//! increase, and stale workers' writes are rejected. Every polling loop has a deadline.

mod tracker_common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dynamate::io::tracker::{RunError, RunOptions, TaskQuery, Tracker};
use dynamate_tests::{Enrich, EnrichInput, EnrichStatus};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use tracker_common::{Boom, setup_serialized};

const TASKS: usize = 200;
const WORKERS: u64 = 8;
/// Lease of crashing and stalling attempts: short, so the test waits little for reclaims.
const SHORT_LEASE: Duration = Duration::from_millis(400);
/// Lease of the other attempts: far longer than any attempt takes.
const LONG_LEASE: Duration = Duration::from_secs(60);
/// Longest a worker works while holding a task (it sleeps in slices of a millisecond or more,
/// so other workers run meanwhile).
const MAX_WORK_MS: u64 = 12;
/// The whole test's deadline: a regression that makes workers wait forever fails instead.
const DEADLINE: Duration = Duration::from_secs(300);
/// Deadline of each wait for another worker's takeover.
const TAKEOVER_DEADLINE: Duration = Duration::from_secs(60);

/// What an attempt does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    Succeed,
    Fail,
    /// Stops mid-task: the run is dropped, the task stays `in_progress`.
    Crash,
    /// Freezes mid-task until another worker took the task over, then tries to finish.
    Stall,
}

/// What the workers observed, shared by all of them.
#[derive(Default)]
struct Observed {
    /// Task -> worker currently inside the work closure.
    holders: Mutex<HashMap<String, u64>>,
    /// Task -> epochs of its acquisitions, in the order they were observed.
    epochs: Mutex<HashMap<String, Vec<u64>>>,
    crashes: AtomicU32,
    stalls: AtomicU32,
    stale_rejections: AtomicU32,
}

impl Observed {
    /// Enters the work closure: nobody else may hold the task, and its epoch must grow.
    fn enter(&self, task_id: &str, epoch: u64, worker: u64) {
        let previous = self
            .holders
            .lock()
            .unwrap()
            .insert(task_id.to_string(), worker);
        assert_eq!(previous, None, "task {task_id} held by two workers at once");
        let mut epochs = self.epochs.lock().unwrap();
        let seen = epochs.entry(task_id.to_string()).or_default();
        assert!(
            seen.last().is_none_or(|last| *last < epoch),
            "epoch of {task_id} went from {seen:?} to {epoch}"
        );
        seen.push(epoch);
    }

    /// Still inside the work closure: the task must still be held by this worker alone.
    fn still_holds(&self, task_id: &str, worker: u64) {
        let holder = self.holders.lock().unwrap().get(task_id).copied();
        assert_eq!(
            holder,
            Some(worker),
            "task {task_id} taken from worker {worker} while it held the lease"
        );
    }

    fn leave(&self, task_id: &str, worker: u64) {
        let holder = self.holders.lock().unwrap().remove(task_id);
        assert_eq!(
            holder,
            Some(worker),
            "task {task_id} changed holders while worker {worker} held it"
        );
    }
}

/// A random behaviour; workers 0 and 1 stall and crash until a stall and a crash happened,
/// so every run has both whatever the random draws.
fn behaviour(rng: &mut StdRng, worker: u64, observed: &Observed) -> Behaviour {
    if worker == 0 && observed.stalls.load(Ordering::Relaxed) == 0 {
        return Behaviour::Stall;
    }
    if worker == 1 && observed.crashes.load(Ordering::Relaxed) == 0 {
        return Behaviour::Crash;
    }
    match rng.random_range(0..100) {
        0..60 => Behaviour::Succeed,
        60..88 => Behaviour::Fail,
        88..96 => Behaviour::Crash,
        _ => Behaviour::Stall,
    }
}

/// Waits until the task's epoch moved past `epoch` (another worker reclaimed it).
async fn wait_for_takeover(client: &dynamate::Client, task_id: &str, epoch: u64) {
    let wait = async {
        while Enrich::get(client, task_id).await.unwrap().unwrap().epoch == epoch {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(TAKEOVER_DEADLINE, wait)
        .await
        .unwrap_or_else(|_| panic!("no worker took {task_id} over from epoch {epoch}"));
}

/// One attempt on `task_id`. Crashes return at once; stalls run in the background.
async fn attempt(
    client: &dynamate::Client,
    task_id: String,
    behaviour: Behaviour,
    worker: u64,
    observed: &Arc<Observed>,
    stalled: &mut Vec<tokio::task::JoinHandle<()>>,
    work_ms: u64,
) {
    let lease = match behaviour {
        Behaviour::Crash | Behaviour::Stall => SHORT_LEASE,
        Behaviour::Succeed | Behaviour::Fail => LONG_LEASE,
    };
    let options = RunOptions::new().lease(lease);
    match behaviour {
        Behaviour::Succeed | Behaviour::Fail => {
            let obs = Arc::clone(observed);
            let outcome = Enrich::run_with(client, &task_id, options, |ctx| async move {
                obs.enter(ctx.task_id(), ctx.epoch(), worker);
                // Work for a while, checking after every slice that nobody else took the task.
                for _ in 0..work_ms {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    obs.still_holds(ctx.task_id(), worker);
                }
                tokio::task::yield_now().await;
                obs.leave(ctx.task_id(), worker);
                match behaviour {
                    Behaviour::Succeed => Ok(ctx.epoch()),
                    _ => Err(Boom::new(ctx.epoch() as u32)),
                }
            })
            .await;
            match outcome {
                Ok(_) | Err(RunError::Task { .. }) | Err(RunError::Start(_)) => {}
                Err(other) => panic!("attempt on {task_id}: {other} ({other:?})"),
            }
        }
        Behaviour::Crash => {
            let (started, begun) = tokio::sync::oneshot::channel();
            let obs = Arc::clone(observed);
            let run = Enrich::run_with(client, &task_id, options, |ctx| async move {
                obs.enter(ctx.task_id(), ctx.epoch(), worker);
                obs.leave(ctx.task_id(), worker); // the crashed process holds nothing
                let _ = started.send(());
                std::future::pending::<Result<(), Boom>>().await
            });
            tokio::select! {
                outcome = run => assert!(matches!(outcome, Err(RunError::Start(_))), "{:?}", outcome.err()),
                _ = begun => { observed.crashes.fetch_add(1, Ordering::Relaxed); }
            }
        }
        Behaviour::Stall => {
            let (client, obs, counters) =
                (client.clone(), Arc::clone(observed), Arc::clone(observed));
            stalled.push(tokio::spawn(async move {
                let watcher = client.clone();
                let outcome = Enrich::run_with(&client, &task_id, options, |ctx| async move {
                    obs.enter(ctx.task_id(), ctx.epoch(), worker);
                    obs.leave(ctx.task_id(), worker); // frozen: it cannot act until it wakes up
                    obs.stalls.fetch_add(1, Ordering::Relaxed);
                    wait_for_takeover(&watcher, ctx.task_id(), ctx.epoch()).await;
                    Ok::<_, Boom>(ctx.epoch())
                })
                .await;
                match outcome {
                    Err(RunError::Start(_)) => {}
                    Err(error) if error.lease_lost().is_some() => {
                        counters.stale_rejections.fetch_add(1, Ordering::Relaxed);
                    }
                    other => panic!(
                        "a stalled worker's result was accepted: {:?}",
                        other.map_err(|e| e.to_string())
                    ),
                }
            }));
        }
    }
}

async fn worker(
    client: dynamate::Client,
    id: u64,
    observed: Arc<Observed>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut rng = StdRng::seed_from_u64(id);
    let mut stalled = Vec::new();
    loop {
        let page = Enrich::unfinished(&client, TaskQuery::oldest_first(24))
            .await
            .unwrap();
        if page.tasks.is_empty() {
            if Enrich::count(&client, EnrichStatus::InProgress)
                .await
                .unwrap()
                == 0
            {
                return stalled;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        let mut ids: Vec<String> = page.tasks.into_iter().map(|t| t.task_id).collect();
        ids.shuffle(&mut rng);
        for task_id in ids.into_iter().take(6) {
            let behaviour = behaviour(&mut rng, id, &observed);
            let work_ms = rng.random_range(0..=MAX_WORK_MS);
            attempt(
                &client,
                task_id,
                behaviour,
                id,
                &observed,
                &mut stalled,
                work_ms,
            )
            .await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn workers_with_failures_and_crashes_finish_every_task() {
    let client = setup_serialized().await;
    for i in 0..TASKS {
        let data = EnrichInput {
            document_id: format!("doc-{i}"),
            steps: vec![],
        };
        Enrich::create(&client, &format!("task-{i:03}"), data)
            .await
            .unwrap();
    }
    let observed = Arc::new(Observed::default());
    let workers: Vec<_> = (0..WORKERS)
        .map(|id| tokio::spawn(worker(client.clone(), id, Arc::clone(&observed))))
        .collect();
    let all = async {
        for handle in workers {
            for stalled in handle.await.unwrap() {
                stalled.await.unwrap();
            }
        }
    };
    tokio::time::timeout(DEADLINE, all)
        .await
        .expect("the workers did not finish every task before the deadline");

    let counts: HashMap<_, _> = Enrich::counts(&client).await.unwrap().into_iter().collect();
    assert_eq!(
        counts[&EnrichStatus::Succeeded] + counts[&EnrichStatus::Ignored],
        TASKS as u64,
        "{counts:?}"
    );
    let epochs = observed.epochs.lock().unwrap().clone();
    for i in 0..TASKS {
        let task_id = format!("task-{i:03}");
        let task = Enrich::get(&client, &task_id).await.unwrap().unwrap();
        let last_seen = epochs[&task_id].last().copied().unwrap();
        assert!(
            task.epoch >= last_seen,
            "{task_id}: stored epoch {} < observed {last_seen}",
            task.epoch
        );
        assert!(task.errors.len() <= Enrich::CONFIG.max_errors as usize);
        match task.status {
            // The stored output is the epoch of the run that recorded it: the current one.
            EnrichStatus::Succeeded => {
                assert_eq!(task.output_as::<u64>().unwrap(), Some(task.epoch))
            }
            EnrichStatus::Ignored => assert_eq!(task.retries, Enrich::CONFIG.max_retry),
            other => panic!("{task_id} ended {other:?}"),
        }
    }
    assert!(observed.holders.lock().unwrap().is_empty());
    let stalls = observed.stalls.load(Ordering::Relaxed);
    assert!(observed.crashes.load(Ordering::Relaxed) >= 1 && stalls >= 1);
    assert_eq!(
        observed.stale_rejections.load(Ordering::Relaxed),
        stalls,
        "every stalled worker's write was rejected"
    );
}
