//! `fleetstate sample --snapshots W`: W weekly snapshots of one fleet migrating from
//! hybrid/ConfigMgr to cloud-native (outputs.md, `sample`), each a complete set of the
//! top-level exports with its own `expected.csv`.
//!
//! The fleet starts from its own mix of scenarios ([`START_WEIGHTS`]: mostly hybrid,
//! ConfigMgr clients and co-managed machines) and every machine follows a path through the
//! existing scenarios, one scenario per week: a hybrid ConfigMgr-only client gets the
//! co-management policy (`hybrid_comgmt_scheduled`), enrolls (`hybrid_comanaged`), and may
//! later be reset with Autopilot (`autopilot_cloud`, a new Entra object, so a new
//! `device_key`). Each machine of a week is written by the same writers and stated by the
//! same `expected::rows` as in `write_sample`; the plan only says which scenario a machine
//! follows in which week and pins what must not change from week to week (hardware,
//! staleness, enrollment dates, ids, see [`Life`]).
//!
//! Weeks are Mondays from 2026-09-07; each snapshot's `as_of` is its date at
//! 06:55:27.6237465 UTC (machine 0 checks in to Intune at that instant). Stale machines
//! were last seen 120-540 days before the first snapshot and stay stale until cleaned up;
//! every other machine was last seen within the 6 days before each snapshot, so staleness
//! is exact in every week. Changes of week k happen 2-12 hours after the snapshot of week
//! k-1. The plan spreads each kind of change evenly over weeks 1..W-1 (round robin over a
//! seeded shuffle), so it depends on W, and every change keeps or raises `progress`
//! (model.md section 3): a few new Autopilot devices every week make it rise strictly.
//!
//! [`snapshot_truth`] tells, per week, what the plan did and which `device_key`s that made
//! appear and vanish, stated per event rather than by comparing `expected.csv` files.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

use super::expected::{self, Form, Key};
use super::rng::Rng;
use super::scenario::{Device, Fleet, Life, Scenario as S};
use super::time::{civil, days_from_civil, DAY, HOUR, MINUTE, SECOND};
use super::{write, MAX_DEVICES, TOP_ENTRA, TOP_INTUNE};

/// What `fleetstate sample --snapshots W` generates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotOptions {
    /// Physical machines of the first snapshot (new machines arrive in later weeks).
    pub devices: usize,
    pub seed: u64,
    /// Snapshots to write, one a week.
    pub weeks: usize,
}

/// One snapshot written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotInfo {
    /// `YYYY-MM-DD`, a Monday; also the name of its folder.
    pub date: String,
    pub dir: PathBuf,
    /// Physical machines in this snapshot's exports (set-aside ones included), as
    /// `SampleReport::devices` counts them.
    pub devices: usize,
}

/// What the generator did between the previous snapshot and this one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotTruth {
    /// 0 for the first snapshot.
    pub week: usize,
    pub date: String,
    /// Physical machines in this snapshot.
    pub devices: usize,
    /// `device_key`s of this `expected.csv` that were not in the previous one (sorted);
    /// empty for the first snapshot.
    pub appeared: Vec<String>,
    /// `device_key`s of the previous `expected.csv` that are not in this one (sorted).
    pub vanished: Vec<String>,
    /// One event per machine that changed, in machine order.
    pub events: Vec<SnapshotEvent>,
}

/// One machine's change since the previous snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotEvent {
    /// The machine's number in the generator (0.. for the first snapshot's machines, then
    /// arrivals).
    pub machine: usize,
    /// `co_management_scheduled`, `co_managed`, `autopilot_reset`, `hybrid_join_completed`,
    /// `hybrid_joined`, `workplace_object_removed`, `moved_to_intune`, `ownership_fixed`,
    /// `autopilot_deployed`, `cleaned_up`, `retired`, `autopilot_imported`,
    /// `autopilot_enrolled`, `bulk_enrolled_personal`.
    pub event: &'static str,
    /// Scenario before (none for an arrival) and after (none for a machine that vanished).
    pub from: Option<&'static str>,
    pub to: Option<&'static str>,
    /// `device_key`s the event removed and added.
    pub vanished: Vec<String>,
    pub appeared: Vec<String>,
}

