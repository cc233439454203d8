//! The fuel cost model, one definition for both tiers.
//!
//! Fuel is charged per straight-line *segment* of a function body, not per
//! instruction: a segment starts at the function's entry and after every
//! operator that ends one (`block`, `loop`, `if`, `else`, `end`, `br`,
//! `br_if`, `br_table`, `br_on_null`, `br_on_non_null`, `return`, the
//! tail calls, `try_table`, `throw`, `throw_ref`, `unreachable`), and
//! costs the sum of its operators' costs. Each tier charges a segment's
//! whole cost when execution enters it, so a call consumes exactly the
//! same fuel on the interpreter and the JIT. The charge at the function's entry and at each
//! loop header (the segment after `loop`) is followed by a check: fuel
//! below zero is `TrapCode::OutOfFuel`, so a call tree without loops stops
//! too. Segments elsewhere are charged without a check.
//!
//! Costs, as in wasmtime: 1 for every operator except the ones that do no
//! work at run time (`nop`, `drop`, `block`, `loop`, `else`, `end`,
//! `unreachable`, `return`), which cost 0. Bulk operations cost 1 for the
//! operator plus, when they run, 1 for every [`BULK_MEMORY_BYTES`] bytes or
//! [`BULK_TABLE_ELEMENTS`] elements they touch, charged (and checked)
//! before they do anything: a `memory.fill` of gigabytes cannot run on a
//! little fuel.

use wasmparser::{BinaryReaderError, FunctionBody, Operator};

/// Bytes of `memory.fill`, `memory.copy` or `memory.init` per unit of fuel.
pub(crate) const BULK_MEMORY_BYTES: u64 = 64;

/// Elements of `table.fill`, `table.copy` or `table.init` per unit of fuel.
pub(crate) const BULK_TABLE_ELEMENTS: u64 = 8;

/// The fuel an operator costs where it is charged (its segment's entry).
pub(crate) fn cost(op: &Operator<'_>) -> u64 {
    match op {
        Operator::Nop
        | Operator::Drop
        | Operator::Block { .. }
        | Operator::Loop { .. }
        | Operator::Else
        | Operator::End
        | Operator::Unreachable
        | Operator::Return => 0,
        _ => 1,
    }
}

/// Whether `op` ends a segment (the next operator starts a new one).
pub(crate) fn ends_segment(op: &Operator<'_>) -> bool {
    matches!(
        op,
        Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::Else
            | Operator::End
            | Operator::Br { .. }
            | Operator::BrIf { .. }
            | Operator::BrTable { .. }
            | Operator::Return
            | Operator::ReturnCall { .. }
            | Operator::ReturnCallIndirect { .. }
            | Operator::ReturnCallRef { .. }
            | Operator::BrOnNull { .. }
            | Operator::BrOnNonNull { .. }
            | Operator::TryTable { .. }
            | Operator::Throw { .. }
            | Operator::ThrowRef
            | Operator::Unreachable
    )
}

/// The extra fuel a bulk memory operation of `len` bytes costs.
pub(crate) fn bulk_memory_cost(len: u64) -> u64 {
    len / BULK_MEMORY_BYTES
}

/// The extra fuel a bulk table operation of `len` elements costs.
pub(crate) fn bulk_table_cost(len: u64) -> u64 {
    len / BULK_TABLE_ELEMENTS
}

/// The cost of each segment of a function body, in order. A translator
/// walks the body's operators, moves to the next segment after each one
/// that [`ends_segment`], and charges the segment's cost where execution
/// enters it (if that point is reachable).
pub(crate) fn segment_costs(
    body: &FunctionBody<'_>,
) -> Result<alloc::vec::Vec<u64>, BinaryReaderError> {
    let mut costs = alloc::vec![0u64];
    let mut reader = body.get_operators_reader()?;
    while !reader.eof() {
        let op = reader.read()?;
        if let Some(last) = costs.last_mut() {
            *last += cost(&op);
        }
        if ends_segment(&op) {
            costs.push(0);
        }
    }
    Ok(costs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmparser::BinaryReader;

    fn costs(wat: &str) -> alloc::vec::Vec<u64> {
        let bytes = wat::parse_str(wat).unwrap();
        let mut body = None;
        for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
            if let wasmparser::Payload::CodeSectionEntry(b) = payload.unwrap() {
                let range = b.range();
                let (start, end) = (range.start as usize, range.end as usize);
                body = Some(FunctionBody::new(BinaryReader::new(
                    &bytes[start..end],
                    range.start,
                )));
            }
        }
        segment_costs(&body.unwrap()).unwrap()
    }

    #[test]
    fn segments_split_at_control_flow_and_free_operators_cost_nothing() {
        let c = costs(
            "(module (func (param i32) (result i32)
               i32.const 1 drop nop
               (loop local.get 0 i32.const 1 i32.sub local.tee 0 br_if 0)
               local.get 0))",
        );
        // entry: const, drop(0), nop(0), loop(0) | loop body: get, const,
        // sub, tee, br_if | after br_if: end(0) | after end: get, end(0) |
        // after the final end.
        assert_eq!(c, [1, 5, 0, 1, 0]);
    }
}
