// SPDX-License-Identifier: MIT
/*
 * Multiboot v1 images: the header (Multiboot Specification 0.6.96,
 * "OS image format"), the image's segments by ELF32 or ELF64 program
 * headers (System V ABI, "Program Header") or by the header's address
 * fields, and the boot information ("Boot information format").
 *
 * Every structure is copied out of the file with memcpy before use: the
 * file need not be aligned, and a copied value cannot change between the
 * check and the use. Arithmetic on file fields is done in 64 bits on
 * 32-bit values, or checked for wrapping where the fields are 64 bits.
 */
#include "lib/multiboot.h"


#include "lib/fmt.h"
#include "lib/load.h"
#include "lib/string.h"

#define PAGE 4096ull

/* True if [off, off + size) lies inside [0, len), without overflow. */
static bool in_file(uint64_t off, uint64_t size, uint64_t len)
{
	return off <= len && size <= len - off;
}

static uint32_t get32(const void *file, uint64_t off)
{
	uint32_t v;

	memcpy(&v, (const char *)file + off, sizeof(v));
	return v;
}

/* The first header whose magic and checksum agree, 32-bit aligned in the
 * first 8 KiB; a magic with a bad checksum is named if none agrees. */
static int find_header(const void *file, uint64_t len, struct mb_header *h,
		       uint32_t *at, char *why, size_t whylen)
{
	uint64_t end = len < MB_HEADER_SEARCH ? len : MB_HEADER_SEARCH;
	int64_t bad = -1;

	for (uint64_t off = 0; off + 12 <= end; off += 4) {
		if (get32(file, off) != MB_HEADER_MAGIC)
			continue;
		if (get32(file, off) + get32(file, off + 4) +
			    get32(file, off + 8) ==
		    0) {
			memset(h, 0, sizeof(*h));
			memcpy(h, (const char *)file + off,
			       len - off < sizeof(*h) ? len - off : sizeof(*h));
			*at = (uint32_t)off;
			return 0;
		}
		if (bad < 0)
			bad = (int64_t)off;
	}
	if (bad >= 0)
		return fmt_fail(why, whylen,
			    "multiboot header at offset 0x%lx: checksum 0x%x does not make magic + flags + checksum zero",
			    (uint64_t)bad, get32(file, (uint64_t)bad + 8));
	return fmt_fail(why, whylen,
		    "no multiboot header (magic 0x%x) in the first %u bytes",
		    MB_HEADER_MAGIC, MB_HEADER_SEARCH);
}

static int add_segment(struct mb_image *img, uint64_t offset, uint64_t filesz,
		       uint64_t addr, uint64_t memsz, const char *what,
		       char *why, size_t whylen)
{
	struct mb_segment *s;

	if (!memsz)
		return 0;
	if (addr >= MB_ADDR_LIMIT || memsz > MB_ADDR_LIMIT - addr)
		return fmt_fail(why, whylen,
			    "%s: [0x%lx, 0x%lx + 0x%lx) is not below 4 GiB",
			    what, addr, addr, memsz);
	for (uint32_t i = 0; i < img->segment_count; i++) {
		const struct mb_segment *o = &img->segments[i];

		if (addr < o->addr + o->memsz && o->addr < addr + memsz)
			return fmt_fail(why, whylen,
				    "%s: [0x%lx, 0x%lx) overlaps [0x%lx, 0x%lx) of another segment",
				    what, addr, addr + memsz, o->addr,
				    o->addr + o->memsz);
	}
	if (img->segment_count == MB_MAX_SEGMENTS)
		return fmt_fail(why, whylen, "more than %u segments to load",
			    MB_MAX_SEGMENTS);
	s = &img->segments[img->segment_count++];
	s->offset = offset;
	s->filesz = filesz;
	s->addr = addr;
	s->memsz = memsz;
	if (addr < img->lo)
		img->lo = addr;
	if (addr + memsz > img->hi)
		img->hi = addr + memsz;
	return 0;
}

/*
 * Flag 16: the file's bytes from where load_addr falls in it, up to
 * load_end_addr (or the end of the file), load at load_addr, and zeros
 * follow up to bss_end_addr. The header's own offset and address tie
 * the file to the addresses.
 */
