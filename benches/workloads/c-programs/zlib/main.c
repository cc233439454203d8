/* zlib: `zlib N` deflates and inflates a generated 1 MiB corpus N times
 * (levels 1, 6 and 9 in turn, as gzip -1/-6/-9 would), checks that every
 * round trip gives back the input, and prints a checksum of the
 * compressed streams. zlib 1.3.1, from the libz-sys crate. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define CORPUS (1u << 20)

static uint64_t xorshift64(uint64_t *state) {
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

/* Text-like data: words from a small vocabulary in skewed frequencies,
 * numbers, punctuation and line breaks, with a run of raw bytes now and
 * then, so the matcher sees both long and short matches. */
static void make_corpus(unsigned char *out, size_t len) {
    static const char *words[] = {
        "the", "of", "and", "to", "in", "a", "is", "that", "for", "it",
        "as", "was", "with", "be", "by", "on", "not", "he", "this", "are",
        "compression", "deflate", "window", "huffman", "literal", "distance",
        "engine", "module", "function", "memory", "table", "instance",
    };
    const size_t nwords = sizeof words / sizeof words[0];
    uint64_t state = 0x9E3779B97F4A7C15ull;
    size_t at = 0;
    while (at < len) {
        uint64_t r = xorshift64(&state);
        char piece[32];
        size_t n;
        if (r % 97 == 0) {
            /* A few raw bytes. */
            n = 8 + (size_t)(r >> 58);
            for (size_t i = 0; i < n && i < sizeof piece; i++)
                piece[i] = (char)xorshift64(&state);
            if (n > sizeof piece) n = sizeof piece;
        } else if (r % 11 == 0) {
            n = (size_t)snprintf(piece, sizeof piece, "%u", (unsigned)(r >> 40) % 100000u);
        } else {
            /* Skewed: low indices far more often. */
            size_t w = (size_t)((r >> 20) % nwords);
            w = w * w / nwords;
            n = strlen(words[w]);
            memcpy(piece, words[w], n);
        }
        for (size_t i = 0; i < n && at < len; i++) out[at++] = (unsigned char)piece[i];
        if (at < len) out[at++] = (r >> 8) % 13 == 0 ? '\n' : ((r >> 8) % 7 == 0 ? ',' : ' ');
    }
}

static void die(const char *what, int code) {
    fprintf(stderr, "zlib: %s failed (%d)\n", what, code);
    exit(1);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s N\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[1]);
    unsigned char *input = malloc(CORPUS);
    uLong bound = compressBound(CORPUS);
    unsigned char *packed = malloc(bound);
    unsigned char *unpacked = malloc(CORPUS);
    if (!input || !packed || !unpacked) die("malloc", 0);
    make_corpus(input, CORPUS);

    static const int levels[] = {1, 6, 9};
    uint64_t checksum = 0;
    for (int round = 0; round < n; round++) {
        int level = levels[round % 3];
        /* Deflate in 64 KiB input pieces, as a stream would arrive. */
        z_stream d;
        memset(&d, 0, sizeof d);
        int rc = deflateInit(&d, level);
        if (rc != Z_OK) die("deflateInit", rc);
        d.next_out = packed;
        d.avail_out = (uInt)bound;
        for (size_t at = 0; at < CORPUS; at += 65536) {
            d.next_in = input + at;
            d.avail_in = 65536;
            rc = deflate(&d, at + 65536 >= CORPUS ? Z_FINISH : Z_NO_FLUSH);
            if (rc != Z_OK && rc != Z_STREAM_END) die("deflate", rc);
        }
        if (rc != Z_STREAM_END) die("deflate (end)", rc);
        size_t packed_len = d.total_out;
        deflateEnd(&d);

        /* Inflate into 16 KiB output pieces. */
        z_stream i;
        memset(&i, 0, sizeof i);
        rc = inflateInit(&i);
        if (rc != Z_OK) die("inflateInit", rc);
        i.next_in = packed;
        i.avail_in = (uInt)packed_len;
        i.next_out = unpacked;
        do {
            size_t room = CORPUS - i.total_out;
            if (room == 0) die("inflate (output longer than the input)", 0);
            i.avail_out = room < 16384 ? (uInt)room : 16384;
            rc = inflate(&i, Z_NO_FLUSH);
            if (rc != Z_OK && rc != Z_STREAM_END) die("inflate", rc);
        } while (rc != Z_STREAM_END);
        if (i.total_out != CORPUS || memcmp(unpacked, input, CORPUS) != 0) die("round trip", 0);
        inflateEnd(&i);

        checksum = checksum * 31 + packed_len;
        checksum ^= crc32(0, packed, (uInt)packed_len);
        checksum += adler32(1, unpacked, CORPUS);
        /* Change the input a little, so no two rounds are alike. */
        input[(round * 7919u) % CORPUS] ^= (unsigned char)(round + 1);
    }
    printf("%llu\n", (unsigned long long)checksum);
    free(input);
    free(packed);
    free(unpacked);
    return 0;
}