/// The most snapshots one call writes (ten years).
pub const MAX_WEEKS: usize = 520;

/// Relative weights of the first snapshot's scenarios (in the order of `scenario::ALL`):
/// a fleet early in its move to the cloud.
pub(crate) const START_WEIGHTS: [u64; 38] = [
    130, 30, 230, 260, 20, 25, 30, 15, 3, 50, 15, 8, 12, 12, 12, 3, 6, 3, 12, 15, 30, 10, 8, 45,
    15, 20, 8, 5, 5, 12, 5, 3, 5, 6, 20, 15, 6, 20,
];

/// Fresh machines were last seen at most this long before each snapshot.
const FRESH_MAX: i64 = 6 * DAY;

const TIME_OF_DAY: i64 = 6 * HOUR + 55 * MINUTE + 27 * SECOND + 6_237_465;

/// The `as_of` of snapshot `week`.
pub(crate) fn as_of(week: usize) -> i64 {
    (days_from_civil(2026, 9, 7) + 7 * week as i64) * DAY + TIME_OF_DAY
}

fn date(week: usize) -> String {
    let c = civil(as_of(week));
    format!("{:04}-{:02}-{:02}", c.y, c.m, c.d)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    CoMgmtScheduled,
    CoManaged,
    AutopilotReset,
    HybridJoinCompleted,
    HybridJoined,
    WorkplaceObjectRemoved,
    MovedToIntune,
    OwnershipFixed,
    AutopilotDeployed,
    CleanedUp,
    Retired,
    AutopilotImported,
    AutopilotEnrolled,
    BulkEnrolledPersonal,
}

impl Event {
    fn name(self) -> &'static str {
        match self {
            Event::CoMgmtScheduled => "co_management_scheduled",
            Event::CoManaged => "co_managed",
            Event::AutopilotReset => "autopilot_reset",
            Event::HybridJoinCompleted => "hybrid_join_completed",
            Event::HybridJoined => "hybrid_joined",
            Event::WorkplaceObjectRemoved => "workplace_object_removed",
            Event::MovedToIntune => "moved_to_intune",
            Event::OwnershipFixed => "ownership_fixed",
            Event::AutopilotDeployed => "autopilot_deployed",
            Event::CleanedUp => "cleaned_up",
            Event::Retired => "retired",
            Event::AutopilotImported => "autopilot_imported",
            Event::AutopilotEnrolled => "autopilot_enrolled",
            Event::BulkEnrolledPersonal => "bulk_enrolled_personal",
        }
    }
}

/// A machine's scenario and the facts of its life that the snapshots changed.
#[derive(Clone, Copy, Debug)]
struct Stage {
    sc: S,
    incarnation: u32,
    registered: Option<i64>,
    enrolled: Option<i64>,
    imported: Option<i64>,
    v: Option<u32>,
}

impl Stage {
    fn new(sc: S) -> Stage {
        Stage {
            sc,
            incarnation: 0,
            registered: None,
            enrolled: None,
            imported: None,
            v: None,
        }
    }

    fn to(self, sc: S) -> Stage {
        Stage { sc, ..self }
    }
}

#[derive(Debug)]
struct Step {
    week: usize,
    event: Event,
    /// None: the machine is gone from this week on.
    to: Option<Stage>,
}

#[derive(Debug)]
struct Machine {
    /// The machine's random stream (`Rng::for_device`).
    idx: usize,
    /// The scenario it was generated as: hardware, build, group tag, staleness.
    origin: S,
    /// First week present, and how it arrived (None: in the first snapshot).
    born: usize,
    arrival: Option<Event>,
    first: Stage,
    /// In week order, at most one a week.
    steps: Vec<Step>,
}

