/* SPDX-License-Identifier: MIT */
/*
 * Checking, loading and relocating ELF64 x86-64 images: the hv core (a
 * static PIE linked at 0) and guest kernels. elf_check() treats the file as
 * hostile; the other functions trust only what elf_check() accepted.
 */
#ifndef LIB_ELF_H
#define LIB_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_ET_EXEC 2
#define ELF_ET_DYN 3

#define ELF_PF_X 1u
#define ELF_PF_W 2u
#define ELF_PF_R 4u

/* Limits that refuse absurd images before they cost memory or time. */
#define ELF_MAX_SPAN (1ull << 30)
#define ELF_MAX_LOADS 32

struct elf_info {
	uint64_t entry; /* e_entry, link-time address */
	uint64_t min_vaddr; /* lowest PT_LOAD p_vaddr, rounded down to 4 KiB */
	uint64_t max_vaddr; /* end of highest PT_LOAD, rounded up to 4 KiB */
	uint16_t type; /* ELF_ET_EXEC or ELF_ET_DYN */
	uint16_t load_count; /* number of PT_LOAD segments with p_memsz > 0 */
};

/*
 * Returns 0 if the image is acceptable, else -1 with a short reason in why.
 * A PT_LOAD with p_memsz 0 is ignored here and by every function below.
 */
int elf_check(const void *file, uint64_t len, struct elf_info *info,
	      char *why, size_t whylen);

/*
 * Copies each PT_LOAD to dest + (p_vaddr - info->min_vaddr) and zeroes the
 * rest of [min_vaddr, max_vaddr). dest must hold max_vaddr - min_vaddr
 * bytes. Call only after elf_check() succeeded on the same file.
 */
void elf_load(const void *file, uint64_t len, const struct elf_info *info,
	      void *dest);

/*
 * Applies the relative relocations of a loaded ET_DYN image, R_X86_64_RELATIVE
 * in DT_RELA and packed ones in DT_RELR, so that it runs at load_addr, the
 * address where min_vaddr now lives. Call it once on what elf_load() wrote:
 * a RELR relocation adds to the word in place. Does nothing for ET_EXEC.
 * Returns 0, or -1 with a reason in why.
 */
int elf_relocate(const void *file, uint64_t len, const struct elf_info *info,
		 void *dest, uint64_t load_addr, char *why, size_t whylen);

/* Called for each PT_LOAD with its link address, size and ELF_PF_* flags. */
typedef void (*elf_segment_fn)(uint64_t vaddr, uint64_t memsz, uint32_t pflags,
			       void *ctx);
void elf_for_each_segment(const void *file, uint64_t len, elf_segment_fn fn,
			  void *ctx);

#endif
