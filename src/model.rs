//! The vocabulary of fleetstate: sources and the classification values of model.md, spelled
//! exactly as the outputs spell them.

use serde::Serialize;

/// Declares a closed value set with its output spelling and the list of all values.
macro_rules! value_enum {
    ($(#[$m:meta])* $name:ident { $($var:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub enum $name { $($var),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$var => $s),+ }
            }
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($s => Some($name::$var),)+ _ => None }
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl Member for $name {
            fn all() -> &'static [$name] {
                $name::ALL
            }
            fn index(self) -> usize {
                self as usize
            }
            fn label(self) -> &'static str {
                self.as_str()
            }
        }
    };
}

/// A value of a closed value set, with its position in the set's order.
pub trait Member: Copy + 'static {
    fn all() -> &'static [Self];
    fn index(self) -> usize;
    /// The value's output spelling.
    fn label(self) -> &'static str;
}

/// A set of values of a value set of at most 8 values, listed in the set's order: one byte
/// where a vector of them takes 24 and, once it holds two, a heap allocation.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Set<T>(u8, std::marker::PhantomData<T>);

impl<T: Member> Set<T> {
    pub fn new() -> Set<T> {
        debug_assert!(T::all().len() <= 8);
        Set(0, std::marker::PhantomData)
    }

    pub fn insert(&mut self, v: T) {
        self.0 |= 1 << v.index();
    }

    pub fn contains(&self, v: T) -> bool {
        self.0 & (1 << v.index()) != 0
    }

    pub fn len(&self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// The values held, in the value set's order.
    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        T::all().iter().copied().filter(|&v| self.contains(v))
    }

    /// The set as one byte: value `i` of the value set is bit `i`.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// The cell text of every set there can be, indexed by [`Set::bits`]: the values held,
    /// in the value set's order, joined by `sep` (the empty set: empty text).
    pub fn all_labels(sep: &str) -> Vec<String> {
        (0..1u16 << T::all().len())
            .map(|bits| {
                let set = Set::<T>(bits as u8, std::marker::PhantomData);
                set.iter().map(T::label).collect::<Vec<_>>().join(sep)
            })
            .collect()
    }
}

impl<T: Member> Default for Set<T> {
    fn default() -> Set<T> {
        Set::new()
    }
}

impl<T: Member> FromIterator<T> for Set<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Set<T> {
        let mut set = Set::new();
        items.into_iter().for_each(|v| set.insert(v));
        set
    }
}

impl<T: Member + std::fmt::Debug> std::fmt::Debug for Set<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

value_enum!(
    /// The four consoles fleetstate reads, in the order `sources` lists them.
    Source { Entra => "entra", Intune => "intune", ConfigMgr => "configmgr", Autopilot => "autopilot" }
);

value_enum!(
    /// The `os` column: Windows clients, or Windows Server.
    Os { Windows => "Windows", WindowsServer => "Windows Server" }
);

value_enum!(
    /// How a device is joined to Entra ID.
    JoinType {
        EntraJoined => "entra_joined",
        HybridJoined => "hybrid_joined",
        HybridPending => "hybrid_pending",
        Registered => "registered",
        Unknown => "unknown",
        None => "none",
    }
);

value_enum!(
    Management {
        CoManaged => "co_managed",
        Intune => "intune",
        ConfigMgr => "configmgr",
        Mde => "mde",
        OtherMdm => "other_mdm",
        None => "none",
    }
);

value_enum!(
    Ownership { Corporate => "corporate", Personal => "personal", Unknown => "unknown" }
);

value_enum!(
    OwnershipSource { Intune => "intune", Entra => "entra", Inferred => "inferred" }
);

value_enum!(
    EnrollmentMethod {
        Bulk => "bulk",
        Dem => "dem",
        Autopilot => "autopilot",
        CoManagement => "co_management",
        Gpo => "gpo",
        EntraJoin => "entra_join",
        UserEnrollment => "user_enrollment",
        MdmOnly => "mdm_only",
        Unknown => "unknown",
        None => "none",
    }
);

