//! Canonical instructions in a snapshot: a tag byte, then the operands as
//! varints; the commonest instructions with small operands are one byte
//! (tags from [`FUSED`] on). Only what the compiler emits is here;
//! optimized code is never kept (a snapshot's code starts cold).

use super::bytes::{Reader, Result, Writer};
use crate::bytecode::{Arith, Op};

/// The first tag of an instruction with its operand in the tag.
const FUSED: u8 = 64;
const PUSH_TEMP: u8 = FUSED; // 16 temps
const POP_TEMP: u8 = PUSH_TEMP + 16; // 16 temps
const PUSH_INST_VAR: u8 = POP_TEMP + 16; // 16 instance variables
const PUSH_LIT: u8 = PUSH_INST_VAR + 16; // 16 literals
const ARITH: u8 = PUSH_LIT + 16; // every Arith
const PUSH_INT: u8 = ARITH + Arith::ALL.len() as u8; // -1 to 8
const SEND: u8 = 160; // 16 selectors by 4 argument counts
const FUSED_END: u8 = SEND + 64;

/// The one-byte form of `op`, if it has one.
fn fused(op: Op) -> Option<u8> {
    let small = |i: u16| (i < 16).then_some(i as u8);
    match op {
        Op::PushTemp(i) => small(i).map(|i| PUSH_TEMP + i),
        Op::PopTemp(i) => small(i).map(|i| POP_TEMP + i),
        Op::PushInstVar(i) => small(i).map(|i| PUSH_INST_VAR + i),
        Op::PushLit(i) => small(i).map(|i| PUSH_LIT + i),
        Op::Arith(a) => Some(ARITH + a as u8),
        Op::PushInt(i @ -1..=8) => Some(PUSH_INT + (i + 1) as u8),
        Op::Send { sel, argc } if sel < 16 && argc < 4 => Some(SEND + sel as u8 * 4 + argc),
        _ => None,
    }
}

/// The instruction of a one-byte form.
fn unfused(t: u8) -> Option<Op> {
    let i = u16::from(t);
    Some(match t {
        PUSH_TEMP..POP_TEMP => Op::PushTemp(i - u16::from(PUSH_TEMP)),
        POP_TEMP..PUSH_INST_VAR => Op::PopTemp(i - u16::from(POP_TEMP)),
        PUSH_INST_VAR..PUSH_LIT => Op::PushInstVar(i - u16::from(PUSH_INST_VAR)),
        PUSH_LIT..ARITH => Op::PushLit(i - u16::from(PUSH_LIT)),
        ARITH..PUSH_INT => Op::Arith(Arith::ALL[usize::from(t - ARITH)]),
        PUSH_INT.. if t < PUSH_INT + 10 => Op::PushInt(i32::from(t - PUSH_INT) - 1),
        SEND..FUSED_END => Op::Send {
            sel: u16::from((t - SEND) / 4),
            argc: (t - SEND) % 4,
        },
        _ => return None,
    })
}

pub fn write(w: &mut Writer, op: Op) -> Result<()> {
    if let Some(t) = fused(op) {
        w.u8(t);
        return Ok(());
    }
    let (tag, a, b): (u8, Option<i64>, Option<i64>) = match op {
        Op::PushSelf => (0, None, None),
        Op::PushNil => (1, None, None),
        Op::PushTrue => (2, None, None),
        Op::PushFalse => (3, None, None),
        Op::PushInt(i) => (4, Some(i.into()), None),
        Op::PushLit(i) => (5, Some(i.into()), None),
        Op::PushGlobal(i) => (6, Some(i.into()), None),
        Op::StoreGlobal(i) => (7, Some(i.into()), None),
        Op::PushTemp(i) => (8, Some(i.into()), None),
        Op::StoreTemp(i) => (9, Some(i.into()), None),
        Op::PopTemp(i) => (10, Some(i.into()), None),
        Op::PushRemote { idx, vec } => (11, Some(idx.into()), Some(vec.into())),
        Op::StoreRemote { idx, vec } => (12, Some(idx.into()), Some(vec.into())),
        Op::PushInstVar(i) => (13, Some(i.into()), None),
        Op::StoreInstVar(i) => (14, Some(i.into()), None),
        Op::PushThisContext => (15, None, None),
        Op::Pop => (16, None, None),
        Op::Dup => (17, None, None),
        Op::MakeArray { size, nils } => (18, Some(size.into()), Some(nils.into())),
        Op::Send { sel, argc } => (19, Some(sel.into()), Some(argc.into())),
        Op::SuperSend { sel, argc } => (20, Some(sel.into()), Some(argc.into())),
        Op::Arith(a) => (21, Some(a as u8 as i64), None),
        Op::IdentityEq => (22, None, None),
        Op::Class => (23, None, None),
        Op::At => (24, None, None),
        Op::AtPut => (25, None, None),
        Op::Jump(d) => (26, Some(d.into()), None),
        Op::JumpIfTrue(d) => (27, Some(d.into()), None),
        Op::JumpIfFalse(d) => (28, Some(d.into()), None),
        Op::JumpIfNil(d) => (29, Some(d.into()), None),
        Op::JumpIfNotNil(d) => (30, Some(d.into()), None),
        Op::ReturnTop => (31, None, None),
        Op::ReturnSelf => (32, None, None),
        Op::NonLocalReturn => (33, None, None),
        Op::MakeClosure { block, copied } => (34, Some(block.into()), Some(copied.into())),
        other => return Err(format!("{other:?} is not a canonical instruction")),
    };
    w.u8(tag);
    for x in [a, b].into_iter().flatten() {
        w.iv(x);
    }
    Ok(())
}

