/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvfile.h - read one "key: value" line of the plain-text files a run
 * leaves behind (run.txt, verdict.txt, guest.log's "gupr-meta: " lines).
 */
#ifndef GUPR_KVFILE_H
#define GUPR_KVFILE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/**
 * kv_read() - the value of the first line of @path starting with @key
 * @path: the file; a missing file or key leaves @out untouched.
 * @key: the line prefix, e.g. "kernel: ".
 * @out: the value, without the line end, truncated to @len - 1 bytes.
 * @len: size of @out in bytes.
 */
static inline void kv_read(const char *path, const char *key, char *out, size_t len)
{
	FILE *f = path ? fopen(path, "r") : NULL;
	char *line = NULL;
	size_t cap = 0, klen = strlen(key);

	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		if (!strncmp(line, key, klen)) {
			line[strcspn(line, "\r\n")] = '\0';
			snprintf(out, len, "%.*s", (int)(len - 1), line + klen);
			break;
		}
	}
	free(line);
	fclose(f);
}

#endif
