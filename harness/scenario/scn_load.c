/* scn_load.c - read a scenario file from disk and hand its bytes to the pure parser; the
 * only part of the scenario language that touches the file system. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scn.h"

#define SCN_LOAD_MAX (64u * 1024u * 1024u)

static int scn_load_read(int fd, const char *path, char **out, size_t *outlen, char *err,
			 size_t errlen)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap), *nb;
	ssize_t n;

	while (buf) {
		if (len == cap) {
			if (cap >= SCN_LOAD_MAX) {
				snprintf(err, errlen, "%s: larger than %u MiB", path,
					 SCN_LOAD_MAX >> 20);
				free(buf);
				return -E2BIG;
			}
			nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			n = -errno;
			snprintf(err, errlen, "%s: read: %s", path, strerror((int)-n));
			free(buf);
			return (int)n;
		}
		if (n == 0) {
			*out = buf;
			*outlen = len;
			return 0;
		}
		len += (size_t)n;
	}
	free(buf);
	snprintf(err, errlen, "%s: out of memory after %zu bytes", path, len);
	return -ENOMEM;
}

int scn_load(const char *path, struct scn_file *out, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: open: %s", path, strerror(-rc));
		return rc;
	}
	rc = scn_load_read(fd, path, &buf, &len, err, errlen);
	close(fd);
	if (rc)
		return rc;
	rc = scn_file_parse(path, buf, len, out, err, errlen);
	free(buf);
	return rc;
}
