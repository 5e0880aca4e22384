// SPDX-License-Identifier: MIT
/*
 * hv's side of lib/load.h. While hv builds a partition, the image
 * loaders' copies into its RAM beyond the first LOAD_DIRECT_MAX bytes are
 * written down in a list, one pool page, instead of done; hv/build.c's
 * create then answers PENDING, and each further call of the same create
 * copies HV_CREATE_STEP bytes of the list (load_step), so no exit of the
 * parent copies a whole image: a Linux child's vmlinux is tens of MiB.
 * Zeroing asked for in that RAM is skipped: the pool hands pages out zero
 * (hv/palloc.c). Outside a build (a pc partition's restart, hv/pcpower.c)
 * both happen at once, as lib/load.c does them.
 *
 * The copies are done in the order the loaders asked for them, after the
 * loaders' small writes (boot information, command lines, tables): a
 * well-formed image's pieces do not overlap those, and any write lands in
 * the partition's own RAM, checked here again, so a malformed one can
 * only spoil itself.
 */
#include "hv/load.h"

#include "hv/errno.h"
#include "hv/log.h"
#include "hv/mem.h"
#include "hv/partition.h"
#include "lib/load.h"
#include "lib/spinlock.h"
#include "lib/string.h"

/* Copies done at once in one build, in bytes: hv's own guest kernel and
 * its programs are far smaller, so their creates take one call. */
#define LOAD_DIRECT_MAX (1ull << 20)
/* Builds under way at once: one a CPU, each for one vCPU of a parent. */
#define LOAD_ACTIVE HV_MAX_CPUS

struct load_job {
	uint8_t *dst;
	const uint8_t *src;
	uint64_t n;
};

struct load_list {
	uint64_t lo, hi; /* the partition's RAM, as hv addresses it */
	uint64_t direct; /* bytes copied at once so far */
	uint64_t left; /* bytes in the jobs not yet copied */
	uint64_t total; /* bytes in the jobs */
	uint32_t steps; /* load_step calls that copied some */
	uint32_t count, next; /* jobs written down; the first not done */
	bool overflow; /* a copy found the list full, or outside the RAM */
	struct load_job jobs[];
};

#define LOAD_JOBS ((4096 - sizeof(struct load_list)) / sizeof(struct load_job))
_Static_assert(LOAD_JOBS == 168, "docs/hypercalls.md gives the number");

static struct spinlock load_lock; /* active[] */
static struct load_list *active[LOAD_ACTIVE];

/* The list of the build whose RAM holds dst, or NULL. */
static struct load_list *building(const void *dst)
{
	uint64_t a = (uint64_t)(uintptr_t)dst;
	struct load_list *l = NULL;

	spin_lock(&load_lock);
	for (uint32_t i = 0; i < LOAD_ACTIVE && !l; i++)
		if (active[i] && a >= active[i]->lo && a < active[i]->hi)
			l = active[i];
	spin_unlock(&load_lock);
	return l;
}

void load_copy(void *dst, const void *src, uint64_t n)
{
	struct load_list *l = n ? building(dst) : NULL;
	uint64_t a = (uint64_t)(uintptr_t)dst;

	/* Within the RAM whether done now or later: a copy that would run
	 * past its end fails the build (load_end) instead. */
	if (l && n > l->hi - a) {
		l->overflow = true;
		return;
	}
	if (!l || l->direct + n <= LOAD_DIRECT_MAX) {
		if (l)
			l->direct += n;
		memcpy(dst, src, n);
		return;
	}
	if (l->count == LOAD_JOBS) {
		l->overflow = true;
		return;
	}
	l->jobs[l->count++] = (struct load_job){ dst, src, n };
	l->left += n;
	l->total += n;
}

void load_zero(void *dst, uint64_t n)
{
	if (n && !building(dst))
		memset(dst, 0, n);
}

int load_begin(struct partition *p)
{
	struct load_list *l;
	uint32_t i;

	l = (struct load_list *)(uintptr_t)palloc_page(mem_pool(), p->id);
	if (!l)
		return HV_ENOMEM;
	l->lo = (uint64_t)(uintptr_t)partition_gpa_to_hva(p, 0, p->ram_size);
	l->hi = l->lo + p->ram_size;
	spin_lock(&load_lock);
	for (i = 0; i < LOAD_ACTIVE && active[i]; i++)
		;
	if (i < LOAD_ACTIVE)
		active[i] = l;
	spin_unlock(&load_lock);
	if (i == LOAD_ACTIVE) {
		palloc_free(mem_pool(), (uint64_t)(uintptr_t)l, 4096, p->id);
		return HV_EBUSY;
	}
	p->load = l;
	return 0;
}

/* Takes p's list out of active[], so copies into its RAM happen at once. */
static void deactivate(struct load_list *l)
{
	spin_lock(&load_lock);
	for (uint32_t i = 0; i < LOAD_ACTIVE; i++)
		if (active[i] == l)
			active[i] = NULL;
	spin_unlock(&load_lock);
}

bool load_end(struct partition *p)
{
	if (!p->load)
		return true;
	deactivate(p->load);
	return !p->load->overflow;
}

uint64_t load_left(const struct partition *p)
{
	return p->load ? p->load->left : 0;
}

bool load_step(struct partition *p, uint64_t budget)
{
	struct load_list *l = p->load;

	if (l && l->next < l->count && budget)
		l->steps++;
	while (l && l->next < l->count && budget) {
		struct load_job *j = &l->jobs[l->next];
		uint64_t n = j->n < budget ? j->n : budget;

		memcpy(j->dst, j->src, n);
		j->dst += n;
		j->src += n;
		j->n -= n;
		l->left -= n;
		budget -= n;
		if (!j->n)
			l->next++;
	}
	return !l || l->next == l->count;
}

void load_release(struct partition *p)
{
	if (!p->load)
		return;
	if (p->load->total && !p->load->left)
		pr_info("partition %s: %lu KiB of its images copied in %u step(s)",
			p->name, p->load->total >> 10, p->load->steps);
	deactivate(p->load);
	palloc_free(mem_pool(), (uint64_t)(uintptr_t)p->load, 4096, p->id);
	p->load = NULL;
}
