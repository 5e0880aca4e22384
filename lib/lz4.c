// SPDX-License-Identifier: MIT
/*
 * LZ4 frame decoding, written from the format's description (the LZ4
 * Frame Format and LZ4 Block Format documents): a frame is the magic,
 * a descriptor (FLG, BD, the content size here, a header checksum),
 * blocks each with a 4-byte size whose high bit marks it stored, and an
 * end mark of size 0. A block is a run of sequences: a token (literal
 * length in the high nibble, match length - 4 in the low, 15 meaning
 * more bytes follow, each added, until one below 255), the literals, and
 * a 2-byte little-endian offset back into the output; the last sequence
 * has literals only.
 *
 * Speed matters more than usual: the loader runs this in Bochs, which
 * emulates every instruction, over some 40 MB. Literals and matches are
 * moved by a block copy, and an overlapping match (offset below its
 * length, the pattern repeating) by copies that double in length, each
 * from the start of the match, so none overlaps its source.
 */
#include "lib/lz4.h"

#include "lib/fmt.h"
#include "lib/string.h"

#define FLG_VERSION_MASK 0xc0u
#define FLG_VERSION_01 0x40u
#define FLG_BLOCK_INDEP 0x20u
#define FLG_BLOCK_CHECKSUM 0x10u
#define FLG_CONTENT_SIZE 0x08u
#define FLG_CONTENT_CHECKSUM 0x04u
#define FLG_RESERVED 0x02u
#define FLG_DICT_ID 0x01u

#define BD_RESERVED 0x8fu
#define BD_MAX_SHIFT 4

#define BLOCK_STORED 0x80000000u
#define MIN_MATCH 4

/* Magic, FLG, BD, content size, header checksum. */
#define HEADER_LEN (4 + 2 + 8 + 1)

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* xxHash32 with seed 0, the frame's content checksum: its primes,
 * rounds and final mix as the xxHash specification gives them. */
#define XXH_P1 0x9e3779b1u
#define XXH_P2 0x85ebca77u
#define XXH_P3 0xc2b2ae3du
#define XXH_P4 0x27d4eb2fu
#define XXH_P5 0x165667b1u

static inline uint32_t rotl32(uint32_t x, unsigned r)
{
	return x << r | x >> (32 - r);
}

static inline uint32_t xxh_round(uint32_t acc, uint32_t lane)
{
	return rotl32(acc + lane * XXH_P2, 13) * XXH_P1;
}

static uint32_t xxh32(const uint8_t *p, size_t n)
{
	const uint8_t *end = p + n;
	uint32_t acc;

	if (n >= 16) {
		uint32_t v1 = XXH_P1 + XXH_P2, v2 = XXH_P2, v3 = 0,
			 v4 = 0u - XXH_P1;

		for (; end - p >= 16; p += 16) {
			v1 = xxh_round(v1, get32(p));
			v2 = xxh_round(v2, get32(p + 4));
			v3 = xxh_round(v3, get32(p + 8));
			v4 = xxh_round(v4, get32(p + 12));
		}
		acc = rotl32(v1, 1) + rotl32(v2, 7) + rotl32(v3, 12) +
		      rotl32(v4, 18);
	} else {
		acc = XXH_P5;
	}
	acc += (uint32_t)n;
	for (; end - p >= 4; p += 4)
		acc = rotl32(acc + get32(p) * XXH_P3, 17) * XXH_P4;
	for (; p < end; p++)
		acc = rotl32(acc + *p * XXH_P5, 11) * XXH_P1;
	acc ^= acc >> 15;
	acc *= XXH_P2;
	acc ^= acc >> 13;
	acc *= XXH_P3;
	acc ^= acc >> 16;
	return acc;
}

/*
 * The freestanding builds move bytes with REP MOVS inline, not through
 * memcpy: the loader links gnu-efi's memcpy, a byte loop. The hosted
 * builds (unit tests, fuzzer) call the libc memcpy, so AddressSanitizer
 * sees every copy.
 */
static inline void copy(uint8_t *dst, const uint8_t *src, size_t n)
{
#if __STDC_HOSTED__
	memcpy(dst, src, n);
#else
	copy_words(dst, src, n);
#endif
}

bool lz4_is_frame(const void *buf, size_t len)
{
	return len >= 4 && get32(buf) == LZ4_FRAME_MAGIC;
}