impl Machine {
    fn at(&self, week: usize) -> Option<Stage> {
        if week < self.born {
            return None;
        }
        let mut stage = Some(self.first);
        for s in self.steps.iter().take_while(|s| s.week <= week) {
            stage = s.to;
        }
        stage
    }

    fn last(&self) -> Stage {
        self.steps
            .last()
            .map_or(Some(self.first), |s| s.to)
            .expect("no step after a machine is gone")
    }
}

/// Who moves when: the whole migration, decided up front from the options.
struct Plan {
    seed: u64,
    weeks: usize,
    machines: Vec<Machine>,
}

impl Plan {
    fn new(opts: &SnapshotOptions) -> Plan {
        let base = Fleet::with_weights(opts.devices, opts.seed, &START_WEIGHTS);
        let machines = base
            .kinds
            .iter()
            .enumerate()
            .map(|(idx, &sc)| Machine {
                idx,
                origin: sc,
                born: 0,
                arrival: None,
                first: Stage::new(sc),
                steps: Vec::new(),
            })
            .collect();
        let mut b = Builder {
            plan: Plan {
                seed: opts.seed,
                weeks: opts.weeks,
                machines,
            },
            r: Rng::new(opts.seed ^ 0x5_4A95_0075_0000),
        };
        if opts.weeks >= 2 {
            b.migrate(opts.devices);
        }
        b.plan
    }

    fn life(&self, m: &Machine, stage: &Stage, week: usize) -> Life {
        Life {
            as_of: as_of(week),
            base: as_of(0),
            fresh_max: FRESH_MAX,
            origin: m.origin,
            incarnation: stage.incarnation,
            registered_at: stage.registered,
            enrolled_at: stage.enrolled,
            imported_at: stage.imported,
            v: stage.v,
        }
    }

    fn device(&self, m: &Machine, stage: &Stage, week: usize) -> Device {
        Device::generate_with(self.seed, m.idx, stage.sc, &self.life(m, stage, week))
    }

    /// The machines of one week, as a fleet the writers take.
    fn fleet(&self, week: usize) -> Fleet {
        let mut kinds = Vec::new();
        let mut lives = Vec::new();
        for m in &self.machines {
            if let Some(stage) = m.at(week) {
                kinds.push(stage.sc);
                lives.push((m.idx, self.life(m, &stage, week)));
            }
        }
        Fleet {
            seed: self.seed,
            kinds,
            lives: Some(lives),
        }
    }

    fn keys(&self, m: &Machine, stage: &Stage, week: usize) -> Vec<String> {
        let mut rows = Vec::new();
        expected::rows(&self.device(m, stage, week), Form::Top, &mut rows);
        rows.iter().map(|r| r.key.to_string()).collect()
    }

