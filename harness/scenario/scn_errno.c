/* scn_errno.c - errno names for `fail ERRNO STEP` and for messages: scenarios name errors
 * (ENOENT), never numbers, so a file means the same on every architecture. */
#include <errno.h>
#include <string.h>

#include "scn.h"

struct scn_errno_row {
	const char *name;
	int value;
};

/* The first row of a value gives its name (EAGAIN before EWOULDBLOCK). */
static const struct scn_errno_row scn_errno_table[] = {
    {"EPERM", EPERM},
    {"ENOENT", ENOENT},
    {"ESRCH", ESRCH},
    {"EINTR", EINTR},
    {"EIO", EIO},
    {"ENXIO", ENXIO},
    {"E2BIG", E2BIG},
    {"ENOEXEC", ENOEXEC},
    {"EBADF", EBADF},
    {"ECHILD", ECHILD},
    {"EAGAIN", EAGAIN},
    {"EWOULDBLOCK", EWOULDBLOCK},
    {"ENOMEM", ENOMEM},
    {"EACCES", EACCES},
    {"EFAULT", EFAULT},
    {"ENOTBLK", ENOTBLK},
    {"EBUSY", EBUSY},
    {"EEXIST", EEXIST},
    {"EXDEV", EXDEV},
    {"ENODEV", ENODEV},
    {"ENOTDIR", ENOTDIR},
    {"EISDIR", EISDIR},
    {"EINVAL", EINVAL},
    {"ENFILE", ENFILE},
    {"EMFILE", EMFILE},
    {"ENOTTY", ENOTTY},
    {"ETXTBSY", ETXTBSY},
    {"EFBIG", EFBIG},
    {"ENOSPC", ENOSPC},
    {"ESPIPE", ESPIPE},
    {"EROFS", EROFS},
    {"EMLINK", EMLINK},
    {"EPIPE", EPIPE},
    {"EDOM", EDOM},
    {"ERANGE", ERANGE},
    {"EDEADLK", EDEADLK},
    {"ENAMETOOLONG", ENAMETOOLONG},
    {"ENOLCK", ENOLCK},
    {"ENOSYS", ENOSYS},
    {"ENOTEMPTY", ENOTEMPTY},
    {"ELOOP", ELOOP},
    {"ENOMSG", ENOMSG},
    {"EIDRM", EIDRM},
    {"ENODATA", ENODATA},
    {"ETIME", ETIME},
    {"EPROTO", EPROTO},
    {"EBADMSG", EBADMSG},
    {"EOVERFLOW", EOVERFLOW},
    {"EILSEQ", EILSEQ},
    {"EUSERS", EUSERS},
    {"ENOTSOCK", ENOTSOCK},
    {"EOPNOTSUPP", EOPNOTSUPP},
    {"ENOTSUP", ENOTSUP},
    {"ECONNREFUSED", ECONNREFUSED},
    {"ECONNRESET", ECONNRESET},
    {"ENOTCONN", ENOTCONN},
    {"ETIMEDOUT", ETIMEDOUT},
    {"ESTALE", ESTALE},
    {"EDQUOT", EDQUOT},
    {"ECANCELED", ECANCELED},
    {"EALREADY", EALREADY},
    {"EINPROGRESS", EINPROGRESS},
    {"ENOBUFS", ENOBUFS},
    {"EHOSTUNREACH", EHOSTUNREACH},
    {"ENOTRECOVERABLE", ENOTRECOVERABLE},
    {"EOWNERDEAD", EOWNERDEAD},
    {"ENOMEDIUM", ENOMEDIUM},
    {"EREMOTEIO", EREMOTEIO},
};

#define SCN_ERRNO_ROWS (sizeof(scn_errno_table) / sizeof(scn_errno_table[0]))

int scn_errno_from_name(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < SCN_ERRNO_ROWS; i++) {
		if (strlen(scn_errno_table[i].name) == len &&
		    !memcmp(scn_errno_table[i].name, name, len))
			return scn_errno_table[i].value;
	}
	return -EINVAL;
}

const char *scn_errno_name(int err)
{
	size_t i;

	if (err < 0)
		err = -err;
	for (i = 0; i < SCN_ERRNO_ROWS; i++) {
		if (scn_errno_table[i].value == err)
			return scn_errno_table[i].name;
	}
	return NULL;
}
