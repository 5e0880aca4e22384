// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for lib/multiboot.c. Every input goes through
 * mb_parse(); an accepted image is checked against what the parser
 * promises (segments inside the file and below 4 GiB, no overlaps, the
 * entry inside a segment), then loaded into a RAM of exactly its end and
 * given the boot information there, as hv does for a pc partition. ASan
 * catches any byte written outside that RAM.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/multiboot.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

/* Images ending above this are checked but not loaded: offsets into a
 * large RAM take the same paths as into a small one. */
#define LOAD_MAX (4ull << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mb_image img;
	struct mb_placed placed;
	char why[200];
	bool entry_in = false;
	uint64_t ram_size;
	uint8_t *ram;
	struct mb_boot boot = {
		.cmdline = "hv/pc/fuzz.elf x=1",
		.loader_name = "hv",
		.module_count = 1,
		.modules = { { data, size < 64 ? size : 64, "module" } },
	};

	if (mb_parse(data, size, &img, why, sizeof(why))) {
		CHECK(why[0]);
		return 0;
	}
	CHECK(img.segment_count > 0 && img.segment_count <= MB_MAX_SEGMENTS);
	for (uint32_t i = 0; i < img.segment_count; i++) {
		const struct mb_segment *s = &img.segments[i];

		CHECK(s->offset <= size && s->filesz <= size - s->offset);
		CHECK(s->filesz <= s->memsz && s->memsz);
		CHECK(s->addr < MB_ADDR_LIMIT && s->memsz <= MB_ADDR_LIMIT - s->addr);
		CHECK(s->addr >= img.lo && s->addr + s->memsz <= img.hi);
		for (uint32_t j = 0; j < i; j++) {
			const struct mb_segment *o = &img.segments[j];

			CHECK(s->addr >= o->addr + o->memsz ||
			      o->addr >= s->addr + s->memsz);
		}
		if (img.entry >= s->addr && img.entry - s->addr < s->memsz)
			entry_in = true;
	}
	CHECK(entry_in);
	if (img.hi > LOAD_MAX)
		return 0;
	/* Room for the information and the module above the image. */
	ram_size = ((img.hi + 4095) & ~4095ull) + 3 * 4096;
	ram = malloc(ram_size);
	CHECK(ram);
	boot.ram_size = ram_size;
	mb_load(data, size, &img, ram);
	if (!mb_build_info(ram, &img, &boot, &placed, why, sizeof(why))) {
		const struct mb_info *mi;

		CHECK(placed.info >= 4096 && placed.info + 4096 <= ram_size);
		for (uint32_t i = 0; i < img.segment_count; i++)
			CHECK(placed.info + 4096 <= img.segments[i].addr ||
			      placed.info >= img.segments[i].addr +
						     img.segments[i].memsz);
		mi = (const struct mb_info *)(ram + placed.info);
		CHECK(mi->cmdline >= placed.info &&
		      mi->cmdline < placed.info + 4096);
		CHECK(mi->mods_count == 1);
	}
	free(ram);
	return 0;
}
