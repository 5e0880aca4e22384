// SPDX-License-Identifier: MIT
/*
 * A partition's address space as VT-x sees it: its EPT over its RAM, and
 * the VMX I/O bitmaps that say which ports exit (SDM "I/O-Bitmap
 * Addresses": bitmap A covers ports 0-0x7fff, B 0x8000-0xffff, and a set
 * bit makes the access exit).
 */
#include "arch/x86/ept.h"
#include "arch/x86/vmx_vcpu.h"
#include "hv/arch.h"
#include "hv/errno.h"
#include "hv/log.h"
#include "hv/mem.h"
#include "hv/upcall.h"
#include "lib/string.h"

/*
 * Every port exits but the ones the manifest grants, which the partition
 * then drives directly. The manifest and the loader have already refused
 * grants of hv's own devices and of another partition's ports.
 */
static int build_io_bitmap(struct partition *p,
			   const struct hv_port_range *ports, uint32_t count)
{
	uint8_t *bits;

	p->arch.io_bitmap_pa = palloc_run(mem_pool(), 2, 1, p->id);
	if (!p->arch.io_bitmap_pa) {
		pr_err("partition %s: no memory for its I/O bitmaps", p->name);
		return HV_ENOMEM;
	}
	bits = (uint8_t *)(uintptr_t)p->arch.io_bitmap_pa;
	memset(bits, 0xff, 2 * 4096);
	for (uint32_t r = 0; r < count; r++) {
		for (uint32_t port = ports[r].first; port <= ports[r].last;
		     port++)
			bits[port / 8] &= (uint8_t)~(1u << (port % 8));
		pr_info("partition %s: ports 0x%x-0x%x granted", p->name,
			ports[r].first, ports[r].last);
	}
	return 0;
}

int partition_arch_init(struct partition *p, const struct hv_port_range *ports,
			uint32_t count)
{
	int r = build_io_bitmap(p, ports, count);

	if (r)
		return r;
	r = ept_build(&p->arch.ept, p->ram_hpa, p->ram_size, mem_pool(), p->id);
	if (r)
		pr_err("partition %s: cannot build its EPT: %d", p->name, r);
	else
		r = vmx_pc_apic_page(p);
	return r;
}

void partition_arch_release(struct partition *p)
{
	if (p->arch.ept.root)
		pt_destroy(&p->arch.ept);
	vmx_pc_apic_page_free(p);
	if (p->arch.io_bitmap_pa)
		palloc_free(mem_pool(), p->arch.io_bitmap_pa, 2 * 4096, p->id);
	p->arch.io_bitmap_pa = 0;
}
