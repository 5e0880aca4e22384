/* SPDX-License-Identifier: MIT */
/*
 * How the image loaders (lib/elf.c, lib/multiboot.c, lib/linuxboot.c) put
 * an image's bytes into the memory it is loaded into: load_copy for the
 * file's contents, load_zero for what the image needs zeroed (bss, and
 * the rest of a span). lib/load.c copies and zeroes at once, for the UEFI
 * loader and the unit tests; hv links its own (hv/load.c), which leaves a
 * partition's large copies for later calls in bounded steps and skips
 * zeroing the RAM its pool handed out zero.
 */
#ifndef LIB_LOAD_H
#define LIB_LOAD_H

#include <stdint.h>

void load_copy(void *dst, const void *src, uint64_t n);
void load_zero(void *dst, uint64_t n);

#endif
