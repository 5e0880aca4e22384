/* SPDX-License-Identifier: MIT */
/*
 * A recorded VMCS: the capabilities of the CPU it was made on, the value
 * of every field the checker reads that the VMCS had, and a few words of
 * memory the VMCS points to. The checker reads it through the same
 * accessor as a live VMCS (vmcheck_image_vmcs).
 *
 * Its text form, which hv prints under `entry_record = yes` and the unit
 * tests and the fuzz target read (docs/vmcheck.md):
 *
 *   vmcheck-image 1
 *   caps basic=da0400000004 pin=7f00000016 ... current_vmcs=3f7fe000
 *   fields 4000=3f 4002=b5a06dfa ...
 *   mem 3f7fe000=12
 *   end
 *
 * Numbers are hexadecimal without 0x; field encodings are those of the
 * SDM. Any number of "fields" and "mem" lines; every other line, a
 * missing "end", an unknown key or field, or a field given twice is an
 * error.
 */
#ifndef ARCH_X86_VMCHECK_IMAGE_H
#define ARCH_X86_VMCHECK_IMAGE_H

#include <stddef.h>

#include "arch/x86/vmcheck.h"

#define VMCHECK_IMAGE_FIELDS 160 /* at least vmcheck_field_count() */
#define VMCHECK_IMAGE_MEM 8

struct vmcheck_image {
	struct vmcheck_caps caps;
	uint64_t values[VMCHECK_IMAGE_FIELDS]; /* by vmcheck_field_index */
	uint8_t present[VMCHECK_IMAGE_FIELDS];
	unsigned mem_count;
	struct {
		uint64_t pa, value;
	} mem[VMCHECK_IMAGE_MEM];
};

/* An accessor that reads img (which must outlive it). */
void vmcheck_image_vmcs(struct vmcheck_image *img, struct vmcheck_vmcs *out);

/* A field's value, false if the image lacks it; set adds or replaces
 * it, false for a field the checker does not read; clear removes it. */
bool vmcheck_image_get(const struct vmcheck_image *img, uint32_t field,
		       uint64_t *value);
bool vmcheck_image_set(struct vmcheck_image *img, uint32_t field,
		       uint64_t value);
void vmcheck_image_clear(struct vmcheck_image *img, uint32_t field);
/* Adds or replaces 8 bytes of memory at pa; false when full. */
bool vmcheck_image_set_mem(struct vmcheck_image *img, uint64_t pa,
			   uint64_t value);

/*
 * Parses the text form. 0 on success; otherwise -1, with err (errlen
 * bytes) saying which line and what is wrong.
 */
int vmcheck_image_parse(const char *text, size_t len,
			struct vmcheck_image *img, char *err, size_t errlen);

/* Hands line each line of the text form of img, without a newline. */
void vmcheck_image_format(const struct vmcheck_image *img,
			  void (*line)(void *ctx, const char *text), void *ctx);

#endif
