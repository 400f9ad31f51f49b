//! Interned text for the low-cardinality cells of the exports (OS names and versions, SKUs,
//! compliance states, the raw spellings of enums): a few hundred distinct values over
//! millions of rows. A [`Sym`] is 4 bytes (`Option<Sym>` too) where a [`Text`] is 24, which
//! at 1M devices is about 270 MB less memory held by the records.
//!
//! The table is process-wide and only grows: every distinct value is stored once, for the
//! rest of the process, across all the tenants or snapshots it analyses. That is why only
//! columns whose values are few by nature are interned (a column of mostly distinct values
//! would cost a table entry and a per-thread map entry per value, more than owning its
//! cells). Each thread keeps a copy of the part of the table it has seen, so interning a
//! known value and reading one take no lock.
//!
//! A symbol's number depends on which thread met its value first and must never reach an
//! output: symbols order, hash and print by their text.
//!
//! [`Text`]: crate::ingest::value::Text

use crate::fxhash::FxHashMap;
use std::cell::RefCell;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::num::NonZeroU32;
use std::sync::{Mutex, PoisonError};

/// An interned string: compares equal exactly when the texts are equal.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Sym(NonZeroU32);

#[derive(Default)]
struct Table {
    ids: FxHashMap<&'static str, Sym>,
    /// Index `n - 1` holds the text of `Sym(n)`.
    texts: Vec<&'static str>,
}

static GLOBAL: Mutex<Option<Table>> = Mutex::new(None);

thread_local! {
    static LOCAL: RefCell<Table> = RefCell::new(Table::default());
}

impl Sym {
    pub fn new(s: &str) -> Sym {
        Sym::with_text(s).0
    }

    /// [`Sym::new`], and the interned text (valid for the rest of the process).
    pub fn with_text(s: &str) -> (Sym, &'static str) {
        LOCAL.with(|local| {
            if let Some((&text, &sym)) = local.borrow().ids.get_key_value(s) {
                return (sym, text);
            }
            let (text, sym) = {
                let mut global = GLOBAL.lock().unwrap_or_else(PoisonError::into_inner);
                let table = global.get_or_insert_with(Table::default);
                match table.ids.get_key_value(s) {
                    Some((&text, &sym)) => (text, sym),
                    None => {
                        let text: &'static str = Box::leak(Box::from(s));
                        let n = u32::try_from(table.texts.len() + 1)
                            .ok()
                            .and_then(NonZeroU32::new)
                            .expect("fewer than 2^32 distinct interned values");
                        let sym = Sym(n);
                        table.texts.push(text);
                        table.ids.insert(text, sym);
                        (text, sym)
                    }
                }
            };
            local.borrow_mut().ids.insert(text, sym);
            (sym, text)
        })
    }

    /// The text, valid for the rest of the process.
    pub fn as_str(self) -> &'static str {
        let at = self.0.get() as usize - 1;
        LOCAL.with(|local| {
            if let Some(&s) = local.borrow().texts.get(at) {
                return s;
            }
            // Another thread interned it: copy the table's new entries (it only grows).
            let global = GLOBAL.lock().unwrap_or_else(PoisonError::into_inner);
            let texts = &global.as_ref().map(|t| t.texts.as_slice()).unwrap_or(&[]);
            let mut local = local.borrow_mut();
            let have = local.texts.len();
            local.texts.extend_from_slice(&texts[have..]);
            local.texts[at]
        })
    }
}

/// A function of interned values, remembered per value on one thread (held in a
/// `thread_local!`): the spelling of an enum in an export (`Managed by`, ownership,
/// enrollment or trust type) takes a handful of values over millions of rows, and is
/// parsed once per value instead of once per row.
pub struct SymMemo<T>(RefCell<Vec<Option<T>>>);

impl<T: Clone> Default for SymMemo<T> {
    fn default() -> Self {
        SymMemo::new()
    }
}