/* The descriptor's checks; *blockmax and *flg for the decoder. */
static int parse_header(const uint8_t *s, size_t len, uint64_t *size,
			uint32_t *blockmax, uint8_t *flg, char *why,
			size_t whylen)
{
	unsigned bmax;

	if (!lz4_is_frame(s, len)) {
		fmt_snprintf(why, whylen, "LZ4: no frame magic 0x%x",
			     LZ4_FRAME_MAGIC);
		return -1;
	}
	if (len < 6) {
		fmt_snprintf(why, whylen,
			     "LZ4: the frame header is truncated (%lu bytes)",
			     (uint64_t)len);
		return -1;
	}
	*flg = s[4];
	if ((*flg & FLG_VERSION_MASK) != FLG_VERSION_01) {
		fmt_snprintf(why, whylen, "LZ4: frame version %u, not 1",
			     (unsigned)(*flg >> 6));
		return -1;
	}
	if (*flg & FLG_RESERVED || s[5] & BD_RESERVED) {
		fmt_snprintf(why, whylen,
			     "LZ4: reserved bits set in the frame descriptor (FLG 0x%x, BD 0x%x)",
			     *flg, s[5]);
		return -1;
	}
	bmax = (s[5] >> BD_MAX_SHIFT) & 7;
	if (bmax < 4) {
		fmt_snprintf(why, whylen,
			     "LZ4: block maximum size code %u is not one of 4 to 7",
			     bmax);
		return -1;
	}
	if (*flg & FLG_DICT_ID) {
		fmt_snprintf(why, whylen,
			     "LZ4: the frame needs a dictionary (it has a dictionary ID)");
		return -1;
	}
	if (!(*flg & FLG_CONTENT_SIZE)) {
		fmt_snprintf(why, whylen,
			     "LZ4: the frame does not state its content size (compress with lz4 --content-size)");
		return -1;
	}
	if (len < HEADER_LEN) {
		fmt_snprintf(why, whylen,
			     "LZ4: the frame header is truncated (%lu bytes)",
			     (uint64_t)len);
		return -1;
	}
	*size = (uint64_t)get32(s + 6) | (uint64_t)get32(s + 10) << 32;
	/* 64 KiB, 256 KiB, 1 MiB, 4 MiB. */
	*blockmax = 1u << (2 * bmax + 8);
	return 0;
}

int lz4_frame_size(const void *src, size_t len, uint64_t *size, char *why,
		   size_t whylen)
{
	uint32_t blockmax;
	uint8_t flg;

	return parse_header(src, len, size, &blockmax, &flg, why, whylen);
}

/*
 * A token's length nibble of 15 goes on in the bytes after it, each one
 * added, up to one below 255. False if the input ends first.
 */
static bool extend_length(const uint8_t **ip, const uint8_t *iend,
			  size_t *len)
{
	uint8_t b;

	if (*len != 15)
		return true;
	do {
		if (*ip == iend)
			return false;
		b = *(*ip)++;
		*len += b;
	} while (b == 255);
	return true;
}

/*
 * One compressed block in[0, n) onto the output at *op, which may reach
 * back to base (the frame's output start, or the block's own when
 * blocks are independent) and may not pass end.
 */
static int decode_block(const uint8_t *in, size_t n, uint8_t *base,
			const char *base_name, uint8_t **op, uint8_t *end,
			uint64_t at, char *why, size_t whylen)
{
	const uint8_t *ip = in, *iend = in + n;
	uint8_t *o = *op;

	for (;;) {
		unsigned token;
		size_t lit, ml, off;

		if (ip == iend) {
			fmt_snprintf(why, whylen,
				     "LZ4: block at 0x%lx ends before its last literals",
				     at);
			return -1;
		}
		token = *ip++;
		lit = token >> 4;
		if (!extend_length(&ip, iend, &lit))
			goto truncated;
		if (lit > (size_t)(iend - ip))
			goto truncated;
		if (lit > (size_t)(end - o))
			goto past_end;
		copy(o, ip, lit);
		o += lit;
		ip += lit;
		/* The last sequence has literals only. */
		if (ip == iend)
			break;
		if (iend - ip < 2)
			goto truncated;
		off = (size_t)ip[0] | (size_t)ip[1] << 8;
		ip += 2;
		if (off == 0) {
			fmt_snprintf(why, whylen,
				     "LZ4: block at 0x%lx: a match with offset 0",
				     at);
			return -1;
		}
		if (off > (size_t)(o - base)) {
			fmt_snprintf(why, whylen,
				     "LZ4: block at 0x%lx: match offset %lu reaches before the start of %s (%lu bytes back)",
				     at, (uint64_t)off,
				     base_name,
				     (uint64_t)(o - base));
			return -1;
		}
		ml = token & 15;
		if (!extend_length(&ip, iend, &ml))
			goto truncated;
		ml += MIN_MATCH;
		if (ml > (size_t)(end - o))
			goto past_end;
		if (off >= ml) {
			copy(o, o - off, ml);
			o += ml;
		} else {
			const uint8_t *from = o - off;

			/* [from, o) repeats with period off; each copy
			 * doubles it and stays clear of its source. */
			while (ml) {
				size_t k = (size_t)(o - from);

				if (k > ml)
					k = ml;
				copy(o, from, k);
				o += k;
				ml -= k;
			}
		}
	}
	*op = o;
	return 0;
truncated:
	fmt_snprintf(why, whylen,
		     "LZ4: block at 0x%lx: a sequence runs past the end of its block",
		     at);
	return -1;
past_end:
	fmt_snprintf(why, whylen,
		     "LZ4: block at 0x%lx: output runs past the content size",
		     at);
	return -1;
}

