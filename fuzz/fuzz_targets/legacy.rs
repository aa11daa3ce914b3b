//! `legacy`: a pre-flatten `objects.db` described by structured input: which of each
//! legacy/current pair exist, the agent table's shape, a table written without a column, rows,
//! duplicate slugs, stale foreign keys (to a kept legacy parent, a missing one, the table itself),
//! AUTOINCREMENT gaps, indexes with other definitions, dead tables and `user_version`.
//!
//! The model, the file it builds and the oracle are the property test's own
//! (`tests/legacy_model`, shared, not forked); only the way an input is drawn differs: proptest's
//! strategy there, `arbitrary` over libFuzzer's bytes here, so coverage steers the mix. The
//! domains are the strategy's, slightly widened (more rows, `user_version` anywhere in -1..=12).
#![no_main]

#[allow(dead_code)]
#[path = "../../tests/common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../../tests/legacy_model/mod.rs"]
mod legacy_model;

use agentmux_schema::{migrate, SqlConn, Store};
use arbitrary::{Arbitrary, Result, Unstructured};
use legacy_model::*;
use libfuzzer_sys::fuzz_target;

/// A [`Spec`] drawn from bytes. A newtype: `Spec` itself belongs to the shared model, which the
/// ordinary test suite compiles without `arbitrary`.
#[derive(Debug)]
struct Input(Spec);

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let pair = |u: &mut Unstructured<'a>| -> Result<Pair> {
            Ok(*u.choose(&[Pair::Neither, Pair::Legacy, Pair::Current, Pair::Both])?)
        };
        let index = |u: &mut Unstructured<'a>| -> Result<IndexState> {
            Ok(*u.choose(&[
                IndexState::Canonical,
                IndexState::Canonical,
                IndexState::Absent,
                IndexState::WrongColumn,
                IndexState::Weakened,
            ])?)
        };
        let bools =
            |u: &mut Unstructured<'a>, n: usize| -> Result<Vec<bool>> { (0..n).map(|_| u.arbitrary()).collect() };
        let n_indexes = reference().indexes.len();
        let spec = Spec {
            version: u.int_in_range(-1..=12)?,
            pairs: (0..RENAMES.len()).map(|_| pair(u)).collect::<Result<_>>()?,
            unrenamed: bools(u, UNRENAMED.len())?,
            agent_shape: *u.choose(&[AgentShape::V11, AgentShape::V2, AgentShape::Current])?,
            truncated: if u.ratio(1, 6)? { Some((u.int_in_range(0..=19)?, u.int_in_range(0..=15)?)) } else { None },
            legacy_indexes: bools(u, LEGACY_INDEXES.len())?,
            canonical_indexes: (0..n_indexes).map(|_| index(u)).collect::<Result<_>>()?,
            dead: bools(u, DEAD_TABLES.len())?,
            agents: u.int_in_range(0..=5)?,
            rows: u.int_in_range(0..=5)?,
            dup_slugs: u.arbitrary()?,
            stale_fks: u.arbitrary()?,
            self_ref: u.arbitrary()?,
            seq_gap: u.arbitrary()?,
            foreign_keys_on: u.arbitrary()?,
        };
        Ok(Input(spec))
    }
}

fuzz_target!(|input: Input| {
    let spec = &input.0;
    let sql = spec.build_sql();
    let mut db = common::db_with(&sql);
    db.exec(if spec.foreign_keys_on { "PRAGMA foreign_keys = ON" } else { "PRAGMA foreign_keys = OFF" }).unwrap();
    let before = Before::read(&mut db);
    let expected = oracle(spec);
    let result = migrate(&db, Store::Objects);
    if let Err(failure) = check(spec, db, &before, expected, result) {
        panic!("{failure}\n{spec:?}\n-- replay: run this on an empty database, then migrate it as objects.db\n{sql}");
    }
});
