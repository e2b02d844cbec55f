/* log_capture.c - test-only: stderr into a tmpfile and back. */
#include "log_capture.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

static int log_capture_saved = -1;
static FILE *log_capture_file;

int log_capture_begin(void)
{
	fflush(stderr);
	log_capture_file = tmpfile();
	if (!log_capture_file)
		return -errno;
	log_capture_saved = dup(STDERR_FILENO);
	if (log_capture_saved < 0 || dup2(fileno(log_capture_file), STDERR_FILENO) < 0) {
		fclose(log_capture_file);
		log_capture_file = NULL;
		return -errno;
	}
	return 0;
}

void log_capture_end(char *out, size_t cap)
{
	size_t n = 0;

	fflush(stderr);
	if (log_capture_saved >= 0) {
		dup2(log_capture_saved, STDERR_FILENO);
		close(log_capture_saved);
		log_capture_saved = -1;
	}
	if (log_capture_file) {
		rewind(log_capture_file);
		n = fread(out, 1, cap ? cap - 1 : 0, log_capture_file);
		fclose(log_capture_file);
		log_capture_file = NULL;
		/* Echo it, so a failing test still shows what was logged. */
		fwrite(out, 1, n, stderr);
	}
	if (cap)
		out[n] = '\0';
}
