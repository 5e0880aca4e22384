// SPDX-License-Identifier: MIT
/* Options from the partition's cmdline (the manifest's cmdline key). */
#include "guest/tests/rt/rt.h"

#include "lib/string.h"

static bool parse_u64(const char *s, size_t len, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		unsigned int d;

		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned int)(c - 'A' + 10);
		else
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

uint64_t rt_cmdline_u64(const struct hv_start_info *si, const char *key,
			uint64_t def)
{
	/* hv fills the whole array, but a guest cannot rely on a NUL. */
	size_t n = strnlen(si->cmdline, sizeof(si->cmdline));
	size_t klen = strlen(key);
	const char *s = si->cmdline;

	for (size_t i = 0; i < n;) {
		size_t start, end;
		uint64_t v;

		while (i < n && s[i] == ' ')
			i++;
		start = i;
		while (i < n && s[i] != ' ')
			i++;
		end = i;
		if (end - start > klen + 1 && !strncmp(s + start, key, klen) &&
		    s[start + klen] == '=' &&
		    parse_u64(s + start + klen + 1, end - start - klen - 1, &v))
			return v;
	}
	return def;
}
