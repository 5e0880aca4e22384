// SPDX-License-Identifier: MIT
#include "lib/name.h"

#include "include/hv/hypercall.h"
#include "include/hv/manifest.h"
#include "include/hv/start_info.h"

/* Every name field of the ABI holds a name of HV_NAME_MAX - 1 characters. */
#define FIELD_SIZE(type, field) sizeof(((type *)0)->field)
_Static_assert(FIELD_SIZE(struct hv_manifest_partition, name) == HV_NAME_MAX,
	       "manifest name field");
_Static_assert(FIELD_SIZE(struct hv_partition_create, name) == HV_NAME_MAX,
	       "partition_create name field");
_Static_assert(FIELD_SIZE(struct hv_partition_create, template) ==
		       HV_NAME_MAX,
	       "partition_create template field");
_Static_assert(FIELD_SIZE(struct hv_partition_info, name) == HV_NAME_MAX,
	       "partition_info name field");
_Static_assert(FIELD_SIZE(struct hv_template, name) == HV_NAME_MAX,
	       "template_list name field");
_Static_assert(FIELD_SIZE(struct hv_start_info, name) == HV_NAME_MAX,
	       "start_info name field");

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool hv_name_valid(const char *s)
{
	unsigned int n;

	for (n = 0; n < HV_NAME_MAX && s[n]; n++)
		if (!name_char(s[n]))
			return false;
	return n >= 1 && n < HV_NAME_MAX;
}
