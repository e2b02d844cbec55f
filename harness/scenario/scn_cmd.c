/* scn_cmd.c - the command table: name, side and argument shape of every step. New steps
 * (fault injection, issue 6) are added by appending an enum value in scn.h and a row here;
 * scn_parse.c reads only this table, never a switch on names. */
#include <string.h>

#include "scn_cmd.h"

#define FE SCN_SIDE_FRONTEND
#define HOST SCN_SIDE_HOST
#define CTRL SCN_SIDE_CONTROL

/* Signature letters are explained in scn_cmd.h; usage words name the arguments in order. */
static const struct scn_cmd_desc scn_cmd_table[SCN_CMD_COUNT] = {
    [SCN_WRITE] = {"write", FE, "pd", "PATH DATA"},
    [SCN_APPEND] = {"append", FE, "pd", "PATH DATA"},
    [SCN_PWRITE] = {"pwrite", FE, "pod", "PATH OFFSET DATA"},
    [SCN_READ] = {"read", FE, "pD", "PATH [DATA]"},
    [SCN_PREAD] = {"pread", FE, "polD", "PATH OFFSET LEN [DATA]"},
    [SCN_TRUNCATE] = {"truncate", FE, "pz", "PATH SIZE"},
    [SCN_STAT] = {"stat", FE, "ps", "PATH [size N] [type file|dir|symlink] [mode OCTAL]"},
    [SCN_MKDIR] = {"mkdir", FE, "p", "PATH"},
    [SCN_RMDIR] = {"rmdir", FE, "p", "PATH"},
    [SCN_UNLINK] = {"unlink", FE, "p", "PATH"},
    [SCN_RENAME] = {"rename", FE, "pP", "OLD NEW"},
    [SCN_SYMLINK] = {"symlink", FE, "tp", "TARGET PATH"},
    [SCN_READLINK] = {"readlink", FE, "pt", "PATH TARGET"},
    [SCN_LIST] = {"list", FE, "pN", "PATH [NAME...]"},
    [SCN_FSYNC] = {"fsync", FE, "p", "PATH"},
    [SCN_HOST_WRITE] = {"host-write", HOST, "pd", "PATH DATA"},
    [SCN_HOST_APPEND] = {"host-append", HOST, "pd", "PATH DATA"},
    [SCN_HOST_READ] = {"host-read", HOST, "pd", "PATH DATA"},
    [SCN_HOST_MKDIR] = {"host-mkdir", HOST, "p", "PATH"},
    [SCN_HOST_UNLINK] = {"host-unlink", HOST, "p", "PATH"},
    [SCN_HOST_STAT] = {"host-stat", HOST, "ps",
		       "PATH [size N] [type file|dir|symlink] [mode OCTAL]"},
    [SCN_HOST_LIST] = {"host-list", HOST, "pN", "PATH [NAME...]"},
    [SCN_HOST_ABSENT] = {"host-absent", HOST, "p", "PATH"},
    [SCN_SLEEP] = {"sleep", CTRL, "n", "MS"},
    [SCN_REMOUNT] = {"remount", CTRL, "", ""},
    [SCN_REQUIRE] = {"require", CTRL, "C", "CAPABILITY..."},
    [SCN_KILL_BACKEND] = {"kill-backend", CTRL, "", ""},
    [SCN_RESTART_BACKEND] = {"restart-backend", CTRL, "", ""},
    [SCN_KILL_DEVMODEL] = {"kill-devmodel", CTRL, "", ""},
    [SCN_RESTART_DEVMODEL] = {"restart-devmodel", CTRL, "", ""},
    [SCN_RESET_DEVICE] = {"reset-device", CTRL, "", ""},
    [SCN_IRQ_DROP] = {"irq-drop", CTRL, "n", "N"},
    [SCN_IRQ_DELAY] = {"irq-delay", CTRL, "n", "MS"},
};

const struct scn_cmd_desc *scn_cmd_desc(enum scn_cmd cmd)
{
	if ((unsigned int)cmd >= SCN_CMD_COUNT || !scn_cmd_table[cmd].name)
		return NULL;
	return &scn_cmd_table[cmd];
}

int scn_cmd_lookup(const char *name, size_t len, enum scn_cmd *out)
{
	size_t i;

	for (i = 0; i < SCN_CMD_COUNT; i++) {
		const char *n = scn_cmd_table[i].name;

		if (n && strlen(n) == len && !memcmp(n, name, len)) {
			*out = (enum scn_cmd)i;
			return 0;
		}
	}
	return -ENOENT;
}

const char *scn_cmd_name(enum scn_cmd cmd)
{
	const struct scn_cmd_desc *d = scn_cmd_desc(cmd);

	return d ? d->name : "?";
}

enum scn_side scn_cmd_step_side(const struct scn_step *st)
{
	const struct scn_cmd_desc *d = scn_cmd_desc(st->cmd);

	return d ? d->side : SCN_SIDE_CONTROL;
}

void scn_cmd_argname(const struct scn_cmd_desc *d, size_t idx, char *buf, size_t buflen)
{
	const char *p = d->usage, *e;
	size_t i, n;

	for (i = 0; i < idx && p; i++) {
		p = strchr(p, ' ');
		p = p ? p + 1 : NULL;
	}
	if (!p || !*p || buflen == 0) {
		snprintf(buf, buflen, "argument");
		return;
	}
	if (*p == '[')
		p++;
	e = p + strcspn(p, " ]");
	n = (size_t)(e - p);
	if (n >= 3 && !memcmp(e - 3, "...", 3))
		n -= 3;
	snprintf(buf, buflen, "%.*s", (int)n, p);
}
