// SPDX-License-Identifier: MIT
/*
 * ELF64 checks, loading and relocation. Structure layouts and constants are
 * those of the System V ABI ("ELF-64 Object File Format") and its x86-64
 * supplement.
 *
 * Every header is copied out of the file with memcpy before use: the file
 * buffer need not be aligned, and a copied value cannot change between the
 * check and the use.
 */
#include "lib/elf.h"

#include "lib/fmt.h"
#include "lib/load.h"
#include "lib/string.h"

#define PAGE_SIZE 4096ull

#define EI_NIDENT 16
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define EM_X86_64 62

#define PT_LOAD 1
#define PT_DYNAMIC 2

#define DT_NULL 0
#define DT_PLTRELSZ 2
#define DT_RELA 7
#define DT_RELASZ 8
#define DT_RELAENT 9
#define DT_REL 17
#define DT_RELSZ 18
#define DT_RELRSZ 35
#define DT_RELR 36
#define DT_RELRENT 37

#define R_X86_64_NONE 0
#define R_X86_64_RELATIVE 8

struct elf64_ehdr {
	unsigned char e_ident[EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};

struct elf64_dyn {
	int64_t d_tag;
	uint64_t d_val;
};

struct elf64_rela {
	uint64_t r_offset;
	uint64_t r_info;
	int64_t r_addend;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header layout");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 phdr layout");
_Static_assert(sizeof(struct elf64_dyn) == 16, "ELF64 dyn layout");
_Static_assert(sizeof(struct elf64_rela) == 24, "ELF64 rela layout");

/* True if [off, off + size) lies inside [0, len), without overflow. */
static bool in_range(uint64_t off, uint64_t size, uint64_t len)
{
	return off <= len && size <= len - off;
}

static void fail(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || !whylen)
		return;
	va_start(ap, fmt);
	fmt_vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/*
 * The program header at index i. Only for files whose header passed
 * check_ehdr(), which proved the whole table lies inside the file.
 */
static void read_phdr(const void *file, const struct elf64_ehdr *eh,
		      unsigned int i, struct elf64_phdr *ph)
{
	memcpy(ph, (const char *)file + eh->e_phoff +
			   (uint64_t)i * sizeof(*ph),
	       sizeof(*ph));
}

static int check_ehdr(const void *file, uint64_t len, struct elf64_ehdr *eh,
		      char *why, size_t whylen)
{
	static const unsigned char magic[4] = { 0x7f, 'E', 'L', 'F' };

	if (!file || len < 4 || memcmp(file, magic, 4)) {
		fail(why, whylen, "not an ELF file (bad magic)");
		return -1;
	}
	if (len < sizeof(*eh)) {
		fail(why, whylen, "file too short for an ELF header (%llu bytes)",
		     (unsigned long long)len);
		return -1;
	}
	memcpy(eh, file, sizeof(*eh));
	if (eh->e_ident[EI_CLASS] != ELFCLASS64) {
		fail(why, whylen, "not ELF64");
		return -1;
	}
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB) {
		fail(why, whylen, "not little endian");
		return -1;
	}
	if (eh->e_ident[EI_VERSION] != EV_CURRENT ||
	    eh->e_version != EV_CURRENT) {
		fail(why, whylen, "unknown ELF version");
		return -1;
	}
	if (eh->e_machine != EM_X86_64) {
		fail(why, whylen, "not x86-64 (e_machine=%u)", eh->e_machine);
		return -1;
	}
	if (eh->e_type != ELF_ET_EXEC && eh->e_type != ELF_ET_DYN) {
		fail(why, whylen, "not an executable (e_type=%u)", eh->e_type);
		return -1;
	}
	if (eh->e_phentsize != sizeof(struct elf64_phdr)) {
		fail(why, whylen, "unexpected program header size %u",
		     eh->e_phentsize);
		return -1;
	}
	if (!in_range(eh->e_phoff,
		      (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr), len)) {
		fail(why, whylen, "program headers outside the file");
		return -1;
	}
	return 0;
}

struct load_range {
	uint64_t start, end;
	unsigned int index;
};

