// SPDX-License-Identifier: MIT
/* The core's first C code: take over the machine from the loader. */
#include "hv/arch.h"
#include "hv/log.h"
#include "hv/mem.h"
#include "hv/partition.h"
#include "hv/policy.h"
#include "lib/string.h"

/* The loader's data is copied here first: hv keeps nothing of the loader's. */
static struct hv_boot_info boot_info;
static struct percpu boot_cpu;

void hv_main(const struct hv_boot_info *loader_bi);

/*
 * A child that cannot be built is reported and left out. Without its
 * parent nothing could manage the rest, so then hv runs nothing.
 */
static bool create_partitions(const struct hv_boot_info *bi)
{
	const struct hv_manifest *m = &bi->manifest;
	uint32_t created = 0;

	for (uint32_t i = 0; i < m->partition_count; i++) {
		struct partition *p;

		/* Templates: the parent creates them when it wants them. */
		if (m->partitions[i].start != HV_MANIFEST_START_BOOT) {
			pr_info("partition %s: a template, for the parent to create",
				m->partitions[i].name);
			continue;
		}
		if (!partition_create(bi, i, &p)) {
			created++;
			continue;
		}
		pr_err("partition %s: not created", m->partitions[i].name);
		if (m->partitions[i].parent) {
			pr_err("the parent partition could not be created: running nothing");
			return false;
		}
	}
	pr_info("partitions: %u of %u created", created, m->partition_count);
	return true;
}

void hv_main(const struct hv_boot_info *loader_bi)
{
	const struct hv_boot_info *bi = &boot_info;
	uint64_t slice;

	console_init(HV_LOG_INFO);
	if (loader_bi->magic != HV_BOOT_INFO_MAGIC ||
	    loader_bi->version != HV_BOOT_INFO_VERSION ||
	    loader_bi->size != sizeof(boot_info)) {
		/* No per-CPU block yet: say it plainly and stop. */
		pr_err("panic: boot_info from the loader does not match this core (magic 0x%lx version %u size %u)",
		       loader_bi->magic, loader_bi->version, loader_bi->size);
		console_drain();
		for (;;)
			__asm__ volatile("cli; hlt");
	}
	memcpy(&boot_info, loader_bi, sizeof(boot_info));
	console_set_level(bi->manifest.log_level);

	boot_cpu.index = 0;
	boot_cpu.apic_id = bi->cpus[0].apic_id;
	for (uint32_t i = 0; i < bi->cpu_count; i++)
		if (bi->cpus[i].flags & HV_CPU_BSP)
			boot_cpu.apic_id = bi->cpus[i].apic_id;
	cpu_init_descriptors(&boot_cpu);
	pr_info("core: running at 0x%lx, %u cpu(s) known, tsc %lu kHz",
		bi->image_base, bi->cpu_count, bi->tsc_hz / 1000);

	mem_init(bi);

	lapic_init(bi->tsc_hz);

	if (vmx_on(&boot_cpu))
		panic("cannot enter VMX root operation on the boot CPU");
	pr_info("vmx root ok");
	vmx_caps_init();
	vmcheck_setup(&bi->manifest);
	policy_set_tsc_hz(bi->tsc_hz);
	policy_set_wallclock(bi->wallclock, bi->wallclock_tsc);
	smp_start(&boot_cpu, bi, bi->manifest.max_cpus);

	slice = bi->tsc_hz / 1000 * bi->manifest.slice_ms;
	if (slice > vcpu_arch_max_slice()) {
		pr_warn("slice_ms = %u is more than the preemption timer counts at once: slices are %lu TSC ticks",
			bi->manifest.slice_ms, vcpu_arch_max_slice());
		slice = vcpu_arch_max_slice();
	}
	/* From here a VM exit that prints does not wait for the UART. */
	console_start_buffering();
	if (!create_partitions(bi))
		sched_end("the parent partition could not be created");
	smp_release(slice);
	partitions_run(slice);
	smp_wait_done();
	partitions_report(bi->tsc_hz);
	vmcheck_report();

	if (smp_vmx_off(&boot_cpu))
		panic("VMXOFF failed on the boot CPU");
	pr_info("vmx off ok");

	power_off(&bi->poweroff);
}