static int parse_kludge(const struct mb_header *h, uint32_t at, uint64_t len,
			struct mb_image *img, char *why, size_t whylen)
{
	uint64_t start, filesz, memsz;

	/* The header is 32 bytes with the address fields, all of it in the
	 * first 8 KiB (the specification's "OS image format"). */
	if ((uint64_t)at + 32 > len || at + 32 > MB_HEADER_SEARCH)
		return fmt_fail(why, whylen,
			    "multiboot header at offset 0x%x: flag 16 (address fields) set, but its fields end past %s",
			    at, (uint64_t)at + 32 > len ? "the end of the file" : "the first 8 KiB");
	if (h->header_addr < h->load_addr)
		return fmt_fail(why, whylen,
			    "multiboot header: header_addr 0x%x is below load_addr 0x%x",
			    h->header_addr, h->load_addr);
	if (h->header_addr - h->load_addr > at)
		return fmt_fail(why, whylen,
			    "multiboot header: load_addr 0x%x lies before the file's start (header_addr 0x%x, header at offset 0x%x)",
			    h->load_addr, h->header_addr, at);
	start = at - (uint64_t)(h->header_addr - h->load_addr);
	if (h->load_end_addr) {
		if (h->load_end_addr <= h->load_addr)
			return fmt_fail(why, whylen,
				    "multiboot header: load_end_addr 0x%x is not above load_addr 0x%x",
				    h->load_end_addr, h->load_addr);
		filesz = (uint64_t)h->load_end_addr - h->load_addr;
		if (!in_file(start, filesz, len))
			return fmt_fail(why, whylen,
				    "multiboot header: load_end_addr 0x%x lies past the end of the file (0x%lx bytes from offset 0x%lx)",
				    h->load_end_addr, filesz, start);
	} else {
		filesz = len - start;
	}
	memsz = filesz;
	if (h->bss_end_addr) {
		if ((uint64_t)h->bss_end_addr < h->load_addr + filesz)
			return fmt_fail(why, whylen,
				    "multiboot header: bss_end_addr 0x%x is below the end of the loaded data 0x%lx",
				    h->bss_end_addr, h->load_addr + filesz);
		memsz = (uint64_t)h->bss_end_addr - h->load_addr;
	}
	if (h->entry_addr < h->load_addr ||
	    (uint64_t)h->entry_addr >= h->load_addr + memsz)
		return fmt_fail(why, whylen,
			    "multiboot header: entry_addr 0x%x is outside the image [0x%x, 0x%lx)",
			    h->entry_addr, h->load_addr, h->load_addr + memsz);
	img->format = MB_FORMAT_AOUT_KLUDGE;
	img->entry = h->entry_addr;
	return add_segment(img, start, filesz, h->load_addr, memsz,
			   "multiboot header: the image", why, whylen);
}

/* ELF identification and header fields both classes share. */
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ET_EXEC 2
#define EM_386 3
#define EM_X86_64 62
#define PT_LOAD 1

/* One program header, either class, widened. */
struct phdr {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

static void read_phdr(const void *file, uint64_t off, bool is64,
		      struct phdr *ph)
{
	const char *p = (const char *)file + off;

