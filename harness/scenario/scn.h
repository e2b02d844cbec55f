/* scn.h - scenario files (*.scn): the parser (pure, over a buffer and a length) and the
 * executor that gives each step its meaning over a vfs_ops. The format is the contract in
 * shared/scenario-format.md; extensions are documented in scenarios/README.md. */
#ifndef HARNESS_SCN_H
#define HARNESS_SCN_H

#include <stddef.h>
#include <stdint.h>

#include "vfs.h"

enum scn_cmd {
	/* frontend steps */
	SCN_WRITE,
	SCN_APPEND,
	SCN_PWRITE,
	SCN_READ,
	SCN_PREAD,
	SCN_TRUNCATE,
	SCN_STAT,
	SCN_MKDIR,
	SCN_RMDIR,
	SCN_UNLINK,
	SCN_RENAME,
	SCN_SYMLINK,
	SCN_READLINK,
	SCN_LIST,
	SCN_FSYNC,
	/* host steps */
	SCN_HOST_WRITE,
	SCN_HOST_APPEND,
	SCN_HOST_READ,
	SCN_HOST_MKDIR,
	SCN_HOST_UNLINK,
	SCN_HOST_STAT,
	SCN_HOST_LIST,
	SCN_HOST_ABSENT,
	/* control */
	SCN_SLEEP,
	SCN_REMOUNT,
	SCN_REQUIRE,
	/* fault injection (control steps; files using them start with `require faults`) */
	SCN_KILL_BACKEND,
	SCN_RESTART_BACKEND,
	SCN_KILL_DEVMODEL,
	SCN_RESTART_DEVMODEL,
	SCN_RESET_DEVICE,
	SCN_IRQ_DROP,
	SCN_IRQ_DELAY,
	SCN_CMD_COUNT
};

enum scn_side { SCN_SIDE_FRONTEND, SCN_SIDE_HOST, SCN_SIDE_CONTROL };

/* stat/host-stat fields present */
#define SCN_STAT_SIZE 1u
#define SCN_STAT_TYPE 2u
#define SCN_STAT_MODE 4u

struct scn_step {
	unsigned int line;   /* 1-based line number in its file */
	enum scn_cmd cmd;    /* for `fail`, the wrapped step */
	char *text;	     /* the step's source text without comment and outer blanks */
	int fail_errno;	     /* `fail ERRNO STEP`: expected errno (> 0); 0 when not wrapped */
	char *path;	     /* PATH; symlink: the new link's PATH; rename: OLD */
	char *path2;	     /* rename: NEW; symlink and readlink: TARGET */
	uint64_t offset;     /* pwrite, pread */
	uint64_t len;	     /* pread LEN */
	uint64_t number;     /* truncate SIZE, sleep MS, irq-drop N, irq-delay MS */
	unsigned char *data; /* DATA bytes (may hold NULs), NULL when absent */
	size_t data_len;
	int has_data;
	unsigned int stat_fields; /* SCN_STAT_* */
	uint64_t stat_size;
	uint32_t stat_type; /* S_IFREG, S_IFDIR or S_IFLNK */
	uint32_t stat_mode; /* compared with st_mode & 07777 */
	char **names;	    /* list/host-list NAMEs, require CAPABILITYs */
	size_t n_names;
};

struct scn_file {
	char *name; /* as given to scn_parse */
	struct scn_step *steps;
	size_t n_steps;
};

/* Parse a whole file. On error returns -EINVAL and writes "NAME:LINE: message" to err;
 * nothing is allocated in *out then. Pure: touches no file system. */
int scn_file_parse(const char *name, const char *buf, size_t len, struct scn_file *out, char *err,
		   size_t errlen);
/* Parse one step line (as a guest agent receives it; one trailing newline is allowed);
 * line_no is used in messages. Returns 0, -EINVAL with "NAME:LINE: message" in err,
 * -ENODATA when the line is blank or only a comment, or -ENOMEM. `require` is accepted
 * here; only scn_parse knows whether it is the first step. */
int scn_parse_step(const char *name, unsigned int line_no, const char *line, size_t len,
		   struct scn_step *out, char *err, size_t errlen);
void scn_parse_step_free(struct scn_step *st);
void scn_file_free(struct scn_file *f);

enum scn_side scn_cmd_step_side(const struct scn_step *st);
const char *scn_cmd_name(enum scn_cmd cmd);

/* Run one frontend or host step on a vfs (host steps: the POSIX vfs on the share).
 * Returns 0 when the step passed; otherwise -1 with a one-line reason in why.
 * Control steps are the runner's business and return -1 with "not executable" here. */
int scn_exec_step(const struct scn_step *st, const struct vfs_ops *ops, void *ctx, char *why,
		  size_t whylen);

/* Fill buf with the @rand:N:SEED bytes (xorshift64*, scenario-format.md). */
void scn_rand_fill(unsigned char *buf, size_t n, uint64_t seed);

/* Extensions to the lead's API (used by the runner and the guest agent). */

/* Read the file at path (at most 64 MiB) and scn_parse it under that name. Returns 0,
 * -EINVAL (parse error), -E2BIG, -ENOMEM or the open/read -errno, with a message in err. */
int scn_load(const char *path, struct scn_file *out, char *err, size_t errlen);
/* "ENOENT" -> ENOENT (> 0); -EINVAL for a name not in the table. */
int scn_errno_from_name(const char *name, size_t len);
/* ENOENT or -ENOENT -> "ENOENT"; NULL for a value not in the table. */
const char *scn_errno_name(int err);

#endif