    fn truth(&self, week: usize) -> SnapshotTruth {
        let mut events = Vec::new();
        let mut devices = 0;
        for m in &self.machines {
            let cur = m.at(week);
            devices += usize::from(cur.is_some());
            if week == 0 {
                continue;
            }
            let prev = m.at(week - 1);
            let event = if m.born == week {
                m.arrival
            } else {
                m.steps.iter().find(|s| s.week == week).map(|s| s.event)
            };
            let Some(event) = event else { continue };
            let (vanished, appeared) = match (&prev, &cur) {
                (None, Some(c)) => (Vec::new(), self.keys(m, c, week)),
                (Some(p), None) => (self.keys(m, p, week - 1), Vec::new()),
                (Some(p), Some(c)) => {
                    let before = self.device(m, p, week - 1);
                    let after = self.device(m, c, week);
                    let guid = |d: &Device| Key::Guid(d.entra_device).to_string();
                    match event {
                        // A new Entra object (and Intune record): a new key.
                        Event::AutopilotReset => (vec![guid(&before)], vec![guid(&after)]),
                        // The ConfigMgr client's machine gets its first Entra object.
                        Event::HybridJoined => (
                            vec![Key::ConfigMgr(before.resource_id).to_string()],
                            vec![guid(&after)],
                        ),
                        // The CSV forms showed the Autopilot record apart from its
                        // placeholder object; deployed, the device is the object.
                        Event::AutopilotDeployed => (
                            vec![Key::Autopilot(before.serial_key()).to_string()],
                            Vec::new(),
                        ),
                        Event::WorkplaceObjectRemoved => (
                            vec![Key::Guid(before.entra2_device).to_string()],
                            Vec::new(),
                        ),
                        // Re-classified in place: same key.
                        _ => (Vec::new(), Vec::new()),
                    }
                }
                (None, None) => unreachable!("an event of a machine that is not there"),
            };
            events.push(SnapshotEvent {
                machine: m.idx,
                event: event.name(),
                from: prev.map(|p| p.sc.name()),
                to: cur.map(|c| c.sc.name()),
                vanished,
                appeared,
            });
        }
        let collect = |pick: fn(&SnapshotEvent) -> &Vec<String>| {
            events
                .iter()
                .flat_map(|e| pick(e).iter().cloned())
                .collect::<BTreeSet<String>>()
                .into_iter()
                .collect::<Vec<String>>()
        };
        SnapshotTruth {
            week,
            date: date(week),
            devices,
            appeared: collect(|e| &e.appeared),
            vanished: collect(|e| &e.vanished),
            events,
        }
    }
}

struct Builder {
    plan: Plan,
    r: Rng,
}

impl Builder {
    /// A seeded shuffle of `list`, of which `permille` (rounded) is kept.
    fn pick(&mut self, mut list: Vec<usize>, permille: usize) -> Vec<usize> {
        for i in (1..list.len()).rev() {
            let j = self.r.below(i as u64 + 1) as usize;
            list.swap(i, j);
        }
        list.truncate((list.len() * permille + 500) / 1000);
        list
    }

    /// Week of the `j`-th machine of a kind of change: round robin over 1..W-1 from a
    /// seeded start, so every week gets its share.
    fn spread(&self, j: usize, start: usize) -> usize {
        1 + (j + start) % (self.plan.weeks - 1)
    }

    fn start(&mut self) -> usize {
        self.r.below(self.plan.weeks as u64 - 1) as usize
    }

    /// A week after `week`, if there is one.
    fn later(&mut self, week: usize) -> Option<usize> {
        let left = self.plan.weeks - 1 - week;
        (left > 0).then(|| week + 1 + self.r.below(left as u64) as usize)
    }

    /// When a change of `week` happens: 2-12 hours after the previous snapshot.
    fn when(&mut self, week: usize) -> i64 {
        as_of(week - 1) + 2 * HOUR + self.r.below(10 * HOUR as u64) as i64
    }

    fn step(&mut self, m: usize, week: usize, event: Event, to: Option<Stage>) {
        let machine = &mut self.plan.machines[m];
        debug_assert!(machine.steps.last().is_none_or(|s| s.week < week));
        debug_assert!(machine.born < week);
        machine.steps.push(Step { week, event, to });
    }

    fn co_managed(&mut self, m: usize, week: usize) {
        let t = self.when(week);
        let mut to = self.plan.machines[m].last().to(S::HybridCoManaged);
        to.enrolled = Some(t);
        self.step(m, week, Event::CoManaged, Some(to));
    }

    fn autopilot_reset(&mut self, m: usize, week: usize) {
        let t = self.when(week);
        let prev = self.plan.machines[m].last();
        let to = Stage {
            sc: S::AutopilotCloud,
            incarnation: prev.incarnation + 1,
            registered: Some(t),
            enrolled: Some(t + 30 * MINUTE),
            imported: Some(t - HOUR),
            v: None,
        };
        self.step(m, week, Event::AutopilotReset, Some(to));
    }

