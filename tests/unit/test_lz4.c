// SPDX-License-Identifier: MIT
/*
 * Tests of lib/lz4.c: round trips through the real lz4 command (run at
 * test time, on inputs made here: incompressible bytes, runs, short
 * repeating patterns that make overlapping matches, text), with the
 * block sizes, linked blocks and checksums lz4 can write; every
 * truncation and many byte flips of a real frame, which must never write
 * past the output (AddressSanitizer watches: buffers are exact); the
 * content checksum; and hand-built frames for each refusal.
 */
#include "tests/unit/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lz4.h"

static char tmpdir[] = "/tmp/test_lz4.XXXXXX";

static int setup_dir(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) ? -1 : 0;
}

/* in compressed by `lz4 opts`; fails the test when lz4 cannot run. */
static uint8_t *lz4_cli(const uint8_t *in, size_t n, const char *opts,
			size_t *outlen)
{
	char src[300], dst[300], cmd[800];
	FILE *f;
	uint8_t *out;
	long len;

	snprintf(src, sizeof(src), "%s/in", tmpdir);
	snprintf(dst, sizeof(dst), "%s/in.lz4", tmpdir);
	f = fopen(src, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(in, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), "lz4 -q -f %s '%s' '%s'", opts, src, dst);
	if (system(cmd)) {
		fail_msg("'%s' failed: the lz4 command (Debian package lz4) is needed",
			 cmd);
	}
	f = fopen(dst, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len > 0);
	rewind(f);
	out = malloc((size_t)len);
	assert_non_null(out);
	assert_int_equal(fread(out, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*outlen = (size_t)len;
	return out;
}

/* Decodes frame into an exact buffer and compares it with want. */
static void expect_round_trip(const uint8_t *frame, size_t flen,
			      const uint8_t *want, size_t n)
{
	char why[200] = "";
	uint64_t size = 0;
	uint8_t *out;

	assert_int_equal(lz4_frame_size(frame, flen, &size, why, sizeof(why)),
			 0);
	assert_int_equal(size, n);
	out = malloc(n ? n : 1);
	assert_non_null(out);
	if (lz4_frame_decode(frame, flen, out, n, why, sizeof(why)))
		fail_msg("refused: %s", why);
	assert_memory_equal(out, want, n);
	free(out);
}

/* Inputs: the kinds of data whose matches take each path of the copy. */
enum kind { RANDOM, RUNS, PATTERNS, TEXT, MIXED };

static uint8_t *make_input(enum kind k, size_t n, uint64_t seed)
{
	static const char *words[] = { "partition ", "vmlinux ", "hv: ",
				       "the ", "loader ", "0x1000850 ",
				       "\n", "initrd " };
	uint8_t *b = malloc(n ? n : 1);
	uint64_t st = seed;
	size_t i = 0;

	assert_non_null(b);
	while (i < n) {
		uint32_t r = unit_rand(&st);
		enum kind kk = k == MIXED ? (enum kind)(r % 4) : k;
		size_t len = 1 + (r >> 8) % 300, j;

		if (len > n - i)
			len = n - i;
		switch (kk) {
		case RANDOM:
			for (j = 0; j < len; j++)
				b[i + j] = (uint8_t)unit_rand(&st);
			break;
		case RUNS:
			memset(b + i, (int)(r >> 24), len);
			break;
		case PATTERNS: {
			/* Periods 1 to 19: offsets below the match length. */
			size_t period = 1 + (r >> 4) % 19;

			for (j = 0; j < len; j++)
				b[i + j] = (uint8_t)('a' + (j % period) * 3 +
						     (r & 1));
			break;
		}
		default:
			for (j = 0; j < len; j++) {
				const char *w = words[(r + j / 7) % 8];

				b[i + j] = (uint8_t)w[j % strlen(w)];
			}
			break;
		}
		i += len;
	}
	return b;
}

static void round_trip(enum kind k, size_t n, const char *opts)
{
	uint8_t *in = make_input(k, n, 0x1234 + n + k), *frame;
	size_t flen;

	frame = lz4_cli(in, n, opts, &flen);
	expect_round_trip(frame, flen, in, n);
	free(frame);
	free(in);
}

static void test_round_trips(void **state)
{
	static const char *opts[] = {
		"-9 --content-size", /* as make linux */
		"-1 --content-size",
		"-9 --content-size -B4", /* 64 KiB blocks: many of them */
		"-9 --content-size -B4 -BD", /* linked blocks */
		"-9 --content-size -B5 -BX --no-frame-crc", /* block checksums */
	};
	/* Not 0: lz4 leaves the content size out of an empty file's frame
	 * (test_hand_built has one). */
	static const size_t sizes[] = { 1, 13, 4096, 70000, 300000 };

	(void)state;
	for (size_t o = 0; o < sizeof(opts) / sizeof(opts[0]); o++)
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			for (int k = RANDOM; k <= MIXED; k++)
				round_trip((enum kind)k, sizes[s], opts[o]);
}

/* Linked 64 KiB blocks whose matches reach into the block before. */
static void test_linked_blocks_reach_back(void **state)
{
	size_t n = 4 * 65536, flen;
	uint8_t *in = make_input(RANDOM, 60000, 7), *full, *frame;
	char why[200];
	uint8_t *out;

	(void)state;
	full = malloc(n);
	assert_non_null(full);
	/* A period under the largest offset, 65535. */
	for (size_t i = 0; i < n; i += 60000)
		memcpy(full + i, in, n - i < 60000 ? n - i : 60000);
	frame = lz4_cli(full, n, "-9 --content-size -B4 -BD", &flen);
	/* Random bytes repeated: only matches back across blocks make the
	 * frame small, so this checks they are taken. */
	assert_true(flen < n / 2);
	expect_round_trip(frame, flen, full, n);
	/* Marked independent, the same blocks reach before their start. */
	frame[4] |= 0x20;
	out = malloc(n);
	assert_non_null(out);
	assert_int_equal(lz4_frame_decode(frame, flen, out, n, why,
					  sizeof(why)),
			 -1);
	assert_non_null(strstr(why, "before the start of its block"));
	free(out);
	free(frame);
	free(full);
	free(in);
}

/* A frame lz4 made, cut at every length: each one refused. */
static void test_truncated(void **state)
{
	size_t n = 20000, flen;
	uint8_t *in = make_input(MIXED, n, 99), *frame, *out;
	char why[200];
	uint64_t size;

	(void)state;
	frame = lz4_cli(in, n, "-9 --content-size -B4 -BX", &flen);
	out = malloc(n);
	assert_non_null(out);
	for (size_t cut = 0; cut < flen; cut++) {
		uint8_t *part = unit_dup(frame, cut);

		why[0] = 0;
		if (lz4_frame_size(part, cut, &size, why, sizeof(why)) == 0)
			assert_int_equal(lz4_frame_decode(part, cut, out, n,
							  why, sizeof(why)),
					 -1);
		assert_true(strncmp(why, "LZ4: ", 5) == 0);
		free(part);
	}
	free(out);
	free(frame);
	free(in);
}

/* Flipped bytes: refused or decoded, never past the buffers. */
static void test_corrupt_never_overruns(void **state)
{
	size_t n = 30000, flen;
	uint8_t *in = make_input(MIXED, n, 5), *frame, *out;
	uint64_t st = 42, size;
	char why[200];

	(void)state;
	frame = lz4_cli(in, n, "-9 --content-size -B4", &flen);
	out = malloc(n);
	assert_non_null(out);
	for (int t = 0; t < 3000; t++) {
		uint8_t *bad = unit_dup(frame, flen);
		size_t at = 15 + unit_rand(&st) % (flen - 15);

		bad[at] ^= (uint8_t)(1 + unit_rand(&st) % 255);
		if (!lz4_frame_size(bad, flen, &size, why, sizeof(why)))
			(void)lz4_frame_decode(bad, flen, out, n, why,
					       sizeof(why));
		free(bad);
	}
	free(out);
	free(frame);
	free(in);
}

/*
 * A hand-built frame: FLG version 1, independent blocks, content size;
 * BD 4 MiB blocks; the header checksum, which is not checked, 0; then
 * one compressed block and the end mark.
 */
static size_t make_frame(uint8_t *f, uint8_t flg, uint64_t size,
			 const uint8_t *block, uint32_t blen)
{
	size_t n = 0;

	f[n++] = 0x04;
	f[n++] = 0x22;
	f[n++] = 0x4d;
	f[n++] = 0x18;
	f[n++] = flg;
	f[n++] = 0x70;
	for (int i = 0; i < 8; i++)
		f[n++] = (uint8_t)(size >> (8 * i));
	f[n++] = 0;
	for (int i = 0; i < 4; i++)
		f[n++] = (uint8_t)(blen >> (8 * i));
	if (blen)
		memcpy(f + n, block, blen);
	n += blen;
	memset(f + n, 0, 4);
	return n + 4;
}

static void expect_refused(const uint8_t *f, size_t n, uint64_t dstlen,
			   const char *reason)
{
	uint8_t *out = malloc(dstlen ? dstlen : 1);
	char why[200] = "";

	assert_non_null(out);
	assert_int_equal(lz4_frame_decode(f, n, out, dstlen, why, sizeof(why)),
			 -1);
	if (!strstr(why, reason))
		fail_msg("refused with '%s', expected '%s'", why, reason);
	free(out);
}

static void test_hand_built(void **state)
{
	/* "abcd", then 6 bytes from offset 2 (overlapping), then "wxyzv". */
	static const uint8_t good[] = { 0x42, 'a', 'b', 'c', 'd', 2, 0,
					0x50, 'w', 'x', 'y', 'z', 'v' };
	static const uint8_t before[] = { 0x10, 'a', 2, 0, 0x00 };
	static const uint8_t zero_off[] = { 0x10, 'a', 0, 0, 0x00 };
	static const uint8_t no_last[] = { 0x40, 'a', 'b', 'c', 'd', 4, 0 };
	static const uint8_t lit_past[] = { 0x50, 'a', 'b' };
	static const uint8_t ext_cut[] = { 0xf0, 0xff };
	uint8_t f[64], out[15];
	char why[200];
	size_t n;

	(void)state;
	n = make_frame(f, 0x68, 15, good, sizeof(good));
	assert_int_equal(lz4_frame_decode(f, n, out, 15, why, sizeof(why)), 0);
	assert_memory_equal(out, "abcdcdcdcdwxyzv", 15);

	/* Content size: stated but not matching what decodes or is given. */
	n = make_frame(f, 0x68, 16, good, sizeof(good));
	expect_refused(f, n, 16, "decodes to 15 bytes, its content size is 16");
	n = make_frame(f, 0x68, 14, good, sizeof(good));
	expect_refused(f, n, 14, "output runs past the content size");
	n = make_frame(f, 0x68, 15, good, sizeof(good));
	expect_refused(f, n, 14, "content size 15, but 14 bytes");

	n = make_frame(f, 0x68, 5, before, sizeof(before));
	expect_refused(f, n, 5, "reaches before the start of its block");
	n = make_frame(f, 0x48, 5, before, sizeof(before));
	expect_refused(f, n, 5, "reaches before the start of the output");
	/* Empty content: no block, the end mark only. */
	n = make_frame(f, 0x68, 0, NULL, 0) - 4;
	assert_int_equal(lz4_frame_decode(f, n, out, 0, why, sizeof(why)), 0);
	n = make_frame(f, 0x68, 5, zero_off, sizeof(zero_off));
	expect_refused(f, n, 5, "offset 0");
	n = make_frame(f, 0x68, 8, no_last, sizeof(no_last));
	expect_refused(f, n, 8, "ends before its last literals");
	n = make_frame(f, 0x68, 5, lit_past, sizeof(lit_past));
	expect_refused(f, n, 5, "runs past the end of its block");
	n = make_frame(f, 0x68, 300, ext_cut, sizeof(ext_cut));
	expect_refused(f, n, 300, "runs past the end of its block");

	/* A stored block (high bit) longer than the content size. */
	n = make_frame(f, 0x68, 3, (const uint8_t *)"abcd", 4);
	f[18] |= 0x80;
	expect_refused(f, n, 3, "output past the content size");
	/* A block size over the frame's maximum. */
	n = make_frame(f, 0x68, 15, good, sizeof(good));
	f[17] = 0x50;
	expect_refused(f, n, 15, "the frame's blocks are 1 to");
	/* Bytes after the end mark. */
	n = make_frame(f, 0x68, 15, good, sizeof(good));
	f[n++] = 0;
	expect_refused(f, n, 15, "bytes after the end of the frame");

	/* The descriptor. */
	n = make_frame(f, 0x60, 15, good, sizeof(good));
	expect_refused(f, n, 15, "does not state its content size");
	n = make_frame(f, 0x69, 15, good, sizeof(good));
	expect_refused(f, n, 15, "dictionary");
	n = make_frame(f, 0xa8, 15, good, sizeof(good));
	expect_refused(f, n, 15, "frame version 2");
	n = make_frame(f, 0x6a, 15, good, sizeof(good));
	expect_refused(f, n, 15, "reserved bits");
	n = make_frame(f, 0x68, 15, good, sizeof(good));
	f[5] = 0x30;
	expect_refused(f, n, 15, "block maximum size code 3");
	n = make_frame(f, 0x68, 15, good, sizeof(good));
	f[0] = 0x05;
	assert_false(lz4_is_frame(f, n));
	expect_refused(f, n, 15, "no frame magic");
	assert_false(lz4_is_frame(f, 3));
}

/* A flipped literal decodes: the content checksum refuses it, and only
 * a frame without one is taken. */
static void test_content_checksum(void **state)
{
	uint8_t *in = make_input(RANDOM, 5000, 11), *frame, *out;
	char why[200];
	size_t flen;

	(void)state;
	out = malloc(5000);
	assert_non_null(out);
	frame = lz4_cli(in, 5000, "-9 --content-size", &flen);
	assert_true(frame[4] & 0x04);
	frame[15 + 4 + 2000] ^= 0x10;
	expect_refused(frame, flen, 5000, "LZ4: content checksum 0x");
	free(frame);
	frame = lz4_cli(in, 5000, "-9 --content-size --no-frame-crc", &flen);
	assert_false(frame[4] & 0x04);
	frame[15 + 4 + 2000] ^= 0x10;
	assert_int_equal(lz4_frame_decode(frame, flen, out, 5000, why,
					  sizeof(why)),
			 0);
	assert_memory_not_equal(out, in, 5000);
	free(frame);
	free(out);
	free(in);
}

/* What lz4 writes without --content-size is refused, by that reason. */
static void test_cli_without_content_size(void **state)
{
	uint8_t *in = make_input(TEXT, 5000, 3), *frame;
	char why[200];
	uint64_t size;
	size_t flen;

	(void)state;
	frame = lz4_cli(in, 5000, "-9", &flen);
	assert_true(lz4_is_frame(frame, flen));
	assert_int_equal(lz4_frame_size(frame, flen, &size, why, sizeof(why)),
			 -1);
	assert_non_null(strstr(why, "--content-size"));
	free(frame);
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_linked_blocks_reach_back),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupt_never_overruns),
		cmocka_unit_test(test_hand_built),
		cmocka_unit_test(test_content_checksum),
		cmocka_unit_test(test_cli_without_content_size),
	};

	return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
