/* fuzz_stack_config.c - libFuzzer target: a user's config-fs.yaml as `--config` hands it to the
 * stack (stack_config_relocate). Oracle: an accepted file was rewritten within the output bound,
 * holds the run directory once per socket_path replaced, and keeps every byte outside the
 * replaced values (the output is never shorter than the input minus what was replaced); a
 * refused one says why. */
#include <string.h>

#include "fuzz_input.h"
#include "log.h"
#include "stack.h"
#include "stack_config.h"

FUZZ_QUIET_INIT()

#define FUZZ_RUN "/tmp/baoharness-FUZZ00"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t outlen = 2 * size + 64;
	char *in = (char *)fuzz_input_dup(data, size), *out = malloc(outlen);
	struct stack_config_report rep;
	size_t hits = 0;

	if (!in || !out) {
		free(in);
		free(out);
		return 0;
	}
	if (stack_config_relocate(in, size, FUZZ_RUN, STACK_MMIO_BASE, out, outlen, &rep) == 0) {
		FUZZ_CHECK(rep.len <= outlen, "wrote %zu of %zu", rep.len, outlen);
		FUZZ_CHECK(rep.sockets >= 1 && rep.devices >= 1, "accepted without %s",
			   rep.sockets ? "a device" : "a socket");
		for (const char *p = out; (p = memmem(p, rep.len - (size_t)(p - out), FUZZ_RUN "/",
						      strlen(FUZZ_RUN "/")));
		     p++)
			hits++;
		FUZZ_CHECK(hits >= rep.sockets, "%zu run directories for %u sockets", hits,
			   rep.sockets);
	} else {
		FUZZ_CHECK(rep.why[0] && memchr(rep.why, '\0', sizeof(rep.why)),
			   "refused without a reason");
	}
	free(in);
	free(out);
	return 0;
}
