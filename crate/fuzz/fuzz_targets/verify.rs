//! The bytecode verifier on arbitrary instruction sequences: it must
//! never panic, and a shape it answers must be one on its own terms
//! (a height per pc, temp 0's at entry, none above the maximum).
//!
//! The input: three bytes for the frame's temps, literals and nested
//! blocks, then per instruction a selector byte and the operand bytes
//! its variant reads (a missing byte reads as 0).
#![no_main]
use libfuzzer_sys::fuzz_target;
use livetalk::bytecode::{Arith, Op};
use livetalk::bytecode::DEAD;
use livetalk::verify::verify_ops;

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    fn kind(&mut self) -> livetalk::bytecode::ConstKind {
        use livetalk::bytecode::ConstKind::*;
        [Nil, True, False, Int][(self.u8() % 4) as usize]
    }
    /// An index: small, or one of the extremes.
    fn idx(&mut self) -> u16 {
        match self.u8() {
            255 => u16::MAX,
            254 => u16::MAX - 1,
            253 => DEAD - 2,
            b => b as u16,
        }
    }
    fn arith(&mut self) -> Arith {
        Arith::ALL[self.u8() as usize % Arith::ALL.len()]
    }
    /// A jump offset: -126..=125, or one of the extremes.
    fn jump(&mut self) -> i32 {
        match self.u8() as i8 {
            -128 => i32::MIN,
            127 => i32::MAX,
            126 => i16::MAX as i32,
            -127 => i16::MIN as i32,
            d => d as i32,
        }
    }
    fn d16(&mut self) -> i16 {
        match self.u8() as i8 {
            -128 => i16::MIN,
            127 => i16::MAX,
            d => d as i16,
        }
    }
    fn imm(&mut self) -> i16 {
        self.u8() as i8 as i16
    }
    /// A count of temps, literals or blocks: small, or an extreme.
    fn count(&mut self) -> usize {
        match self.u8() {
            255 => DEAD as usize,
            254 => DEAD as usize - 1,
            253 => DEAD as usize - 2,
            252 => usize::MAX,
            b => b as usize % 32,
        }
    }
}

