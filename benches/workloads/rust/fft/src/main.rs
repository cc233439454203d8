//! `fft-bench N`: audio processing with rustfft, N rounds. Each round
//! synthesizes 2^18 samples of a chord with noise, runs a short-time
//! Fourier transform over it (2048-sample frames, half overlapping, a
//! Hann window), removes the bins above a cut-off, transforms back and
//! overlap-adds the result; then it takes one whole-signal spectrum of a
//! length that is not a power of two (44,100: mixed radix). Prints a
//! checksum of the filtered signal and the spectrum, quantized so that
//! last-bit differences between libm's sin and cos here and natively
//! cannot change it.
//!
//! rustfft is built without its x86 and Arm SIMD code paths (its default
//! features), so the native program runs the same scalar algorithm as
//! the wasm one.

use rustfft::num_complex::Complex;
use rustfft::FftPlanner;

const SAMPLES: usize = 1 << 18;
const FRAME: usize = 2048;
const HOP: usize = FRAME / 2;
const RATE: f64 = 44_100.0;

/// xorshift64: deterministic noise, identical everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    /// Uniform in [-1, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

/// A chord (A minor, with overtones) and white noise.
fn synthesize(seed: u64) -> Vec<f64> {
    let mut rng = Rng(seed);
    let tones = [220.0, 261.63, 329.63, 440.0, 3520.0, 7040.0];
    let mut phases = [0.0f64; 6];
    (0..SAMPLES)
        .map(|_| {
            let mut s = 0.0;
            for (k, (freq, phase)) in tones.iter().zip(phases.iter_mut()).enumerate() {
                // A phase accumulator with one sine table lookup per tone
                // would need libm less; sin itself is what real code calls.
                *phase += freq / RATE;
                if *phase >= 1.0 {
                    *phase -= 1.0;
                }
                s += (2.0 * std::f64::consts::PI * *phase).sin() / (k + 1) as f64;
            }
            s + 0.1 * rng.unit()
        })
        .collect()
}

fn quantize(x: f64) -> i64 {
    (x * 1e4).round() as i64
}

fn fnv(acc: &mut u64, value: i64) {
    for b in value.to_le_bytes() {
        *acc ^= u64::from(b);
        *acc = acc.wrapping_mul(0x100_0000_01b3);
    }
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| {
            eprintln!("usage: fft-bench N");
            std::process::exit(2)
        });
    let mut planner = FftPlanner::<f64>::new();
    let forward = planner.plan_fft_forward(FRAME);
    let inverse = planner.plan_fft_inverse(FRAME);
    let whole = planner.plan_fft_forward(44_100);
    let window: Vec<f64> = (0..FRAME)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / FRAME as f64).cos())
        .collect();
    let cutoff = (2000.0 / RATE * FRAME as f64) as usize;

    let mut acc = 0xcbf2_9ce4_8422_2325u64;
    let mut frame = vec![Complex::new(0.0, 0.0); FRAME];
    let mut scratch = vec![Complex::new(0.0, 0.0); forward.get_inplace_scratch_len()];
    for r in 0..n {
        let signal = synthesize(0x853c_49e6_748f_ea9b ^ r);
        let mut out = vec![0.0f64; SAMPLES];
        let mut energy = 0.0;
        for start in (0..SAMPLES - FRAME).step_by(HOP) {
            for (i, slot) in frame.iter_mut().enumerate() {
                *slot = Complex::new(signal[start + i] * window[i], 0.0);
            }
            forward.process_with_scratch(&mut frame, &mut scratch);
            // A brick-wall low-pass: keep the bins below the cut-off and
            // their mirror images.
            for (bin, value) in frame.iter_mut().enumerate() {
                let freq_bin = bin.min(FRAME - bin);
                if freq_bin > cutoff {
                    *value = Complex::new(0.0, 0.0);
                } else {
                    energy += value.norm_sqr();
                }
            }
            inverse.process_with_scratch(&mut frame, &mut scratch);
            for (i, value) in frame.iter().enumerate() {
                out[start + i] += value.re / FRAME as f64;
            }
        }
        fnv(&mut acc, quantize(energy / 1e6));
        for chunk in out.chunks(4096) {
            fnv(&mut acc, quantize(chunk.iter().sum::<f64>()));
        }

        let mut spectrum: Vec<Complex<f64>> = signal[..44_100]
            .iter()
            .map(|&s| Complex::new(s, 0.0))
            .collect();
        whole.process(&mut spectrum);
        // The strongest bins are the chord's tones.
        let mut peaks: Vec<(usize, f64)> = spectrum[..22_050]
            .iter()
            .enumerate()
            .map(|(i, c)| (i, c.norm()))
            .collect();
        peaks.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        for &(bin, magnitude) in &peaks[..6] {
            fnv(&mut acc, bin as i64);
            fnv(&mut acc, quantize(magnitude / 1e3));
        }
    }
    println!("{acc}");
}
