/* seed.h - the real policy text in $CUSTOS_SHARED/seed (a .txt file) for unit tests that want
 * a realistic document. Read from there at test time; never copied into the repository. */
#ifndef CUSTOS_TEST_SEED_H
#define CUSTOS_TEST_SEED_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

/* The first .txt file in $CUSTOS_SHARED/seed, whole and NUL-terminated (the caller frees it),
 * its length in *len; NULL when there is none, so the caller can skip. */
static char *seed_text(size_t *len)
{
	const char *root = getenv("CUSTOS_SHARED");
	char dir[1024], path[2048];
	if (!root)
		return NULL;
	snprintf(dir, sizeof(dir), "%s/seed", root);
	DIR *dh = opendir(dir);
	if (!dh)
		return NULL;
	path[0] = '\0';
	for (struct dirent *e; (e = readdir(dh));) {
		size_t n = strlen(e->d_name);
		if (n > 4 && !strcmp(e->d_name + n - 4, ".txt")) {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			break;
		}
	}
	closedir(dh);
	FILE *fp = path[0] ? fopen(path, "rb") : NULL;
	if (!fp)
		return NULL;
	struct buf b;
	buf_init(&b, 0);
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&b, chunk, n);
	fclose(fp);
	*len = b.len;
	return buf_take(&b);
}

#endif
