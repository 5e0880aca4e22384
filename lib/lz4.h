/* SPDX-License-Identifier: MIT */
/*
 * Decoding LZ4 frames (the format `lz4` writes): the loader takes a
 * compressed kernel image and inflates it before its usual checks, since
 * reading a third of the bytes from the ESP is what saves boot time in an
 * emulator. The stream is hostile: every length and offset is checked
 * against the input and the output, and a refusal says why.
 *
 * Only frames that state their content size are taken (lz4
 * --content-size), so the caller can allocate the output before decoding
 * and the decoder can refuse output past it. The content checksum, when
 * the frame has one (lz4 writes it by default), is checked; the header's
 * and the blocks' are skipped. A frame with a dictionary ID is refused.
 */
#ifndef LIB_LZ4_H
#define LIB_LZ4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LZ4_FRAME_MAGIC 0x184d2204u

/* Whether buf starts with the frame magic (so it is meant as LZ4). */
bool lz4_is_frame(const void *buf, size_t len);

/*
 * Reads the frame header: its content size in *size. Returns 0, or -1
 * with the reason in why.
 */
int lz4_frame_size(const void *src, size_t len, uint64_t *size, char *why,
		   size_t whylen);

/*
 * Decodes the frame src[0, len) into dst, which holds dstlen bytes: the
 * content size lz4_frame_size() gave, which the output must fill
 * exactly. Returns 0, or -1 with the reason in why; on a refusal dst may
 * hold part of the output but nothing past dstlen was written.
 */
int lz4_frame_decode(const void *src, size_t len, void *dst, uint64_t dstlen,
		     char *why, size_t whylen);

#endif
