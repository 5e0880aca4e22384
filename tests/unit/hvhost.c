// SPDX-License-Identifier: MIT
#include "tests/unit/hvhost.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/hcall.h"
#include "hv/log.h"
#include "hv/mem.h"
#include "hv/policy.h"

struct hv_boot_info host_bi;

static uint8_t *pool_mem;
static uint8_t *kernel_image, *child_image, *bad_image;
static size_t kernel_size;

/* ------------------------------------------------ the console, kept */

#define LOG_LINES 512
static char log_lines[LOG_LINES][240];
static int log_count;

static void keep(const char *line)
{
	/* HV_UNIT_LOG=1 in the environment shows hv's lines as they come. */
	if (getenv("HV_UNIT_LOG"))
		fprintf(stderr, "hv: %s\n", line);
	if (log_count < LOG_LINES)
		snprintf(log_lines[log_count++], sizeof(log_lines[0]), "%s",
			 line);
}

void (*host_log_hook)(void *ctx);
void *host_log_hook_ctx;

void hv_vlog(uint32_t level, const char *fmt, va_list ap)
{
	void (*hook)(void *ctx) = host_log_hook;
	char line[240];

	(void)level;
	/* Once, and cleared first: what it does may print lines of its own. */
	if (hook) {
		host_log_hook = NULL;
		hook(host_log_hook_ctx);
	}
	vsnprintf(line, sizeof(line), fmt, ap);
	keep(line);
}

void hv_log(uint32_t level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hv_vlog(level, fmt, ap);
	va_end(ap);
}

bool console_write_partition_line(const char *name, const char *line,
				  uint32_t len)
{
	char out[240];

	snprintf(out, sizeof(out), "[%s] %.*s", name, (int)len, line);
	keep(out);
	return true;
}

void console_pump(void)
{
}

bool console_pending(void)
{
	return false;
}

/* What the tests type at the real UART: console_getc takes it. */
static char typed[1024];
static size_t typed_len, typed_next;

void host_type(const char *s)
{
	size_t n = strlen(s);

	assert_true(typed_len + n <= sizeof(typed));
	memcpy(typed + typed_len, s, n);
	typed_len += n;
}

size_t host_typed_left(void)
{
	return typed_len - typed_next;
}

void host_type_reset(void)
{
	typed_len = typed_next = 0;
}

bool console_getc(char *c)
{
	if (typed_next == typed_len)
		return false;
	*c = typed[typed_next++];
	return true;
}

void console_note_dropped(uint64_t n)
{
	(void)n;
}

uint64_t console_dropped_bytes(void)
{
	return 0;
}

uint64_t console_dropped_hv_lines(void)
{
	return 0;
}

bool host_logged(const char *s)
{
	return host_count_logged(s) > 0;
}

int host_count_logged(const char *s)
{
	int n = 0;

	for (int i = 0; i < log_count; i++)
		if (strstr(log_lines[i], s))
			n++;
	return n;
}

/* ---------------------------------------------------- failing a test */

void panic(const char *fmt, ...)
{
	char msg[240];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail_msg("hv panicked: %s", msg);
	abort();
}

void fake_fatal(const char *fmt, ...)
{
	char msg[240];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail_msg("fake arch: %s", msg);
	abort();
}

/* ------------------------------------------------------------ setup */

static uint8_t *page_copy(const void *src, size_t len)
{
	uint8_t *p = aligned_alloc(4096, (len + 4095) & ~(size_t)4095);

	assert_non_null(p);
	memcpy(p, src, len);
	return p;
}

static void add_module(const char *path, const void *image, size_t size,
		       uint32_t kind, uint32_t partition)
{
	struct hv_boot_module *m = &host_bi.modules[host_bi.module_count++];

	m->phys = (uint64_t)(uintptr_t)image;
	m->size = size;
	m->partition = partition;
	m->kind = kind;
	snprintf(m->path, sizeof(m->path), "%s", path);
}

/* Read once and kept: reachable to the end, so no leak report either. */
static void load_images(void)
{
	static uint8_t junk[4096];
	void *file;

	if (kernel_image)
		return;
	pool_mem = aligned_alloc(2u << 20, (size_t)HOST_POOL_MB << 20);
	assert_non_null(pool_mem);
	file = unit_read_file(UNIT_FIXTURE_DIR, "exec.elf", &kernel_size);
	kernel_image = page_copy(file, kernel_size);
	child_image = page_copy(file, kernel_size);
	free(file);
	memset(junk, 0x5a, sizeof(junk));
	bad_image = page_copy(junk, sizeof(junk));
}