static int check_load(const struct elf64_phdr *ph, unsigned int i,
		      uint64_t len, char *why, size_t whylen)
{
	if (ph->p_filesz > ph->p_memsz) {
		fail(why, whylen, "segment %u: p_filesz larger than p_memsz",
		     i);
		return -1;
	}
	if (!in_range(ph->p_offset, ph->p_filesz, len)) {
		fail(why, whylen, "segment %u extends past the end of the file",
		     i);
		return -1;
	}
	/* Leave room to round the end up to a page without wrapping. */
	if (ph->p_vaddr > UINT64_MAX - (PAGE_SIZE - 1) ||
	    ph->p_memsz > UINT64_MAX - (PAGE_SIZE - 1) - ph->p_vaddr) {
		fail(why, whylen, "segment %u: address range wraps around", i);
		return -1;
	}
	/* Otherwise a page cannot map both the file data and the address. */
	if (ph->p_vaddr % PAGE_SIZE != ph->p_offset % PAGE_SIZE) {
		fail(why, whylen,
		     "segment %u: p_vaddr and p_offset differ modulo 4096", i);
		return -1;
	}
	return 0;
}

int elf_check(const void *file, uint64_t len, struct elf_info *info,
	      char *why, size_t whylen)
{
	struct load_range loads[ELF_MAX_LOADS];
	struct elf64_ehdr eh;
	unsigned int i, j, n = 0;
	uint64_t lo = UINT64_MAX, hi = 0;
	bool entry_ok = false;

	if (check_ehdr(file, len, &eh, why, whylen))
		return -1;

	for (i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;

		read_phdr(file, &eh, i, &ph);
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		if (check_load(&ph, i, len, why, whylen))
			return -1;
		if (n == ELF_MAX_LOADS) {
			fail(why, whylen, "more than %u loadable segments",
			     ELF_MAX_LOADS);
			return -1;
		}
		loads[n].start = ph.p_vaddr;
		loads[n].end = ph.p_vaddr + ph.p_memsz;
		loads[n].index = i;
		for (j = 0; j < n; j++) {
			if (loads[n].start < loads[j].end &&
			    loads[j].start < loads[n].end) {
				fail(why, whylen, "segments %u and %u overlap",
				     loads[j].index, i);
				return -1;
			}
		}
		n++;
		if (ph.p_vaddr < lo)
			lo = ph.p_vaddr;
		if (ph.p_vaddr + ph.p_memsz > hi)
			hi = ph.p_vaddr + ph.p_memsz;
		if ((ph.p_flags & ELF_PF_X) && eh.e_entry >= ph.p_vaddr &&
		    eh.e_entry - ph.p_vaddr < ph.p_memsz)
			entry_ok = true;
	}
	if (!n) {
		fail(why, whylen, "no loadable segments");
		return -1;
	}
	lo &= ~(PAGE_SIZE - 1);
	hi = (hi + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (hi - lo > ELF_MAX_SPAN) {
		fail(why, whylen, "segments span 0x%llx bytes, more than 0x%llx",
		     (unsigned long long)(hi - lo),
		     (unsigned long long)ELF_MAX_SPAN);
		return -1;
	}
	if (!entry_ok) {
		fail(why, whylen, "entry point outside the loaded segments");
		return -1;
	}
	if (info) {
		info->entry = eh.e_entry;
		info->min_vaddr = lo;
		info->max_vaddr = hi;
		info->type = eh.e_type;
		info->load_count = (uint16_t)n;
	}
	return 0;
}

void elf_load(const void *file, uint64_t len, const struct elf_info *info,
	      void *dest)
{
	struct elf64_ehdr eh;
	unsigned int i;

	/* Zero first: gaps between segments and each segment's bss. */
	load_zero(dest, info->max_vaddr - info->min_vaddr);
	if (check_ehdr(file, len, &eh, NULL, 0))
		return;
	for (i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;

		read_phdr(file, &eh, i, &ph);
		if (ph.p_type != PT_LOAD || !ph.p_memsz || !ph.p_filesz)
			continue;
		load_copy((char *)dest + (ph.p_vaddr - info->min_vaddr),
			  (const char *)file + ph.p_offset, ph.p_filesz);
	}
}

/*
 * Translates the link address range [vaddr, vaddr + size) to a file offset
 * through the PT_LOAD that holds it in its file-backed part.
 */
static int vaddr_to_offset(const void *file, const struct elf64_ehdr *eh,
			   uint64_t vaddr, uint64_t size, uint64_t *off)
{
	unsigned int i;

	for (i = 0; i < eh->e_phnum; i++) {
		struct elf64_phdr ph;

		read_phdr(file, eh, i, &ph);
		if (ph.p_type != PT_LOAD || vaddr < ph.p_vaddr)
			continue;
		if (!in_range(vaddr - ph.p_vaddr, size, ph.p_filesz))
			continue;
		*off = ph.p_offset + (vaddr - ph.p_vaddr);
		return 0;
	}
	return -1;
}

struct dyn_info {
	uint64_t rela, relasz, relaent;
	uint64_t relr, relrsz, relrent;
	bool has_rela, has_rel, has_relr, has_plt;
};

static int read_dynamic(const void *file, uint64_t len,
			const struct elf64_ehdr *eh, struct dyn_info *d,
			char *why, size_t whylen)
{
	struct elf64_phdr ph;
	unsigned int i;
	uint64_t k;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < eh->e_phnum; i++) {
		read_phdr(file, eh, i, &ph);
		if (ph.p_type == PT_DYNAMIC)
			break;
	}
	if (i == eh->e_phnum)
		return 0; /* no dynamic section: nothing to relocate */
	if (!in_range(ph.p_offset, ph.p_filesz, len)) {
		fail(why, whylen, "dynamic section outside the file");
		return -1;
	}
	for (k = 0; k + sizeof(struct elf64_dyn) <= ph.p_filesz;
	     k += sizeof(struct elf64_dyn)) {
		struct elf64_dyn dyn;

		memcpy(&dyn, (const char *)file + ph.p_offset + k, sizeof(dyn));
		switch (dyn.d_tag) {
		case DT_NULL:
			return 0;
		case DT_RELA:
			d->rela = dyn.d_val;
			d->has_rela = true;
			break;
		case DT_RELASZ:
			d->relasz = dyn.d_val;
			break;
		case DT_RELAENT:
			d->relaent = dyn.d_val;
			break;
		case DT_REL:
		case DT_RELSZ:
			d->has_rel |= dyn.d_val != 0;
			break;
		case DT_RELR:
			d->relr = dyn.d_val;
			d->has_relr = true;
			break;
		case DT_RELRSZ:
			d->relrsz = dyn.d_val;
			break;
		case DT_RELRENT:
			d->relrent = dyn.d_val;
			break;
		case DT_PLTRELSZ:
			d->has_plt |= dyn.d_val != 0;
			break;
		}
	}
	fail(why, whylen, "dynamic section has no DT_NULL terminator");
	return -1;
}

