// SPDX-License-Identifier: MIT
#include "guest/lib/ulib.h"

const char *cmdline_value(const char *cmdline, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = cmdline; *p;) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, key, n) && p[n] == '=')
			return p + n + 1;
		while (*p && *p != ' ')
			p++;
	}
	return NULL;
}

bool cmdline_u64(const char *cmdline, const char *key, uint64_t *value)
{
	const char *p = cmdline_value(cmdline, key);
	uint64_t v = 0;

	if (!p || *p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p && *p != ' ')
		return false;
	*value = v;
	return true;
}

bool cmdline_is(const char *cmdline, const char *key, const char *value)
{
	const char *p = cmdline_value(cmdline, key);
	size_t n = strlen(value);

	return p && !strncmp(p, value, n) && (!p[n] || p[n] == ' ');
}
