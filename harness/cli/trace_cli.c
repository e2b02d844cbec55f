/* trace_cli.c - `baoharness trace show FILE`: each recorded FUSE request/reply pair on one line,
 * with the opcode's name, unique, node id, names, payload size and the reply's errno name, read
 * through the pure trace parser (a malformed file is an error naming the offset, never a crash). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/fuse.h>

#include "fuse_msg.h"
#include "fuse_trace.h"
#include "run.h"
#include "scn.h"
#include "trace_cli.h"

/* Whole trace files are read into memory: a run's trace is far smaller than this. */
#define TRACE_CLI_FILE_MAX (1ull << 30)

static void trace_cli_name(const char *label, const char *s)
{
	if (!s)
		return;
	printf(" %s\"", label);
	for (; *s; s++)
		printf(*s >= 0x20 && *s < 0x7f && *s != '"' ? "%c" : "\\x%02x", (unsigned char)*s);
	printf("\"");
}

static int trace_cli_show_one(void *arg, const struct fuse_trace_rec *r, size_t index)
{
	uint8_t *whole = NULL;
	const uint8_t *req = r->req;
	size_t len = r->req_len;
	struct fuse_msg_in in;
	char why[160];

	(void)arg;
	if (r->kind == FUSE_TRACE_KIND_HOST) {
		printf("%zu host step: %.*s\n", index, (int)r->req_len, (const char *)r->req);
		return 0;
	}
	/* A WRITE's payload went in its own descriptor: the header counts it. */
	if (r->data_len) {
		whole = malloc((size_t)r->req_len + r->data_len);
		if (!whole)
			return -ENOMEM;
		memcpy(whole, r->req, r->req_len);
		memcpy(whole + r->req_len, r->data, r->data_len);
		req = whole;
		len += r->data_len;
	}
	printf("%zu ", index);
	if (fuse_msg_decode_request(req, len, &in, why, sizeof(why)) == 0) {
		printf("%s unique %llu nodeid %llu", in.op->name, (unsigned long long)in.hdr.unique,
		       (unsigned long long)in.hdr.nodeid);
		trace_cli_name("", in.name1);
		trace_cli_name("-> ", in.name2);
		if (in.data_len)
			printf(" data %zu bytes", in.data_len);
	} else {
		printf("(undecodable request, %zu bytes: %s)", len, why);
	}
	if (r->reply_len >= sizeof(struct fuse_out_header)) {
		struct fuse_out_header h;
		const char *en;

		memcpy(&h, r->reply, sizeof(h));
		en = h.error ? scn_errno_name(h.error) : "ok";
		printf(" => %s (%d), unique %llu, %u bytes\n", en ? en : "errno", h.error,
		       (unsigned long long)h.unique, r->reply_len);
	} else {
		printf(" => %s\n", r->reply_len ? "short reply" : "no reply");
	}
	free(whole);
	return 0;
}

static int trace_cli_read(const char *path, uint8_t **buf, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
	size_t got = 0;

	if (fd < 0 || fstat(fd, &st)) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (unsigned long long)st.st_size > TRACE_CLI_FILE_MAX) {
		rc = S_ISREG(st.st_mode) ? -E2BIG : -EINVAL;
		goto out;
	}
	*buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!*buf) {
		rc = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, *buf + got, (size_t)st.st_size - got);

		if (n <= 0) {
			rc = n ? -errno : -EIO;
			break;
		}
		got += (size_t)n;
	}
	*len = got;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

int trace_cli_main(int argc, char **argv)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	char why[256];
	long n;
	int rc;

	if (argc != 3 || strcmp(argv[1], "show")) {
		fprintf(stderr,
			"usage: baoharness trace show FILE   (a `run --record FILE` trace)\n");
		return RUN_EXIT_USAGE;
	}
	rc = trace_cli_read(argv[2], &buf, &len);
	if (rc) {
		fprintf(stderr, "baoharness trace: cannot read %s: %s\n", argv[2], strerror(-rc));
		free(buf);
		return RUN_EXIT_FAIL;
	}
	n = fuse_trace_parse(buf, len, trace_cli_show_one, NULL, why, sizeof(why));
	free(buf);
	if (n < 0) {
		fflush(stdout);
		fprintf(stderr, "baoharness trace: %s: %s\n", argv[2],
			n == -EINVAL ? why : strerror((int)-n));
		return RUN_EXIT_FAIL;
	}
	printf("# %ld records (FUSE request/reply pairs and host steps; trace version %u)\n", n,
	       FUSE_TRACE_VERSION);
	return RUN_EXIT_PASS;
}