int host_setup(void **state)
{
	(void)state;
	load_images();
	fake_reset(1);
	memset(partition_slot, 0, sizeof(partition_slot));
	memset(&partitions_lock, 0, sizeof(partitions_lock));
	slots_used = 0;
	sched_reset();
	log_count = 0;
	host_log_hook = NULL;
	host_type_reset();
	memset(&host_bi, 0, sizeof(host_bi));
	host_bi.magic = HV_BOOT_INFO_MAGIC;
	host_bi.version = HV_BOOT_INFO_VERSION;
	host_bi.pool_base = (uint64_t)(uintptr_t)pool_mem;
	host_bi.pool_size = (uint64_t)HOST_POOL_MB << 20;
	host_bi.tsc_hz = 1000000000;
	host_bi.manifest.log_level = HV_LOG_DEBUG;
	host_bi.manifest.pool_mb = HOST_POOL_MB;
	/* The kernel of manifest partition 0; the other two belong to no
	 * manifest partition, and partition_create_request finds an image
	 * by its path whoever it was read for. */
	add_module(HOST_KERNEL, kernel_image, kernel_size, HV_MODULE_KERNEL, 0);
	add_module(HOST_CHILD, child_image, kernel_size, HV_MODULE_KERNEL,
		   HV_MANIFEST_MAX_PARTITIONS);
	add_module(HOST_BAD, bad_image, 4096, HV_MODULE_KERNEL,
		   HV_MANIFEST_MAX_PARTITIONS);
	policy_set_tsc_hz(host_bi.tsc_hz);
	mem_init(&host_bi);
	return 0;
}

struct hv_manifest_partition *host_manifest_add(const char *name, bool parent,
						uint32_t vcpus,
						const uint32_t *cpus)
{
	struct hv_manifest *m = &host_bi.manifest;
	struct hv_manifest_partition *mp;

	assert_true(m->partition_count < HV_MANIFEST_MAX_PARTITIONS);
	mp = &m->partitions[m->partition_count];
	memset(mp, 0, sizeof(*mp));
	snprintf(mp->name, sizeof(mp->name), "%s", name);
	snprintf(mp->image, sizeof(mp->image), "%s", HOST_KERNEL);
	mp->ram_mb = HOST_RAM_MB;
	mp->parent = parent;
	mp->vcpus = vcpus;
	mp->start = HV_MANIFEST_START_BOOT;
	if (cpus) {
		mp->cpu_count = vcpus;
		memcpy(mp->cpus, cpus, vcpus * sizeof(cpus[0]));
	}
	/* Each manifest partition gets its kernel module, as the loader
	 * reads one per partition. */
	if (m->partition_count) {
		struct hv_boot_module *k =
			&host_bi.modules[host_bi.module_count++];

		*k = host_bi.modules[0];
		k->partition = m->partition_count;
	}
	m->partition_count++;
	return mp;
}

void host_boot(void)
{
	for (uint32_t i = 0; i < host_bi.manifest.partition_count; i++) {
		struct partition *p;
		int r = partition_create(&host_bi, i, &p);

		if (r)
			fail_msg("manifest partition %s: %d",
				 host_bi.manifest.partitions[i].name, r);
	}
}

struct partition *host_part(const char *name)
{
	for_each_partition(p)
		if (!strcmp(p->name, name))
			return p;
	fail_msg("no partition %s", name);
	return NULL;
}

int64_t host_create(const char *name, const char *image, uint32_t ram_mb,
		    uint32_t vcpus)
{
	struct hv_partition_create req;

	memset(&req, 0, sizeof(req));
	snprintf(req.name, sizeof(req.name), "%s", name);
	snprintf(req.image, sizeof(req.image), "%s", image);
	req.ram_mb = ram_mb;
	req.vcpus = vcpus;
	return partition_create_request(&req);
}

void host_script(struct vcpu *v, const struct fake_script *s)
{
	v->arch.script = s;
}

enum vcpu_outcome host_sleep_then_poweroff(struct vcpu *v, uint64_t slice,
					   void *ctx)
{
	(void)slice;
	if (v->arch.slices == 1)
		return fake_hlt_until(v, 10, fake_tsc + *(const uint64_t *)ctx);
	return VCPU_POWEROFF;
}

int64_t host_hypercall(struct vcpu *v, uint64_t nr, const uint64_t args[5],
		       int *effect)
{
	struct percpu *pc = this_cpu();
	struct vcpu *was = pc->current;
	enum hypercall_effect e;

	memset(&v->arch.hc, 0, sizeof(v->arch.hc));
	v->arch.hc.nr = nr;
	for (int i = 0; i < 5; i++)
		v->arch.hc.arg[i] = args ? args[i] : 0;
	pc->current = v;
	e = hypercall(v);
	pc->current = was;
	if (!v->arch.hc.status_set)
		fail_msg("hypercall %lu of %s set no status", (unsigned long)nr,
			 v->part->name);
	if (v->arch.hc.nr != nr)
		fail_msg("hypercall %lu of %s changed its number",
			 (unsigned long)nr, v->part->name);
	if (effect)
		*effect = (int)e;
	return v->arch.hc.status;
}

uint64_t host_free_pages(void)
{
	return mem_pool()->free_pages;
}
