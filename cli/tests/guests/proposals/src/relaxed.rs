// Vector kernels on relaxed SIMD, shared by the guest (`main.rs`) and the
// test that checks its output (`cli/tests/run_wasi.rs`, through
// `include!`). Compiled for wasm32 they use `core::arch::wasm32`'s relaxed
// intrinsics; natively, the same arithmetic lane by lane. The inputs stay
// where the proposal defines one result (in-range truncations, `i7`
// right operands of the dot products, products exact in `f32`, masks of
// whole lanes, no NaNs or zeros in min and max, no `i16::MIN` squared), so
// every machine and mode must print the same lines.

#[cfg(target_arch = "wasm32")]
mod lanes {
    use core::arch::wasm32::*;

    fn to_i8(v: v128) -> [i8; 16] {
        core::array::from_fn(|i| match i {
            0 => i8x16_extract_lane::<0>(v),
            1 => i8x16_extract_lane::<1>(v),
            2 => i8x16_extract_lane::<2>(v),
            3 => i8x16_extract_lane::<3>(v),
            4 => i8x16_extract_lane::<4>(v),
            5 => i8x16_extract_lane::<5>(v),
            6 => i8x16_extract_lane::<6>(v),
            7 => i8x16_extract_lane::<7>(v),
            8 => i8x16_extract_lane::<8>(v),
            9 => i8x16_extract_lane::<9>(v),
            10 => i8x16_extract_lane::<10>(v),
            11 => i8x16_extract_lane::<11>(v),
            12 => i8x16_extract_lane::<12>(v),
            13 => i8x16_extract_lane::<13>(v),
            14 => i8x16_extract_lane::<14>(v),
            _ => i8x16_extract_lane::<15>(v),
        })
    }
    fn i8s(a: [i8; 16]) -> v128 {
        i8x16(
            a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12],
            a[13], a[14], a[15],
        )
    }
    fn bytes(v: v128) -> [u8; 16] {
        to_i8(v).map(|x| x as u8)
    }
    fn words(v: v128) -> [i32; 4] {
        [
            i32x4_extract_lane::<0>(v),
            i32x4_extract_lane::<1>(v),
            i32x4_extract_lane::<2>(v),
            i32x4_extract_lane::<3>(v),
        ]
    }
    fn halves(v: v128) -> [i16; 8] {
        core::array::from_fn(|i| {
            let b = bytes(v);
            i16::from_le_bytes([b[2 * i], b[2 * i + 1]])
        })
    }
    fn floats(v: v128) -> [f32; 4] {
        words(v).map(|w| f32::from_bits(w as u32))
    }
    fn f32s(a: [f32; 4]) -> v128 {
        f32x4(a[0], a[1], a[2], a[3])
    }
    fn i16s(a: [i16; 8]) -> v128 {
        i16x8(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7])
    }

    pub fn swizzle(a: [i8; 16], s: [i8; 16]) -> [u8; 16] {
        bytes(i8x16_relaxed_swizzle(i8s(a), i8s(s)))
    }
    pub fn trunc(a: [f32; 4]) -> [i32; 4] {
        words(i32x4_relaxed_trunc_f32x4(f32s(a)))
    }
    pub fn madd(a: [f32; 4], b: [f32; 4], c: [f32; 4]) -> [f32; 4] {
        floats(f32x4_relaxed_madd(f32s(a), f32s(b), f32s(c)))
    }
    pub fn nmadd(a: [f32; 4], b: [f32; 4], c: [f32; 4]) -> [f32; 4] {
        floats(f32x4_relaxed_nmadd(f32s(a), f32s(b), f32s(c)))
    }
    pub fn min_max(a: [f32; 4], b: [f32; 4]) -> ([f32; 4], [f32; 4]) {
        let (x, y) = (f32s(a), f32s(b));
        (floats(f32x4_relaxed_min(x, y)), floats(f32x4_relaxed_max(x, y)))
    }
    pub fn laneselect(a: [i8; 16], b: [i8; 16], m: [i8; 16]) -> [u8; 16] {
        bytes(i8x16_relaxed_laneselect(i8s(a), i8s(b), i8s(m)))
    }
    pub fn q15mulr(a: [i16; 8], b: [i16; 8]) -> [i16; 8] {
        halves(i16x8_relaxed_q15mulr(i16s(a), i16s(b)))
    }
    pub fn dot(a: [i8; 16], b: [i8; 16]) -> [i16; 8] {
        halves(i16x8_relaxed_dot_i8x16_i7x16(i8s(a), i8s(b)))
    }
    pub fn dot_add(a: [i8; 16], b: [i8; 16], c: [i32; 4]) -> [i32; 4] {
        let c = i32x4(c[0], c[1], c[2], c[3]);
        words(i32x4_relaxed_dot_i8x16_i7x16_add(i8s(a), i8s(b), c))
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod lanes {
    pub fn swizzle(a: [i8; 16], s: [i8; 16]) -> [u8; 16] {
        s.map(|i| a[i as usize] as u8)
    }
    pub fn trunc(a: [f32; 4]) -> [i32; 4] {
        a.map(|x| x as i32)
    }
    pub fn madd(a: [f32; 4], b: [f32; 4], c: [f32; 4]) -> [f32; 4] {
        core::array::from_fn(|i| a[i] * b[i] + c[i])
    }
    pub fn nmadd(a: [f32; 4], b: [f32; 4], c: [f32; 4]) -> [f32; 4] {
        core::array::from_fn(|i| -a[i] * b[i] + c[i])
    }
    pub fn min_max(a: [f32; 4], b: [f32; 4]) -> ([f32; 4], [f32; 4]) {
        (
            core::array::from_fn(|i| a[i].min(b[i])),
            core::array::from_fn(|i| a[i].max(b[i])),
        )
    }
    pub fn laneselect(a: [i8; 16], b: [i8; 16], m: [i8; 16]) -> [u8; 16] {
        core::array::from_fn(|i| if m[i] != 0 { a[i] as u8 } else { b[i] as u8 })
    }
    pub fn q15mulr(a: [i16; 8], b: [i16; 8]) -> [i16; 8] {
        core::array::from_fn(|i| ((a[i] as i32 * b[i] as i32 + 0x4000) >> 15) as i16)
    }
    pub fn dot(a: [i8; 16], b: [i8; 16]) -> [i16; 8] {
        core::array::from_fn(|i| {
            a[2 * i] as i16 * b[2 * i] as i16 + a[2 * i + 1] as i16 * b[2 * i + 1] as i16
        })
    }
    pub fn dot_add(a: [i8; 16], b: [i8; 16], c: [i32; 4]) -> [i32; 4] {
        let d = dot(a, b);
        core::array::from_fn(|i| d[2 * i] as i32 + d[2 * i + 1] as i32 + c[i])
    }
}

/// A small generator, so every seed gives other vectors.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn i8s(&mut self, lo: i64, hi: i64) -> [i8; 16] {
        core::array::from_fn(|_| (lo + (self.next() as i64).rem_euclid(hi - lo + 1)) as i8)
    }
    /// Small integers as floats: products and sums are exact.
    fn f32s(&mut self) -> [f32; 4] {
        core::array::from_fn(|_| ((self.next() % 2001) as i32 - 1000) as f32 + 0.5)
    }
}