/*
 * One relative relocation at link address at, whose target must lie
 * wholly inside the image: the 8 bytes there become val, or with
 * implicit (RELR's, whose addend is the word in place) the word plus val.
 */
static int relocate_at(const struct elf_info *info, void *dest, uint64_t at,
		       uint64_t val, bool implicit, char *why, size_t whylen)
{
	char *where;
	uint64_t old;

	if (at < info->min_vaddr ||
	    !in_range(at - info->min_vaddr, sizeof(val),
		      info->max_vaddr - info->min_vaddr)) {
		fail(why, whylen, "relocation target 0x%llx outside the image",
		     (unsigned long long)at);
		return -1;
	}
	where = (char *)dest + (at - info->min_vaddr);
	if (implicit) {
		memcpy(&old, where, sizeof(old));
		val += old;
	}
	memcpy(where, &val, sizeof(val));
	return 0;
}

/* A relocation table of size bytes at link address vaddr, of entries of
 * want bytes (DT_*ENT says ent): its offset in the file, where it must lie
 * wholly in a segment's file-backed part. */
static int find_table(const void *file, uint64_t len,
		      const struct elf64_ehdr *eh, uint64_t vaddr, uint64_t size,
		      uint64_t ent, uint64_t want, const char *kind,
		      uint64_t *off, char *why, size_t whylen)
{
	if (ent != want || size % want) {
		fail(why, whylen, "bad DT_%sENT %llu or DT_%sSZ %llu", kind,
		     (unsigned long long)ent, kind, (unsigned long long)size);
		return -1;
	}
	if (vaddr_to_offset(file, eh, vaddr, size, off) ||
	    !in_range(*off, size, len)) {
		fail(why, whylen, "relocation table outside the file");
		return -1;
	}
	return 0;
}