    /// A new machine in `week`, imported into Autopilot then (deployed in `deploy`), or
    /// deployed at once when `deploy` is `week`.
    fn arrive_autopilot(&mut self, week: usize, deploy: Option<usize>) {
        let idx = self.plan.machines.len();
        let t = self.when(week);
        let imported = Stage {
            imported: Some(t),
            registered: Some(t),
            ..Stage::new(S::AutopilotNotDeployed)
        };
        let (first, arrival) = if deploy == Some(week) {
            let enrolled = Stage {
                sc: S::AutopilotCloud,
                enrolled: Some(t + 30 * MINUTE),
                ..imported
            };
            (enrolled, Event::AutopilotEnrolled)
        } else {
            (imported, Event::AutopilotImported)
        };
        self.plan.machines.push(Machine {
            idx,
            origin: S::AutopilotNotDeployed,
            born: week,
            arrival: Some(arrival),
            first,
            steps: Vec::new(),
        });
        if let Some(d) = deploy.filter(|&d| d > week && d < self.plan.weeks) {
            let t = self.when(d);
            let mut to = first.to(S::AutopilotCloud);
            to.enrolled = Some(t);
            self.step(idx, d, Event::AutopilotDeployed, Some(to));
        }
    }

    fn migrate(&mut self, n: usize) {
        let weeks = self.plan.weeks;
        // The first snapshot's facts that decide who can move: stale machines are only
        // cleaned up; the others may move.
        let facts: Vec<(bool, u32)> = self
            .plan
            .machines
            .iter()
            .map(|m| {
                let d = self.plan.device(m, &m.first, 0);
                (d.stale, d.v)
            })
            .collect();
        let of = |want: &[S], fresh: bool, extra: &dyn Fn(u32) -> bool| -> Vec<usize> {
            (1..n)
                .filter(|&i| {
                    want.contains(&self.plan.machines[i].origin)
                        && facts[i].0 != fresh
                        && extra(facts[i].1)
                })
                .collect()
        };
        let any = |_: u32| true;
        let configmgr_only = of(&[S::HybridConfigMgrOnly], true, &any);
        let comanaged = of(&[S::HybridCoManaged], true, &any);
        let scheduled = of(&[S::HybridComgmtScheduled], true, &any);
        let failed = of(&[S::HybridComgmtFailed], true, &any);
        let attached = of(&[S::TenantAttached], true, &any);
        let pending_client = of(&[S::HybridPending], true, &|v| v < 700);
        let pending_bare = of(&[S::HybridPending], true, &|v| v >= 700);
        let domain_only = of(&[S::ConfigMgrOnly], true, &any);
        let win7 = of(&[S::Win7ConfigMgr], true, &any);
        let discovered = of(&[S::DiscoveredNoClient], true, &any);
        let dual = of(&[S::DualState], true, &any);
        let other_mdm = of(&[S::OtherMdm], true, &any);
        let ap_personal = of(&[S::AutopilotPersonal], true, &any);
        let bulk_personal = of(&[S::BulkPersonal], true, &any);
        let not_deployed = of(&[S::AutopilotNotDeployed], true, &any);
        let in_scope: Vec<S> = super::scenario::ALL
            .iter()
            .copied()
            .filter(|s| s.in_scope())
            .collect();
        let stale = of(&in_scope, false, &any);

        // Hybrid ConfigMgr clients get co-managed (half of them a week after the policy
        // arrives); three in ten of those are later reset with Autopilot.
        let list = self.pick(configmgr_only, 850);
        let start = self.start();
        for (j, m) in list.into_iter().enumerate() {
            let c = self.spread(j, start);
            if j % 2 == 0 && c >= 2 {
                let to = self.plan.machines[m].last().to(S::HybridComgmtScheduled);
                self.step(m, c - 1, Event::CoMgmtScheduled, Some(to));
            }
            self.co_managed(m, c);
            if j % 10 < 3 {
                if let Some(r) = self.later(c) {
                    self.autopilot_reset(m, r);
                }
            }
        }
        // Co-managed hybrid machines reset with Autopilot: a new Entra object.
        let list = self.pick(comanaged, 400);
        let start = self.start();
        for (j, m) in list.into_iter().enumerate() {
            let week = self.spread(j, start);
            self.autopilot_reset(m, week);
        }
        // Scheduled, failed and tenant-attached clients enroll.
        for (list, permille) in [(scheduled, 1000), (failed, 700), (attached, 600)] {
            let list = self.pick(list, permille);
            let start = self.start();
            for (j, m) in list.into_iter().enumerate() {
                let week = self.spread(j, start);
                self.co_managed(m, week);
            }
        }
        // Pending hybrid joins complete (the client then reports its Entra device id);
        // half of those are co-managed later. Domain-joined ConfigMgr clients get hybrid
        // joined (their first Entra object), half of them co-managed later.
        for (list, event) in [
            (pending_client, Event::HybridJoinCompleted),
            (domain_only, Event::HybridJoined),
        ] {
            let permille = if event == Event::HybridJoined {
                600
            } else {
                800
            };
            let list = self.pick(list, permille);
            let start = self.start();
            for (j, m) in list.into_iter().enumerate() {
                let c = self.spread(j, start);
                let t = self.when(c);
                let mut to = self.plan.machines[m].last().to(S::HybridConfigMgrOnly);
                to.registered = Some(t);
                self.step(m, c, event, Some(to));
                if j % 2 == 0 {
                    if let Some(w) = self.later(c) {
                        self.co_managed(m, w);
                    }
                }
            }
        }
        // Windows 7 clients retired, each replaced by a new Autopilot device (imported
        // the week before when there is one).
        let list = self.pick(win7, 700);
        let start = self.start();
        for (j, m) in list.into_iter().enumerate() {
            let week = self.spread(j, start);
            self.step(m, week, Event::Retired, None);
            if week >= 2 {
                self.arrive_autopilot(week - 1, Some(week));
            } else {
                self.arrive_autopilot(week, Some(week));
            }
        }
        // The stale, the never-seen discovered records and never-registered hybrid
        // objects are cleaned up.
        for (list, permille) in [(stale, 750), (discovered, 600), (pending_bare, 500)] {
            let list = self.pick(list, permille);
            let start = self.start();
            for (j, m) in list.into_iter().enumerate() {
                let week = self.spread(j, start);
                self.step(m, week, Event::CleanedUp, None);
            }
        }
        // Re-classified in place (same key): the Entra registered object of a hybrid
        // machine is deleted, Workspace ONE machines move to Intune, ownership is fixed.
        let list = self.pick(dual, 800);
        let start = self.start();
        for (j, m) in list.into_iter().enumerate() {
            let week = self.spread(j, start);
            let mut to = self.plan.machines[m].last().to(S::HybridConfigMgrOnly);
            to.v = Some(facts[m].1 % 500); // no co-management row, as before
            self.step(m, week, Event::WorkplaceObjectRemoved, Some(to));
        }
        let list = self.pick(other_mdm, 500);
        let start = self.start();
        for (j, m) in list.into_iter().enumerate() {
            let week = self.spread(j, start);
            let t = self.when(week);
            let mut to = self.plan.machines[m].last().to(S::EntraJoinedManual);
            to.enrolled = Some(t);
            self.step(m, week, Event::MovedToIntune, Some(to));
        }
        for (list, to_sc) in [
            (ap_personal, S::AutopilotCloud),
            (bulk_personal, S::BulkEnrolled),
        ] {
            let list = self.pick(list, 1000);
            let start = self.start();
            for (j, m) in list.into_iter().enumerate() {
                let week = self.spread(j, start);
                let mut to = self.plan.machines[m].last().to(to_sc);
                // Keep the userless bulk enrollment type.
                to.v = Some(facts[m].1 % 600);
                self.step(m, week, Event::OwnershipFixed, Some(to));
            }
        }
        // Devices imported before the first snapshot get deployed.
        let list = self.pick(not_deployed, 600);
        let start = self.start();
        for (j, m) in list.into_iter().enumerate() {
            let week = self.spread(j, start);
            let t = self.when(week);
            let mut to = self.plan.machines[m].last().to(S::AutopilotCloud);
            to.enrolled = Some(t);
            self.step(m, week, Event::AutopilotDeployed, Some(to));
        }
        // New machines every week: imported into Autopilot, deployed one or two weeks
        // later.
        let per_week = (n / 400).max(1);
        for week in 1..weeks {
            for j in 0..per_week {
                let deploy = week + 1 + usize::from(j % 3 == 2);
                self.arrive_autopilot(week, Some(deploy));
            }
        }
        // Misenrollments: personal devices bulk-enrolled in weeks 3, 7, 11, ..., fixed
        // (ownership set to corporate) three weeks later.
        let per_batch = (n / 1000).max(1);
        for week in (3..weeks).step_by(4) {
            for _ in 0..per_batch {
                let idx = self.plan.machines.len();
                let t = self.when(week);
                let first = Stage {
                    registered: Some(t - 30 * MINUTE),
                    enrolled: Some(t),
                    ..Stage::new(S::BulkPersonal)
                };
                self.plan.machines.push(Machine {
                    idx,
                    origin: S::BulkPersonal,
                    born: week,
                    arrival: Some(Event::BulkEnrolledPersonal),
                    first,
                    steps: Vec::new(),
                });
                if week + 3 < weeks {
                    let v = Rng::for_device(self.plan.seed, idx as u64).permille();
                    let mut to = first.to(S::BulkEnrolled);
                    to.v = Some(v % 600);
                    self.step(idx, week + 3, Event::OwnershipFixed, Some(to));
                }
            }
        }
    }
}