	if (is64) {
		memcpy(&ph->type, p, 4);
		memcpy(&ph->offset, p + 8, 8);
		memcpy(&ph->vaddr, p + 16, 8);
		memcpy(&ph->paddr, p + 24, 8);
		memcpy(&ph->filesz, p + 32, 8);
		memcpy(&ph->memsz, p + 40, 8);
	} else {
		uint32_t f[6];

		memcpy(f, p, sizeof(f));
		ph->type = f[0];
		ph->offset = f[1];
		ph->vaddr = f[2];
		ph->paddr = f[3];
		ph->filesz = f[4];
		ph->memsz = f[5];
	}
}

/*
 * The ELF way: every PT_LOAD at its physical address p_paddr, as GRUB
 * loads them. e_entry is a virtual address; where it falls in a
 * segment's virtual range it is moved by that segment's p_paddr -
 * p_vaddr, and it must then lie inside a segment.
 */
int mb_parse_elf(const void *file, uint64_t len, struct mb_image *img,
		 char *why, size_t whylen)
{
	const unsigned char *id = file;
	uint16_t type, machine, phentsize, phnum;
	uint32_t version;
	uint64_t entry, phoff;
	bool is64, entry_moved = false;

	if (len < 52 || id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' ||
	    id[3] != 'F')
		return fmt_fail(why, whylen,
			    "multiboot header: flag 16 (address fields) is clear, and the file is not ELF");
	if (id[EI_CLASS] != ELFCLASS32 && id[EI_CLASS] != ELFCLASS64)
		return fmt_fail(why, whylen, "ELF: e_ident class %u is neither ELF32 nor ELF64",
			    id[EI_CLASS]);
	is64 = id[EI_CLASS] == ELFCLASS64;
	if (is64 && len < 64)
		return fmt_fail(why, whylen, "ELF: file too short for an ELF64 header");
	if (id[EI_DATA] != 1 || id[EI_VERSION] != 1)
		return fmt_fail(why, whylen, "ELF: not little-endian ELF version 1");
	memcpy(&type, id + 16, 2);
	memcpy(&machine, id + 18, 2);
	memcpy(&version, id + 20, 4);
	if (type != ET_EXEC)
		return fmt_fail(why, whylen, "ELF: e_type %u is not ET_EXEC", type);
	if (machine != (is64 ? EM_X86_64 : EM_386))
		return fmt_fail(why, whylen, "ELF: e_machine %u is not %s", machine,
			    is64 ? "x86-64 (62)" : "i386 (3)");
	if (version != 1)
		return fmt_fail(why, whylen, "ELF: e_version %u is not 1", version);
	if (is64) {
		memcpy(&entry, id + 24, 8);
		memcpy(&phoff, id + 32, 8);
		memcpy(&phentsize, id + 54, 2);
		memcpy(&phnum, id + 56, 2);
	} else {
		uint32_t e, o;

		memcpy(&e, id + 24, 4);
		memcpy(&o, id + 28, 4);
		entry = e;
		phoff = o;
		memcpy(&phentsize, id + 42, 2);
		memcpy(&phnum, id + 44, 2);
	}
	if (phentsize != (is64 ? 56 : 32))
		return fmt_fail(why, whylen, "ELF: e_phentsize %u is not %u", phentsize,
			    is64 ? 56 : 32);
	if (!in_file(phoff, (uint64_t)phnum * phentsize, len))
		return fmt_fail(why, whylen,
			    "ELF: program headers (e_phoff 0x%lx, %u of them) lie outside the file",
			    phoff, phnum);
	img->format = is64 ? MB_FORMAT_ELF64 : MB_FORMAT_ELF32;
	for (uint32_t i = 0; i < phnum; i++) {
		struct phdr ph;
		char what[40];

		read_phdr(file, phoff + (uint64_t)i * phentsize, is64, &ph);
		if (ph.type != PT_LOAD || !ph.memsz)
			continue;
		fmt_snprintf(what, sizeof(what), "ELF: segment %u", i);
		if (ph.filesz > ph.memsz)
			return fmt_fail(why, whylen,
				    "%s: p_filesz 0x%lx is larger than p_memsz 0x%lx",
				    what, ph.filesz, ph.memsz);
		if (!in_file(ph.offset, ph.filesz, len))
			return fmt_fail(why, whylen,
				    "%s: p_offset 0x%lx + p_filesz 0x%lx lies past the end of the file",
				    what, ph.offset, ph.filesz);
		if (add_segment(img, ph.offset, ph.filesz, ph.paddr, ph.memsz,
				what, why, whylen))
			return -1;
		if (!entry_moved && entry >= ph.vaddr &&
		    entry - ph.vaddr < ph.memsz) {
			entry = entry - ph.vaddr + ph.paddr;
			entry_moved = true;
		}
	}
	if (!img->segment_count)
		return fmt_fail(why, whylen, "ELF: no PT_LOAD segment to load");
	for (uint32_t i = 0; i < img->segment_count; i++) {
		const struct mb_segment *s = &img->segments[i];

		if (entry >= s->addr && entry - s->addr < s->memsz) {
			img->entry = (uint32_t)entry;
			return 0;
		}
	}
	return fmt_fail(why, whylen,
		    "ELF: e_entry 0x%lx is outside every loaded segment", entry);
}

int mb_parse(const void *file, uint64_t len, struct mb_image *img, char *why,
	     size_t whylen)
{
	struct mb_header h;
	uint32_t at = 0, unknown;

	memset(img, 0, sizeof(*img));
	img->lo = UINT64_MAX;
	if (!file)
		return fmt_fail(why, whylen, "no file");
	if (find_header(file, len, &h, &at, why, whylen))
		return -1;
	img->header_offset = at;
	img->header_flags = h.flags;
	/* Bits 0-15 the loader does not provide are requirements it fails. */
	if (h.flags & MB_HEADER_VIDEO_MODE)
		return fmt_fail(why, whylen,
			    "multiboot header: flags 0x%x ask for a video mode (bit 2), which hv does not provide",
			    h.flags);
	unknown = h.flags & 0xffffu &
		  ~(MB_HEADER_PAGE_ALIGN | MB_HEADER_MEMORY_INFO);
	if (unknown)
		return fmt_fail(why, whylen,
			    "multiboot header: flags 0x%x require features 0x%x that hv does not know",
			    h.flags, unknown);
	if (h.flags & MB_HEADER_AOUT_KLUDGE)
		return parse_kludge(&h, at, len, img, why, whylen);
	return mb_parse_elf(file, len, img, why, whylen);
}

void mb_load(const void *file, uint64_t len, const struct mb_image *img,
	     void *ram)
{
	(void)len;
	for (uint32_t i = 0; i < img->segment_count; i++) {
		const struct mb_segment *s = &img->segments[i];
		char *dst = (char *)ram + s->addr;

		load_copy(dst, (const char *)file + s->offset, s->filesz);
		load_zero(dst + s->filesz, s->memsz - s->filesz);
	}
}

int mb_place(const struct mb_range *used, uint32_t n, uint64_t min,
	     uint64_t limit, uint64_t size, uint64_t *at)
{
	uint64_t a = (min + PAGE - 1) & ~(PAGE - 1);

	/* Each overlap moves the candidate past a range, so n + 1 tries
	 * see every range at most once more than needed. */
	for (uint32_t tries = 0; tries <= n; tries++) {
		bool moved = false;

		if (a >= limit || size > limit - a)
			return -1;
		for (uint32_t i = 0; i < n; i++) {
			if (a < used[i].end && used[i].start < a + size) {
				a = (used[i].end + PAGE - 1) & ~(PAGE - 1);
				moved = true;
			}
		}
		if (!moved) {
			*at = a;
			return 0;
		}
	}
	return -1;
}

/* The information's page, filled front to back. */
struct writer {
	char *page;
	uint32_t base; /* its physical address */
	uint32_t used;
};

static uint32_t put(struct writer *w, const void *data, uint32_t size,
		    uint32_t align)
{
	uint32_t at = (w->used + align - 1) & ~(align - 1);

	memcpy(w->page + at, data, size);
	w->used = at + size;
	return w->base + at;
}

static uint32_t put_string(struct writer *w, const char *s, uint32_t max)
{
	uint32_t n = (uint32_t)strnlen(s, max - 1);
	uint32_t at = put(w, s, n, 1);

	w->page[w->used++] = '\0';
	return at;
}

/* The PC's memory: low RAM, the legacy hole reserved, RAM from 1 MiB. */
static uint32_t put_mmap(struct writer *w, uint64_t ram, uint32_t *length)
{
	const struct {
		uint64_t start, end;
		uint32_t type;
	} map[] = {
		{ 0, 0xa0000, MB_MEMORY_AVAILABLE },
		{ 0xa0000, 0x100000, MB_MEMORY_RESERVED },
		{ 0x100000, ram, MB_MEMORY_AVAILABLE },
	};
	uint32_t first = 0;

	*length = 0;
	for (uint32_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		struct mb_mmap_entry e = { .size = 20 };
		uint32_t at;

		if (map[i].end <= map[i].start)
			continue;
		e.addr = map[i].start;
		e.len = map[i].end - map[i].start;
		e.type = map[i].type;
		at = put(w, &e, sizeof(e), 4);
		if (!*length)
			first = at;
		*length += sizeof(e);
	}
	return first;
}

/* Longest strings the page takes: it holds everything with room left. */
#define CMDLINE_MAX 512u
#define STRING_MAX 128u

int mb_build_info(void *ram, const struct mb_image *img,
		  const struct mb_boot *boot, struct mb_placed *out,
		  char *why, size_t whylen)
{
	struct mb_range used[MB_MAX_SEGMENTS + MB_MAX_MODULES + 1];
	struct mb_module mods[MB_MAX_MODULES];
	struct mb_info info;
	struct writer w;
	uint64_t at, top = boot->ram_size < MB_ADDR_LIMIT ? boot->ram_size :
							   MB_ADDR_LIMIT;
	uint32_t n = 0;
	static const uint64_t gdt[3] = {
		0,
		0x00cf9a000000ffffull, /* 32-bit code, base 0, 4 GiB, DPL 0 */
		0x00cf92000000ffffull, /* data, base 0, 4 GiB, DPL 0 */
	};

	if (boot->module_count > MB_MAX_MODULES)
		return fmt_fail(why, whylen, "more than %u modules", MB_MAX_MODULES);
	for (uint32_t i = 0; i < img->segment_count; i++) {
		used[n].start = img->segments[i].addr;
		used[n++].end = img->segments[i].addr + img->segments[i].memsz;
	}
	/* Low memory first, where kernels linked at 1 MiB leave room. */
	if (mb_place(used, n, PAGE, 0xa0000 < top ? 0xa0000 : top, PAGE, &at) &&
	    mb_place(used, n, PAGE, top, PAGE, &at))
		return fmt_fail(why, whylen,
			    "no free page for the multiboot information in its RAM (0x%lx bytes)",
			    boot->ram_size);
	used[n].start = at;
	used[n++].end = at + PAGE;
	w.page = (char *)ram + at;
	w.base = (uint32_t)at;
	w.used = 0;
	memset(w.page, 0, PAGE);

	memset(&info, 0, sizeof(info));
	w.used = sizeof(info); /* filled in last */
	info.flags = MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS |
		     MB_INFO_MEM_MAP | MB_INFO_BOOT_LOADER_NAME;
	info.mem_lower = 640;
	info.mem_upper = top > 0x100000 ? (uint32_t)((top - 0x100000) / 1024) : 0;
	out->gdt = put(&w, gdt, sizeof(gdt), 8);
	out->gdt_limit = sizeof(gdt) - 1;
	{
		uint32_t mmap_length;

		info.mmap_addr = put_mmap(&w, top, &mmap_length);
		info.mmap_length = mmap_length;
	}
	info.cmdline = put_string(&w, boot->cmdline, CMDLINE_MAX);
	info.boot_loader_name = put_string(&w, boot->loader_name, STRING_MAX);

	out->modules_end = 0;
	for (uint32_t i = 0; i < boot->module_count; i++) {
		const struct mb_module_src *m = &boot->modules[i];
		uint64_t size = m->size ? m->size : 1;

		/* Above the image, page-aligned whatever the header asks. */
		if (mb_place(used, n, img->hi, top, size, &at) &&
		    mb_place(used, n, PAGE, top, size, &at))
			return fmt_fail(why, whylen,
				    "module %u (%s, 0x%lx bytes) does not fit in the RAM left (0x%lx bytes in all)",
				    i + 1, m->string, m->size, boot->ram_size);
		used[n].start = at;
		used[n++].end = at + size;
		load_copy((char *)ram + at, m->data, m->size);
		mods[i].mod_start = (uint32_t)at;
		mods[i].mod_end = (uint32_t)(at + m->size);
		mods[i].string = put_string(&w, m->string, STRING_MAX);
		mods[i].reserved = 0;
		if (at + m->size > out->modules_end)
			out->modules_end = at + m->size;
	}
	info.mods_count = boot->module_count;
	info.mods_addr = boot->module_count ?
				 put(&w, mods,
				     boot->module_count * (uint32_t)sizeof(mods[0]),
				     4) :
				 0;
	memcpy(w.page, &info, sizeof(info));
	out->info = w.base;
	return 0;
}
