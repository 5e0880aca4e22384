/* SPDX-License-Identifier: MIT */
/* What bench.c shares with bench_linux.c: the benchmark's one program. */
#ifndef GUEST_PROGRAMS_BENCH_PROG_H
#define GUEST_PROGRAMS_BENCH_PROG_H

#include <stdbool.h>
#include <stdint.h>

struct hv_partition_info;

/* A status that stops the benchmark: said once, as a failed test. */
bool ok(const char *what, long r);
long part_info(uint32_t id, struct hv_partition_info *pi);
/* bench=linux: a Linux child from template tmpl booted to its marker. */
void linux_figure(const char *tmpl, const char *key);

#endif