fn check(opts: &SnapshotOptions) -> io::Result<()> {
    if opts.devices > MAX_DEVICES || opts.weeks > MAX_WEEKS {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "at most {MAX_DEVICES} devices and {MAX_WEEKS} snapshots, {} devices and {} snapshots asked",
                opts.devices, opts.weeks
            ),
        ));
    }
    Ok(())
}

/// Writes `opts.weeks` weekly snapshots into `out`, one subfolder per snapshot named by its
/// date (`2026-09-07/`, `2026-09-14/`, ...), each with the four top-level exports of
/// `write_sample` and its own `expected.csv`. `out` is created if absent; files of the same
/// names are replaced.
pub fn write_snapshots(opts: &SnapshotOptions, out: &Path) -> io::Result<Vec<SnapshotInfo>> {
    check(opts)?;
    let plan = Plan::new(opts);
    let write_week = |week: usize| -> io::Result<SnapshotInfo> {
        let fleet = plan.fleet(week);
        let date = date(week);
        let dir = out.join(&date);
        std::fs::create_dir_all(&dir)?;
        let named = |p: &Path, result: io::Result<()>| {
            result.map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", p.display())))
        };
        let p = dir.join("intune-devices.csv");
        named(&p, write::intune_csv(&fleet, &p, &TOP_INTUNE))?;
        let p = dir.join("entra-devices.csv");
        named(&p, write::entra_csv(&fleet, &p, &TOP_ENTRA))?;
        let p = dir.join("configmgr-devices.csv");
        named(&p, write::configmgr_sql_csv(&fleet, &p))?;
        let p = dir.join("autopilot-devices.csv");
        named(&p, write::autopilot_blade_csv(&fleet, &p))?;
        let p = dir.join("expected.csv");
        named(&p, write::expected_csv(&fleet, &p, Form::Top))?;
        Ok(SnapshotInfo {
            date,
            dir,
            devices: fleet.len(),
        })
    };
    (0..opts.weeks).map(write_week).collect()
}

/// What the generator did in snapshot `week` (0-based) of `write_snapshots(opts, ..)`;
/// `None` past the last one.
pub fn snapshot_truth(opts: &SnapshotOptions, week: usize) -> Option<SnapshotTruth> {
    if week >= opts.weeks || check(opts).is_err() {
        return None;
    }
    Some(Plan::new(opts).truth(week))
}

#[cfg(test)]
mod tests;
