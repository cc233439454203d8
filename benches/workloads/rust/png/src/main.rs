//! `png-bench N`: image processing with the png crate, N rounds. Each
//! round draws a 768x512 RGBA picture (gradients, shapes, noise), encodes
//! it as PNG with adaptive filtering at the default and the fast
//! compression levels, decodes both, checks they give back the pixels,
//! then blurs the decoded image, converts it to grey and encodes and
//! decodes that too. Prints a checksum of the encoded sizes and pixels.

use png::{AdaptiveFilterType, BitDepth, ColorType, Compression, Decoder, Encoder};

const WIDTH: u32 = 768;
const HEIGHT: u32 = 512;

/// xorshift64: deterministic data, identical everywhere.
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
}

/// A picture with smooth areas (which filtering helps), hard edges and a
/// little noise, as a photo or a screenshot has.
fn draw(seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed);
    let (w, h) = (WIDTH as i64, HEIGHT as i64);
    let mut pixels = vec![0u8; (w * h * 4) as usize];
    let circles: Vec<(i64, i64, i64, [u8; 3])> = (0..24)
        .map(|_| {
            let r = rng.next();
            (
                (r % w as u64) as i64,
                ((r >> 16) % h as u64) as i64,
                10 + ((r >> 32) % 80) as i64,
                [(r >> 40) as u8, (r >> 48) as u8, (r >> 56) as u8],
            )
        })
        .collect();
    for y in 0..h {
        for x in 0..w {
            let i = ((y * w + x) * 4) as usize;
            let mut px = [
                (x * 255 / w) as u8,
                (y * 255 / h) as u8,
                ((x + y) % 256) as u8,
                255,
            ];
            for &(cx, cy, r, color) in &circles {
                let (dx, dy) = (x - cx, y - cy);
                if dx * dx + dy * dy <= r * r {
                    px[..3].copy_from_slice(&color);
                    px[3] = 200;
                }
            }
            if (x / 32 + y / 32) % 7 == 0 {
                let noise = rng.next();
                px[0] = px[0].wrapping_add((noise & 7) as u8);
                px[1] = px[1].wrapping_add(((noise >> 3) & 7) as u8);
            }
            pixels[i..i + 4].copy_from_slice(&px);
        }
    }
    pixels
}

fn encode(pixels: &[u8], color: ColorType, compression: Compression) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = Encoder::new(&mut out, WIDTH, HEIGHT);
    encoder.set_color(color);
    encoder.set_depth(BitDepth::Eight);
    encoder.set_compression(compression);
    encoder.set_adaptive_filter(AdaptiveFilterType::Adaptive);
    let mut writer = encoder.write_header().expect("header");
    writer.write_image_data(pixels).expect("encode");
    writer.finish().expect("finish");
    out
}

fn decode(png: &[u8]) -> Vec<u8> {
    let mut reader = Decoder::new(png).read_info().expect("read info");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).expect("decode");
    pixels.truncate(info.buffer_size());
    pixels
}

/// A 3x3 box blur of an RGBA image, alpha kept.
fn blur(src: &[u8]) -> Vec<u8> {
    let (w, h) = (WIDTH as usize, HEIGHT as usize);
    let mut out = src.to_vec();
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            for c in 0..3 {
                let mut sum = 0u32;
                for dy in 0..3 {
                    for dx in 0..3 {
                        sum += u32::from(src[((y + dy - 1) * w + (x + dx - 1)) * 4 + c]);
                    }
                }
                out[(y * w + x) * 4 + c] = (sum / 9) as u8;
            }
        }
    }
    out
}

/// Luma (BT.601, integer weights) of an RGBA image.
fn grey(src: &[u8]) -> Vec<u8> {
    src.chunks_exact(4)
        .map(|p| ((77 * u32::from(p[0]) + 150 * u32::from(p[1]) + 29 * u32::from(p[2])) >> 8) as u8)
        .collect()
}

fn fnv(acc: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *acc ^= u64::from(b);
        *acc = acc.wrapping_mul(0x100_0000_01b3);
    }
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| {
            eprintln!("usage: png-bench N");
            std::process::exit(2)
        });
    let mut acc = 0xcbf2_9ce4_8422_2325u64;
    for r in 0..n {
        let pixels = draw(0x9e37_79b9_7f4a_7c15 ^ r);
        for compression in [Compression::Default, Compression::Fast] {
            let png = encode(&pixels, ColorType::Rgba, compression);
            fnv(&mut acc, &(png.len() as u64).to_le_bytes());
            assert!(
                decode(&png) == pixels,
                "the PNG round trip changed the pixels"
            );
        }
        let luma = grey(&blur(&pixels));
        let png = encode(&luma, ColorType::Grayscale, Compression::Default);
        fnv(&mut acc, &(png.len() as u64).to_le_bytes());
        let back = decode(&png);
        assert!(back == luma, "the greyscale round trip changed the pixels");
        fnv(&mut acc, &back);
    }
    println!("{acc}");
}
