/* rmtree.c - depth-first removal of the harness's temporary directories (nftw, no symlink
 * following, staying on one file system), so no run leaves files behind. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>

#include "rmtree.h"

static int rmtree_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	if (remove(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int rmtree(const char *path)
{
	return nftw(path, rmtree_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}