pub fn read(r: &mut Reader) -> Result<Op> {
    let tag = r.u8()?;
    if let Some(op) = unfused(tag) {
        return Ok(op);
    }
    let n = |r: &mut Reader| -> Result<i64> { r.iv() };
    macro_rules! arg {
        ($t:ty) => {{
            let v = n(r)?;
            <$t>::try_from(v).map_err(|_| format!("operand {v} out of range"))?
        }};
    }
    Ok(match tag {
        0 => Op::PushSelf,
        1 => Op::PushNil,
        2 => Op::PushTrue,
        3 => Op::PushFalse,
        4 => Op::PushInt(arg!(i32)),
        5 => Op::PushLit(arg!(u16)),
        6 => Op::PushGlobal(arg!(u16)),
        7 => Op::StoreGlobal(arg!(u16)),
        8 => Op::PushTemp(arg!(u16)),
        9 => Op::StoreTemp(arg!(u16)),
        10 => Op::PopTemp(arg!(u16)),
        11 => Op::PushRemote {
            idx: arg!(u16),
            vec: arg!(u16),
        },
        12 => Op::StoreRemote {
            idx: arg!(u16),
            vec: arg!(u16),
        },
        13 => Op::PushInstVar(arg!(u16)),
        14 => Op::StoreInstVar(arg!(u16)),
        15 => Op::PushThisContext,
        16 => Op::Pop,
        17 => Op::Dup,
        18 => Op::MakeArray {
            size: arg!(u16),
            nils: arg!(u16),
        },
        19 => Op::Send {
            sel: arg!(u16),
            argc: arg!(u8),
        },
        20 => Op::SuperSend {
            sel: arg!(u16),
            argc: arg!(u8),
        },
        21 => {
            let i: usize = arg!(usize);
            Op::Arith(*Arith::ALL.get(i).ok_or("no such arithmetic instruction")?)
        }
        22 => Op::IdentityEq,
        23 => Op::Class,
        24 => Op::At,
        25 => Op::AtPut,
        26 => Op::Jump(arg!(i32)),
        27 => Op::JumpIfTrue(arg!(i32)),
        28 => Op::JumpIfFalse(arg!(i32)),
        29 => Op::JumpIfNil(arg!(i32)),
        30 => Op::JumpIfNotNil(arg!(i32)),
        31 => Op::ReturnTop,
        32 => Op::ReturnSelf,
        33 => Op::NonLocalReturn,
        34 => Op::MakeClosure {
            block: arg!(u16),
            copied: arg!(u8),
        },
        t => return Err(format!("no instruction has tag {t}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_instructions_round_trip_and_optimized_ones_are_refused() {
        let ops = [
            Op::PushInt(i32::MIN),
            Op::PushInt(-1),
            Op::PushInt(8),
            Op::PushInt(9),
            Op::PushTemp(15),
            Op::PushTemp(16),
            Op::PopTemp(0),
            Op::PushInstVar(15),
            Op::PushLit(3),
            Op::Arith(Arith::Add),
            Op::Send { sel: 15, argc: 3 },
            Op::Send { sel: 16, argc: 0 },
            Op::PushRemote { idx: 3, vec: 65535 },
            Op::Send { sel: 7, argc: 255 },
            Op::Arith(Arith::BitOr),
            Op::Jump(-5),
            Op::MakeClosure {
                block: 2,
                copied: 1,
            },
            Op::NonLocalReturn,
        ];
        let mut w = Writer::default();
        for op in ops {
            write(&mut w, op).unwrap();
        }
        let mut r = Reader::new(&w.buf);
        for op in ops {
            assert_eq!(read(&mut r).unwrap(), op);
        }
        assert!(r.at_end());
        assert!(write(&mut w, Op::IncTemp { a: 1, imm: 1 }).is_err());
        assert!(read(&mut Reader::new(&[240])).is_err());
        assert!(read(&mut Reader::new(&[PUSH_INT + 10])).is_err());
        // each one-byte form stands for its instruction
        for t in 0..=255u8 {
            if let Some(op) = unfused(t) {
                assert_eq!(fused(op), Some(t), "{op:?}");
            }
        }
        // an operand too large for its field
        assert!(read(&mut Reader::new(&[5, 0xFE, 0xFF, 0x7F])).is_err());
        assert!(read(&mut Reader::new(&[21, 26])).is_err());
    }
}
