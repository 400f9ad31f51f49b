//! fleetstate: the true enrollment state of a Windows fleet, from the exports of Intune,
//! Entra ID, Configuration Manager and Windows Autopilot.
//!
//! The data flows one way: [`ingest`] (read and normalise each export) -> [`scope`] ->
//! [`resolve`] (one device per physical machine) -> [`classify`] -> [`report`].
//! The library never prints; it returns data and [`diag`]nostics.

pub mod analyze;
pub mod classify;
pub mod diag;
pub mod diff;
pub mod explain;
pub mod fxhash;
pub mod ingest;
pub mod intern;
pub mod model;
pub mod par;
pub mod policy;
pub mod privacy;
pub mod recommend;
pub mod report;
pub mod resolve;
pub mod rules;
pub mod sample;
pub mod scope;
pub mod snapshot;
pub mod tenants;
pub mod timing;
pub mod trend;
pub mod verify;
