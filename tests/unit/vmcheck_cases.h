/* SPDX-License-Identifier: MIT */
/*
 * The cases of the VM-entry checker's unit test, shared by
 * tests/unit/test_vmcheck.c and its mutation test,
 * tests/unit/test_vmcheck_mutant.c: for every rule, an image that breaks
 * that rule and no other (or, where the SDM's rules overlap, only the
 * others the case names), built from one of a few valid images.
 */
#ifndef UNIT_VMCHECK_CASES_H
#define UNIT_VMCHECK_CASES_H

#include <stdbool.h>
#include <stddef.h>

#include "arch/x86/vmcheck_image.h"

/* Valid images of guests in each mode the checks distinguish. */
enum vmcheck_base {
	BASE_64, /* hv's own: a 64-bit guest, EPT and VPID */
	BASE_COMPAT, /* IA-32e compatibility mode */
	BASE_PROT32, /* 32-bit protected mode, 32-bit paging */
	BASE_PAE32, /* 32-bit protected mode, PAE paging */
	BASE_V86, /* virtual-8086 mode */
	BASE_REAL, /* real mode under unrestricted guest */
	BASE_HOST32, /* a 32-bit guest of a host outside IA-32e mode */
	/*
	 * What a pc partition (unrestricted guest) really entered with, in
	 * Bochs, recorded by tests/boot/scenarios/pc-guests.scn: pcmodes'
	 * vCPU in each mode it goes through (tests/unit/data/vmcs/).
	 */
	BASE_PC_REAL, /* real mode */
	BASE_PC_PM16, /* 16-bit protected mode, paging off */
	BASE_PC_PM32, /* 32-bit protected mode, paging off */
	BASE_PC_PAGING, /* 32-bit paging */
	BASE_PC_PAE, /* PAE paging */
	BASE_PC_LONG, /* IA-32e mode, 64-bit code */
	BASE_COUNT,
};

extern const char *const vmcheck_base_names[BASE_COUNT];

/* The capabilities the cases' images are checked against: a CPU that
 * allows every control the rules are about. */
void vmcheck_test_caps(struct vmcheck_caps *caps);
void vmcheck_base_image(enum vmcheck_base base, struct vmcheck_image *img);

unsigned vmcheck_case_count(void);
/* The rule case i is about. */
unsigned vmcheck_case_rule(unsigned i);
/* Whether case i expects rule to be broken: its own, or one of "also". */
bool vmcheck_case_expects(unsigned i, unsigned rule);
/* Builds case i's image. */
void vmcheck_case_image(unsigned i, struct vmcheck_image *img);
/*
 * Checks case i's image: true when the first rule it reports and the
 * set of every rule it breaks are what the case says. Otherwise why
 * (len bytes) names what was reported instead.
 */
bool vmcheck_case_run(unsigned i, char *why, size_t len);

#endif
