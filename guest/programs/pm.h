/* SPDX-License-Identifier: MIT */
/*
 * What pm.c (the commands, the script, the prompt) and pm_show.c (the
 * views of partitions and of the trace) share.
 */
#ifndef PM_H
#define PM_H

#include "guest/lib/ulib.h"

#define PM_INFO_REASONS_PER_LINE 6
/* hv keeps a console line to 160 characters; a list wraps before. */
#define PM_ITEMS_LINE 96

const char *status_name(long r);
/* "pm: what name: status (r)" */
void report(const char *what, const char *name, long r);
const char *state_name(uint32_t state);
const char *info_state(const struct hv_partition_info *pi);
long part_info(uint32_t id, struct hv_partition_info *pi);
/* The ids of all partitions; how many, or a negative status. */
long part_ids(uint32_t *ids);
/* NAME's id, its info in *pi; a negative status, said, if none. */
long find(const char *name, struct hv_partition_info *pi);

/* The table of partitions, and the line saying who holds the console. */
void table(void);
void info_cmd(const char *name);
void stats_table(void);
void stats_cmd(const char *name);
void trace_switch(const char *name, const char *onoff);
/* Up to max records of each CPU, as hv prints its trace at power-off. */
void trace_read_cmd(unsigned long max);

/* pm_type.c: types text and Enter at NAME's console at its prompt. */
void type_cmd(const char *name, const char *text);

#endif