value_enum!(
    /// The headline state of a device (model.md section 2, first match wins).
    State {
        CoManaged => "co_managed",
        HybridPending => "hybrid_pending",
        HybridJoined => "hybrid_joined",
        EntraJoined => "entra_joined",
        Registered => "registered",
        MdmOnly => "mdm_only",
        ConfigMgrOnly => "configmgr_only",
        AutopilotOnly => "autopilot_only",
        Unknown => "unknown",
        Unmanaged => "unmanaged",
    }
);

value_enum!(
    /// Co-management workloads switched to Intune, in output order.
    Workload {
        Compliance => "compliance",
        ResourceAccess => "resource_access",
        DeviceConfiguration => "device_configuration",
        WindowsUpdate => "windows_update",
        EndpointProtection => "endpoint_protection",
        ClientApps => "client_apps",
        OfficeApps => "office_apps",
    }
);

impl Workload {
    /// The `MDMWorkloads` bits that mean this workload moved to Intune.
    pub fn masks(self) -> &'static [u64] {
        match self {
            Workload::Compliance => &[2],
            Workload::ResourceAccess => &[4],
            Workload::DeviceConfiguration => &[8],
            Workload::WindowsUpdate => &[16],
            Workload::EndpointProtection => &[32, 4128],
            Workload::ClientApps => &[64],
            Workload::OfficeApps => &[128],
        }
    }

    /// The workloads a bitmask switches to Intune (`value & mask == mask`).
    pub fn from_bits(bits: u64) -> Set<Workload> {
        Workload::ALL
            .iter()
            .copied()
            .filter(|w| w.masks().iter().any(|&m| has_bits(bits, m)))
            .collect()
    }
}

/// `value & mask == mask`: multi-bit masks (4128, 8193) need every bit.
fn has_bits(value: u64, mask: u64) -> bool {
    value & mask == mask
}

value_enum!(
    /// Why a row was read but not used.
    SkipReason {
        Duplicate => "duplicate",
        Obsolete => "obsolete",
        OtherSnapshotDay => "other_snapshot_day",
        Platform => "platform",
        Server => "server",
        RepeatedHeader => "repeated_header",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_set_has_its_label_joined_in_the_value_sets_order() {
        let labels = Set::<Source>::all_labels("+");
        assert_eq!(labels.len(), 16);
        assert_eq!(labels[0], "");
        assert_eq!(labels[15], "entra+intune+configmgr+autopilot");
        let workloads = Set::<Workload>::all_labels(";");
        assert_eq!(workloads.len(), 1 << Workload::all().len());
        for bits in 0..16u8 {
            let set: Set<Source> = Source::all()
                .iter()
                .copied()
                .filter(|s| bits & (1 << s.index()) != 0)
                .collect();
            assert_eq!(set.bits(), bits);
            let joined: Vec<&str> = set.iter().map(Source::label).collect();
            assert_eq!(labels[usize::from(bits)], joined.join("+"));
        }
    }

    #[test]
    fn workload_bits_legacy_and_2111() {
        let list = |bits| Workload::from_bits(bits).iter().collect::<Vec<_>>();
        assert_eq!(list(67), vec![Workload::Compliance, Workload::ClientApps]);
        assert_eq!(
            list(8193 | 2 | 4128),
            vec![Workload::Compliance, Workload::EndpointProtection]
        );
        assert!(Workload::from_bits(8193).is_empty());
    }

    #[test]
    fn sets_list_their_values_in_the_value_sets_order() {
        // Inserted out of order: listed in the order of `Source::ALL`, once each.
        let s: Set<Source> = [Source::Autopilot, Source::Entra, Source::Autopilot]
            .into_iter()
            .collect();
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            [Source::Entra, Source::Autopilot]
        );
        assert_eq!(s.len(), 2);
        assert!(s.contains(Source::Entra) && !s.contains(Source::Intune));
        assert!(Set::<Workload>::new().is_empty());
        let all: Set<Workload> = Workload::ALL.iter().copied().collect();
        assert_eq!(all.iter().collect::<Vec<_>>(), Workload::ALL);
        assert_eq!(format!("{s:?}"), "{Entra, Autopilot}");
        assert_eq!(std::mem::size_of::<Set<Workload>>(), 1);
    }

    #[test]
    fn spellings_round_trip() {
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()), Some(*s));
        }
    }
}