fn op(b: &mut Bytes) -> Op {
    use Op::*;
    match b.u8() % 69 {
        0 => PushSelf,
        1 => PushNil,
        2 => PushTrue,
        3 => PushFalse,
        4 => PushInt(b.imm() as i32),
        5 => PushLit(b.idx()),
        6 => PushGlobal(b.idx()),
        7 => StoreGlobal(b.idx()),
        8 => PushTemp(b.idx()),
        9 => StoreTemp(b.idx()),
        10 => PopTemp(b.idx()),
        11 => PushRemote {
            idx: b.idx(),
            vec: b.idx(),
        },
        12 => StoreRemote {
            idx: b.idx(),
            vec: b.idx(),
        },
        13 => PushInstVar(b.idx()),
        14 => StoreInstVar(b.idx()),
        15 => PushThisContext,
        16 => Pop,
        17 => Dup,
        18 => MakeArray {
            size: b.idx(),
            nils: b.idx(),
        },
        19 => Send {
            sel: b.idx(),
            argc: b.u8(),
        },
        20 => SuperSend {
            sel: b.idx(),
            argc: b.u8(),
        },
        21 => Arith(b.arith()),
        22 => IdentityEq,
        23 => Class,
        24 => At,
        25 => AtPut,
        26 => Jump(b.jump()),
        27 => JumpIfTrue(b.jump()),
        28 => JumpIfFalse(b.jump()),
        29 => JumpIfNil(b.jump()),
        30 => JumpIfNotNil(b.jump()),
        31 => ReturnTop,
        32 => ReturnSelf,
        33 => NonLocalReturn,
        34 => MakeClosure {
            block: b.idx(),
            copied: b.u8(),
        },
        35 => ArithTT {
            a: b.idx(),
            b: b.idx(),
            op: b.arith(),
        },
        36 => ArithTI {
            a: b.idx(),
            imm: b.imm(),
            op: b.arith(),
        },
        37 => BranchTT {
            a: b.idx(),
            b: b.idx(),
            op: b.arith(),
            d: b.d16(),
        },
        38 => BranchTI {
            a: b.idx(),
            imm: b.imm(),
            op: b.arith(),
            d: b.d16(),
        },
        39 => ArithSI {
            imm: b.imm(),
            op: b.arith(),
        },
        40 => BranchSI {
            imm: b.imm(),
            op: b.arith(),
            d: b.d16(),
        },
        41 => IncTemp {
            a: b.idx(),
            imm: b.imm(),
        },
        42 => SetTT {
            c: b.idx(),
            a: b.idx(),
            b: b.idx(),
            op: b.arith(),
        },
        43 => SetTI {
            c: b.idx(),
            a: b.idx(),
            imm: b.imm(),
            op: b.arith(),
        },
        44 => PushTT {
            a: b.idx(),
            b: b.idx(),
        },
        45 => AtPutPop,
        46 => AtPutTTK {
            a: b.idx(),
            b: b.idx(),
            kind: b.kind(),
            imm: b.imm(),
        },
        47 => BranchAtTT {
            a: b.idx(),
            b: b.idx(),
            d: b.d16(),
        },
        48 => JumpBranchTT {
            a: b.idx(),
            b: b.idx(),
            op: b.arith(),
            d: b.d16(),
        },
        49 => JumpBranchTI {
            a: b.idx(),
            imm: b.imm(),
            op: b.arith(),
            d: b.d16(),
        },
        50 => SendAdaptive { site: b.idx() },
        51 => SendCached { site: b.idx() },
        52 => SendMega { site: b.idx() },
        53 => InlineLeaf { site: b.idx() },
        54 => GetterS {
            slot: b.u8(),
            class: b.u8() as u32,
        },
        55 => GetterT {
            t: b.u8(),
            slot: b.u8(),
            class: b.u8() as u32,
        },
        56 => ConstS {
            kind: b.kind(),
            imm: b.imm(),
            class: b.u8() as u32,
        },
        57 => ConstT {
            t: b.u8(),
            imm: b.imm(),
            class: b.u8() as u32,
        },
        58 => InlineEnter {
            scope: b.idx(),
            argc: b.u8(),
            int_body: b.d16(),
        },
        59 => InlineReturn {
            off: b.idx(),
            top: b.u8() & 1 == 1,
            d: b.d16(),
        },
        60 => PushOuterSelf(b.idx()),
        61 => PushOuterVar {
            t: b.idx(),
            idx: b.idx(),
        },
        62 => StoreOuterVar {
            t: b.idx(),
            idx: b.idx(),
        },
        63 => Loop {
            kernel: b.idx(),
            a: b.idx(),
        },
        64 => InlinePrefix { site: b.idx() },
        65 => SendLeaves { site: b.idx() },
        66 => PushScopeLit {
            scope: b.idx(),
            k: b.idx(),
            global: b.u8() & 1 == 1,
        },
        67 => ConstG {
            lit: b.idx(),
            k: b.u8(),
            class: b.u8() as u32,
        },
        _ => ReturnTop,
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let temps = b.count();
    let literals = b.count();
    let blocks = b.count();
    let mut ops = Vec::new();
    while !b.0.is_empty() && ops.len() < 4096 {
        ops.push(op(&mut b));
    }
    if let Ok(s) = verify_ops(&ops, temps, literals, blocks) {
        assert_eq!(s.heights.len(), ops.len());
        assert_eq!(s.at(0), Some(temps));
        let mut highest = 0;
        for &h in s.heights.iter() {
            if h != DEAD {
                assert!(h <= s.max);
                highest = highest.max(h);
            }
        }
        assert_eq!(highest, s.max);
    }
});