int lz4_frame_decode(const void *src, size_t len, void *dst, uint64_t dstlen,
		     char *why, size_t whylen)
{
	const uint8_t *s = src, *p;
	uint8_t *out = dst, *o = dst, *end;
	uint64_t size;
	uint32_t blockmax;
	uint8_t flg;
	size_t left;

	if (parse_header(s, len, &size, &blockmax, &flg, why, whylen))
		return -1;
	if (size != dstlen) {
		fmt_snprintf(why, whylen,
			     "LZ4: content size %lu, but %lu bytes were given for it",
			     size, dstlen);
		return -1;
	}
	end = out + dstlen;
	p = s + HEADER_LEN;
	for (;;) {
		uint64_t at = (uint64_t)(p - s);
		uint32_t bsize, n;

		left = len - (size_t)(p - s);
		if (left < 4) {
			fmt_snprintf(why, whylen,
				     "LZ4: the frame is truncated at 0x%lx (no end mark)",
				     at);
			return -1;
		}
		bsize = get32(p);
		p += 4;
		left -= 4;
		if (!bsize)
			break;
		n = bsize & ~BLOCK_STORED;
		if (n > blockmax || n == 0) {
			fmt_snprintf(why, whylen,
				     "LZ4: block at 0x%lx: size %u, the frame's blocks are 1 to %u bytes",
				     at, n, blockmax);
			return -1;
		}
		if (n > left) {
			fmt_snprintf(why, whylen,
				     "LZ4: block at 0x%lx: %u bytes, %lu left in the file",
				     at, n, (uint64_t)left);
			return -1;
		}
		if (bsize & BLOCK_STORED) {
			if (n > (size_t)(end - o)) {
				fmt_snprintf(why, whylen,
					     "LZ4: block at 0x%lx: output past the content size %lu",
					     at, dstlen);
				return -1;
			}
			copy(o, p, n);
			o += n;
		} else if (flg & FLG_BLOCK_INDEP ?
				   decode_block(p, n, o, "its block", &o, end,
						at, why, whylen) :
				   decode_block(p, n, out, "the output", &o,
						end, at, why, whylen)) {
			return -1;
		}
		p += n;
		left -= n;
		if (flg & FLG_BLOCK_CHECKSUM) {
			if (left < 4) {
				fmt_snprintf(why, whylen,
					     "LZ4: block at 0x%lx: its checksum is truncated",
					     at);
				return -1;
			}
			p += 4;
			left -= 4;
		}
	}
	if (flg & FLG_CONTENT_CHECKSUM) {
		if (left < 4) {
			fmt_snprintf(why, whylen,
				     "LZ4: the content checksum is truncated");
			return -1;
		}
		left -= 4;
	}
	if (left) {
		fmt_snprintf(why, whylen,
			     "LZ4: %lu bytes after the end of the frame",
			     (uint64_t)left);
		return -1;
	}
	if (o != end) {
		fmt_snprintf(why, whylen,
			     "LZ4: the frame decodes to %lu bytes, its content size is %lu",
			     (uint64_t)(o - out), dstlen);
		return -1;
	}
	/* The one check of the content itself: a flipped bit in a
	 * literal decodes as well as the right one. p is at the checksum. */
	if (flg & FLG_CONTENT_CHECKSUM) {
		uint32_t want = get32(p), got = xxh32(out, dstlen);

		if (got != want) {
			fmt_snprintf(why, whylen,
				     "LZ4: content checksum 0x%x, the frame says 0x%x",
				     got, want);
			return -1;
		}
	}
	return 0;
}
