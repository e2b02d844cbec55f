/* afl_driver.c - a small main for the libFuzzer-style targets under AFL++: persistent mode
 * with shared-memory test cases when built by afl-clang-fast/lto, otherwise (or with file
 * arguments) each input is read and run once, so the AFL++ binaries also replay files. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define AFL_DRIVER_MAX (1u << 20)

#ifdef __AFL_FUZZ_TESTCASE_LEN
__AFL_FUZZ_INIT();
#endif

/* Run one input from an exact-size heap copy (AddressSanitizer sees reads past its end). */
static void afl_driver_one(const uint8_t *data, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		abort();
	memcpy(copy, data, len);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
}

static size_t afl_driver_read(FILE *f, uint8_t *buf, size_t cap)
{
	size_t n = 0, k;

	while (n < cap && (k = fread(buf + n, 1, cap - n, f)) > 0)
		n += k;
	return n;
}

int main(int argc, char **argv)
{
	static uint8_t buf[AFL_DRIVER_MAX];
	size_t n;

	LLVMFuzzerInitialize(&argc, &argv);
	if (argc > 1) {
		for (int i = 1; i < argc; i++) {
			FILE *f = fopen(argv[i], "rb");

			if (!f) {
				perror(argv[i]);
				return 2;
			}
			n = afl_driver_read(f, buf, sizeof(buf));
			fclose(f);
			afl_driver_one(buf, n);
		}
		return 0;
	}
#ifdef __AFL_FUZZ_TESTCASE_LEN
	__AFL_INIT();
	unsigned char *tc = __AFL_FUZZ_TESTCASE_BUF;

	while (__AFL_LOOP(10000))
		afl_driver_one(tc, (size_t)__AFL_FUZZ_TESTCASE_LEN);
#else
	n = afl_driver_read(stdin, buf, sizeof(buf));
	afl_driver_one(buf, n);
#endif
	return 0;
}