impl<T: Clone> SymMemo<T> {
    pub const fn new() -> Self {
        SymMemo(RefCell::new(Vec::new()))
    }

    /// `parse(sym's text)`, computed the first time this thread asks for `sym`.
    pub fn get(&self, sym: Sym, parse: impl FnOnce(&str) -> T) -> T {
        let at = sym.0.get() as usize - 1;
        if let Some(Some(v)) = self.0.borrow().get(at) {
            return v.clone();
        }
        let v = parse(sym.as_str());
        let mut memo = self.0.borrow_mut();
        if memo.len() <= at {
            memo.resize(at + 1, None);
        }
        memo[at] = Some(v.clone());
        v
    }
}

impl std::ops::Deref for Sym {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Sym {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Sym {
    fn from(s: &str) -> Sym {
        Sym::new(s)
    }
}

impl PartialEq<str> for Sym {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Sym {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Hash for Sym {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl PartialOrd for Sym {
    fn partial_cmp(&self, other: &Sym) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Sym {
    fn cmp(&self, other: &Sym) -> Ordering {
        if self == other {
            Ordering::Equal
        } else {
            self.as_str().cmp(other.as_str())
        }
    }
}

impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_share_a_symbol_and_read_back() {
        let a = Sym::new("10.0.26100.2314");
        let b = Sym::new(&String::from("10.0.26100.2314"));
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "10.0.26100.2314");
        assert_ne!(Sym::new("Windows"), Sym::new("windows"));
        assert_eq!(Sym::new(""), Sym::new(""));
        assert_eq!(std::mem::size_of::<Option<Sym>>(), 4);
        // The interned text itself, as the row builders' per-field memory keeps it.
        let (c, text) = Sym::with_text("10.0.26100.2314");
        assert_eq!((c, text), (a, a.as_str()));
        assert_eq!(Sym::with_text("Pro").0, Sym::new("Pro"));
    }

    #[test]
    fn a_memo_parses_each_value_once_and_gives_what_the_parser_gives() {
        let memo: SymMemo<Option<usize>> = SymMemo::new();
        let calls = std::cell::Cell::new(0);
        let parse = |s: &str| {
            calls.set(calls.get() + 1);
            s.find('-')
        };
        let (a, b) = (Sym::new("memo-test"), Sym::new("memotest"));
        for _ in 0..3 {
            assert_eq!(memo.get(a, parse), Some(4));
            assert_eq!(memo.get(b, parse), None);
        }
        assert_eq!(calls.get(), 2);
        // A value interned after the memo last grew.
        let c = Sym::new("memo-test-later-value");
        assert_eq!(memo.get(c, parse), Some(4));
        assert_eq!(memo.get(a, parse), Some(4));
        assert_eq!(calls.get(), 3);
    }

    #[test]
    fn order_and_hash_follow_the_text_not_the_number() {
        // Interned in reverse order: the numbers run against the texts.
        let z = Sym::new("zz-order-test");
        let a = Sym::new("aa-order-test");
        assert!(a < z);
        let mut v = vec![z, a];
        v.sort();
        assert_eq!(v, [a, z]);
        let hash = |x: &dyn Fn(&mut std::collections::hash_map::DefaultHasher)| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            x(&mut h);
            h.finish()
        };
        assert_eq!(hash(&|h| a.hash(h)), hash(&|h| "aa-order-test".hash(h)));
    }

    #[test]
    fn symbols_cross_threads() {
        let made: Vec<Sym> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..4)
                .map(|t| s.spawn(move || Sym::new(&format!("thread-value-{t}"))))
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        // Read on threads that did not intern them, and here.
        std::thread::scope(|s| {
            for (t, &sym) in made.iter().enumerate() {
                s.spawn(move || assert_eq!(sym.as_str(), format!("thread-value-{t}")));
            }
        });
        assert_eq!(made[2], Sym::new("thread-value-2"));
    }
}
