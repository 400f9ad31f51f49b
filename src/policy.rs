//! The organisation's policy (rules.md "The policy file"): the defaults, as recorded in
//! `summary.json` as the effective policy.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    pub activity: Activity,
    pub byod: Byod,
    pub corporate: Corporate,
    pub progress: Progress,
    pub recommend: Recommend,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activity {
    /// Days without activity after which a device is stale; never below 21.
    pub stale_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Byod {
    pub allow_join: bool,
    pub mdm: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Corporate {
    pub allowed_join_types: Vec<String>,
    pub userless_group_tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    pub target_states: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommend {
    pub target: String,
    pub entra_p1: bool,
}

/// The lowest `stale_days` allowed: Entra's sign-in time drifts by about 14 days.
pub const MIN_STALE_DAYS: u32 = 21;

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            activity: Activity { stale_days: 90 },
            byod: Byod {
                allow_join: false,
                mdm: "allow".into(),
            },
            corporate: Corporate {
                allowed_join_types: vec!["entra_joined".into(), "hybrid_joined".into()],
                userless_group_tags: vec!["KIOSK".into(), "SHARED".into()],
            },
            progress: Progress {
                target_states: vec!["entra_joined".into(), "co_managed".into()],
            },
            recommend: Recommend {
                target: "entra_joined".into(),
                entra_p1: true,
            },
        }
    }
}
