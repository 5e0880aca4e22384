// SPDX-License-Identifier: MIT
/*
 * The xAPIC page's accesses, completed (arch/x86/mmio.h).
 *
 * Widths: SDM Vol. 3A, "Local APIC Register Address Map": every register
 * is 32 bits wide at a 16-byte aligned offset, and "all registers must be
 * accessed using 128-bit aligned 32-bit loads or stores"; narrower ones
 * are model specific, wider ones undefined. hv takes the 32-bit aligned
 * accesses, and also byte and word loads inside a register's low four
 * bytes, which many processors serve and some kernels' debug code uses.
 * Anything else (a narrower store, a wider access, an access to bytes
 * 4-15 of a register's slot) stops the guest: there is no value to give
 * it that a real APIC would agree with.
 */
#include "arch/x86/mmio.h"

#include "lib/fmt.h"
#include "lib/string.h"

static bool width_ok(uint32_t offset, unsigned size, enum mmio_dir dir)
{
	if (size == 4)
		return (offset & 15) == 0;
	return dir == MMIO_READ && size <= 2 && (offset & 15) + size <= 4;
}

unsigned mmio_fetch_max(enum x86_cpu_mode mode, uint64_t rip,
			uint32_t cs_limit, bool la57)
{
	uint64_t left;

	if (mode == X86_MODE_64) {
		uint64_t half = 1ull << (la57 ? 56 : 47);

		/* The lower half ends at half, the upper half at 2^64; an
		 * address between them is not canonical. */
		if (rip < half)
			left = half - rip;
		else if (rip >= -half)
			left = -rip;
		else
			left = 0;
	} else if (cs_limit == 0xffffffffu) {
		left = X86_INSN_MAX;
	} else {
		left = rip > cs_limit ? 0 : (uint64_t)cs_limit - rip + 1;
	}
	return left < X86_INSN_MAX ? (unsigned)left : X86_INSN_MAX;
}

enum mmio_status apic_mmio(const struct mmio_cpu *c, uint32_t offset,
			   enum mmio_dir dir, const struct mmio_dev *d,
			   struct mmio_report *r)
{
	struct x86_insn *in = &r->insn;
	uint32_t reg = offset & 0xff0, val;
	uint64_t src;

	memset(r, 0, sizeof(*r));
	r->offset = offset;
	r->nbytes = x86_fetch(&c->walk, c->fetch_la, r->bytes,
			      c->fetch_max < X86_INSN_MAX ? c->fetch_max :
							    X86_INSN_MAX,
			      &r->fetch);
	r->decode = x86_insn_decode(r->bytes, r->nbytes, c->mode, in);
	if (r->decode == X86_INSN_TRUNCATED && r->fetch.status)
		return MMIO_FETCH;
	/* Bytes the CPU would have raised #GP for, not bytes hv runs. */
	if (r->decode == X86_INSN_TRUNCATED && r->nbytes == c->fetch_max)
		return MMIO_LIMIT;
	if (r->decode)
		return MMIO_DECODE;
	if (in->write != (dir == MMIO_WRITE))
		return MMIO_DIRECTION;
	if (!width_ok(offset, in->size, dir))
		return MMIO_WIDTH;
	if (dir == MMIO_WRITE) {
		src = x86_insn_store_value(in, in->has_imm ? 0 :
						 c->get_reg(c->reg_ctx, in->reg));
		return d->write(d->ctx, reg, (uint32_t)src) ? MMIO_FAULT : MMIO_DONE;
	}
	if (d->read(d->ctx, reg, &val))
		return MMIO_FAULT;
	val >>= 8 * (offset & 3);
	c->set_reg(c->reg_ctx, in->reg,
		   x86_insn_load_result(in, c->get_reg(c->reg_ctx, in->reg), val));
	return MMIO_DONE;
}

static const char *const mode_names[] = { "16-bit", "32-bit", "64-bit" };

static const char *walk_text(enum x86_walk_status s)
{
	switch (s) {
	case X86_WALK_OK:
		break;
	case X86_WALK_NOT_PRESENT:
		return "not present";
	case X86_WALK_RESERVED:
		return "a reserved bit set";
	case X86_WALK_PROTECTION:
		return "no execute access";
	case X86_WALK_NO_RAM:
		return "outside its RAM";
	}
	return "fetched";
}

void apic_mmio_describe(enum mmio_status s, const struct mmio_cpu *c,
			const struct mmio_report *r, char *buf, size_t len)
{
	char hex[3 * X86_INSN_MAX + 1] = "";
	const char *what = "completed";
	size_t at = 0;

	for (unsigned i = 0; i < r->nbytes && i < X86_INSN_MAX; i++)
		at += (size_t)fmt_snprintf(hex + at, sizeof(hex) - at, "%s%02x",
					   i ? " " : "", r->bytes[i]);
	switch (s) {
	case MMIO_DONE:
		break;
	case MMIO_FETCH:
		what = "fetch failed";
		break;
	case MMIO_LIMIT:
		what = c->mode == X86_MODE_64 ?
			       "runs past canonical addresses: #GP on a CPU" :
			       "runs past the CS limit: #GP on a CPU";
		break;
	case MMIO_DECODE:
		what = x86_insn_status_text(r->decode);
		break;
	case MMIO_DIRECTION:
		what = "the direction is not the exit's";
		break;
	case MMIO_WIDTH:
		what = "a width or offset the xAPIC refuses";
		break;
	case MMIO_FAULT:
		what = "a register access that faults";
		break;
	}
	if (s == MMIO_FETCH)
		fmt_snprintf(buf, len,
			     "xAPIC access at offset 0x%x: %s: linear 0x%lx, %s, entry at guest-physical 0x%lx %s (level %u)",
			     r->offset, what, c->fetch_la, x86_walk_mode_name(&c->walk),
			     r->fetch.gpa, walk_text(r->fetch.status), r->fetch.level);
	else if (s == MMIO_DECODE || s == MMIO_LIMIT)
		fmt_snprintf(buf, len,
			     "xAPIC access at offset 0x%x: %s: %s code, %s, bytes [%s]",
			     r->offset, what, mode_names[c->mode],
			     x86_walk_mode_name(&c->walk), hex);
	else
		fmt_snprintf(buf, len,
			     "xAPIC access at offset 0x%x: %s: a %u-byte %s, %s code, %s, bytes [%s]",
			     r->offset, what, r->insn.size,
			     r->insn.write ? "store" : "load", mode_names[c->mode],
			     x86_walk_mode_name(&c->walk), hex);
}