static int apply_rela(const void *file, uint64_t len,
		      const struct elf64_ehdr *eh, const struct dyn_info *d,
		      const struct elf_info *info, void *dest, uint64_t bias,
		      char *why, size_t whylen)
{
	uint64_t off, k;

	if (!d->has_rela || !d->relasz)
		return 0;
	if (find_table(file, len, eh, d->rela, d->relasz, d->relaent,
		       sizeof(struct elf64_rela), "RELA", &off, why, whylen))
		return -1;
	for (k = 0; k < d->relasz; k += sizeof(struct elf64_rela)) {
		struct elf64_rela r;
		uint32_t type;

		memcpy(&r, (const char *)file + off + k, sizeof(r));
		type = (uint32_t)r.r_info;
		if (type == R_X86_64_NONE)
			continue;
		if (type != R_X86_64_RELATIVE) {
			fail(why, whylen,
			     "unsupported relocation type %u at offset 0x%llx",
			     type, (unsigned long long)r.r_offset);
			return -1;
		}
		/* B + A: B is how far the image moved from its link address. */
		if (relocate_at(info, dest, r.r_offset,
				bias + (uint64_t)r.r_addend, false, why, whylen))
			return -1;
	}
	return 0;
}

/*
 * Packed relative relocations (the generic ABI's SHT_RELR, which ld makes
 * with -z pack-relative-relocs): a table of 64-bit words. An even word is
 * the link address of a relocation; the next bitmap starts 8 bytes past
 * it. An odd word is a bitmap whose bits 1 to 63 each stand for the word
 * that many words, less one, past the bitmap's start; the next starts 63
 * words on. Every relocation adds the bias to the word already there.
 */
static int apply_relr(const void *file, uint64_t len,
		      const struct elf64_ehdr *eh, const struct dyn_info *d,
		      const struct elf_info *info, void *dest, uint64_t bias,
		      char *why, size_t whylen)
{
	uint64_t off, k, next = 0;
	bool have_next = false;

	if (!d->has_relr || !d->relrsz)
		return 0;
	if (find_table(file, len, eh, d->relr, d->relrsz, d->relrent,
		       sizeof(uint64_t), "RELR", &off, why, whylen))
		return -1;
	for (k = 0; k < d->relrsz; k += sizeof(uint64_t)) {
		uint64_t w;
		unsigned int bit;

		memcpy(&w, (const char *)file + off + k, sizeof(w));
		if (!(w & 1)) {
			if (relocate_at(info, dest, w, bias, true, why, whylen))
				return -1;
			next = w + 8;
			have_next = true;
			continue;
		}
		if (!have_next) {
			fail(why, whylen,
			     "DT_RELR bitmap at entry %llu before any address",
			     (unsigned long long)(k / 8));
			return -1;
		}
		for (bit = 1; bit < 64; bit++) {
			uint64_t at = next + (uint64_t)(bit - 1) * 8;

			/* A target that wrapped round the address space is
			 * checked like any other. */
			if (!(w >> bit & 1))
				continue;
			if (relocate_at(info, dest, at, bias, true, why, whylen))
				return -1;
		}
		next += 63 * 8;
	}
	return 0;
}

int elf_relocate(const void *file, uint64_t len, const struct elf_info *info,
		 void *dest, uint64_t load_addr, char *why, size_t whylen)
{
	struct elf64_ehdr eh;
	struct dyn_info d;
	uint64_t bias = load_addr - info->min_vaddr;

	if (info->type != ELF_ET_DYN)
		return 0;
	if (check_ehdr(file, len, &eh, why, whylen))
		return -1;
	if (read_dynamic(file, len, &eh, &d, why, whylen))
		return -1;
	/* A static PIE needs only relative relocations; refuse the rest. */
	if (d.has_rel) {
		fail(why, whylen, "DT_REL relocations are not supported");
		return -1;
	}
	if (d.has_plt) {
		fail(why, whylen, "PLT relocations are not supported");
		return -1;
	}
	if (apply_rela(file, len, &eh, &d, info, dest, bias, why, whylen))
		return -1;
	return apply_relr(file, len, &eh, &d, info, dest, bias, why, whylen);
}

void elf_for_each_segment(const void *file, uint64_t len, elf_segment_fn fn,
			  void *ctx)
{
	struct elf64_ehdr eh;
	unsigned int i;

	if (check_ehdr(file, len, &eh, NULL, 0))
		return;
	for (i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;

		read_phdr(file, &eh, i, &ph);
		if (ph.p_type == PT_LOAD && ph.p_memsz)
			fn(ph.p_vaddr, ph.p_memsz, ph.p_flags, ctx);
	}
}