/// The lines the guest prints for `seed`: sums over many random vectors.
pub fn report(seed: u64) -> Vec<String> {
    let mut g = Lcg(seed);
    let (mut swz, mut sel, mut dots, mut adds) = (0u64, 0u64, 0i64, 0i64);
    let (mut tr, mut q15) = (0i64, 0i64);
    let (mut fused, mut mins) = (0f64, 0f64);
    for _ in 0..200 {
        let a = g.i8s(-128, 127);
        let s = g.i8s(0, 15);
        swz += lanes::swizzle(a, s).iter().map(|&x| x as u64).sum::<u64>();
        let (b, m) = (g.i8s(-128, 127), g.i8s(0, 1).map(|x| -x));
        sel += lanes::laneselect(a, b, m).iter().map(|&x| x as u64).sum::<u64>();
        let b7 = g.i8s(0, 127);
        dots += lanes::dot(a, b7).iter().map(|&x| x as i64).sum::<i64>();
        let c = [g.next() as i32, -(g.next() as i32), 7, -7];
        adds += lanes::dot_add(a, b7, c).iter().map(|&x| x as i64).sum::<i64>();
        let (x, y, z) = (g.f32s(), g.f32s(), g.f32s());
        tr += lanes::trunc(x).iter().map(|&v| v as i64).sum::<i64>();
        fused += lanes::madd(x, y, z).iter().map(|&v| v as f64).sum::<f64>();
        fused -= lanes::nmadd(x, y, z).iter().map(|&v| v as f64).sum::<f64>();
        let (lo, hi) = lanes::min_max(x, y);
        mins += lo.iter().chain(hi.iter()).map(|&v| v as f64).sum::<f64>();
        let h: [i16; 8] = core::array::from_fn(|_| (g.next() as i16).max(-32767));
        let k: [i16; 8] = core::array::from_fn(|_| g.next() as i16);
        q15 += lanes::q15mulr(h, k).iter().map(|&v| v as i64).sum::<i64>();
    }
    vec![
        format!("swizzle {swz} laneselect {sel}"),
        format!("dot {dots} dot_add {adds}"),
        format!("trunc {tr} q15mulr {q15}"),
        format!("madd-nmadd {fused} min+max {mins}"),
    ]
}
