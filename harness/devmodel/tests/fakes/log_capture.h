/* log_capture.h - test-only: what the log (stderr) said while a call ran, so a test can check
 * that an error names the component, the value and the reason. */
#ifndef LOG_CAPTURE_H
#define LOG_CAPTURE_H

#include <stddef.h>

/* Send stderr to a temporary file until log_capture_end. 0 or -errno. */
int log_capture_begin(void);
/* Restore stderr; the captured text (NUL-terminated, truncated to fit) into out. */
void log_capture_end(char *out, size_t cap);

#endif
