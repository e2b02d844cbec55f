/* test_scn_rand.c - the @rand generator against the golden vectors of scenario-format.md,
 * including the SHA-256 of @rand:1m:1 (a tiny SHA-256 lives here so the test needs no
 * crypto library). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scn.h"

static void hex(const unsigned char *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

/* FIPS 180-4 SHA-256, straightforward. */
static const uint32_t sha_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t ror(uint32_t x, int n)
{
	return x >> n | x << (32 - n);
}

static void sha_block(uint32_t h[8], const unsigned char *p)
{
	uint32_t w[64], a[8], t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++)
		w[i] = (ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10)) + w[i - 7] +
		       (ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3)) + w[i - 16];
	memcpy(a, h, sizeof(a));
	for (i = 0; i < 64; i++) {
		t1 = a[7] + (ror(a[4], 6) ^ ror(a[4], 11) ^ ror(a[4], 25)) +
		     ((a[4] & a[5]) ^ (~a[4] & a[6])) + sha_k[i] + w[i];
		t2 = (ror(a[0], 2) ^ ror(a[0], 13) ^ ror(a[0], 22)) +
		     ((a[0] & a[1]) ^ (a[0] & a[2]) ^ (a[1] & a[2]));
		memmove(a + 1, a, 7 * sizeof(a[0]));
		a[4] += t1;
		a[0] = t1 + t2;
	}
	for (i = 0; i < 8; i++)
		h[i] += a[i];
}

static void sha256(const unsigned char *m, size_t n, unsigned char out[32])
{
	uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
			 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	unsigned char tail[128] = {0};
	size_t i, rest = n % 64, tl = rest < 56 ? 64 : 128;
	uint64_t bits = (uint64_t)n * 8;

	for (i = 0; i + 64 <= n; i += 64)
		sha_block(h, m + i);
	memcpy(tail, m + i, rest);
	tail[rest] = 0x80;
	for (i = 0; i < 8; i++)
		tail[tl - 1 - i] = (unsigned char)(bits >> (8 * i));
	for (i = 0; i < tl; i += 64)
		sha_block(h, tail + i);
	for (i = 0; i < 32; i++)
		out[i] = (unsigned char)(h[i / 4] >> (24 - 8 * (i % 4)));
}

static void test_sha256_self_check(void **state)
{
	unsigned char d[32];
	char s[65];

	(void)state;
	sha256((const unsigned char *)"abc", 3, d);
	hex(d, 32, s);
	assert_string_equal(s, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256((const unsigned char *)"", 0, d);
	hex(d, 32, s);
	assert_string_equal(s, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_golden_16_1(void **state)
{
	unsigned char b[16];
	char s[33];

	(void)state;
	scn_rand_fill(b, sizeof(b), 1);
	hex(b, sizeof(b), s);
	assert_string_equal(s, "1ddd6c894bcee4471d6579e0a8a6cfab");
}

static void test_golden_8_7(void **state)
{
	unsigned char b[8];
	char s[17];

	(void)state;
	scn_rand_fill(b, sizeof(b), 7);
	hex(b, sizeof(b), s);
	assert_string_equal(s, "ae2e8d727faffbd1");
}

static void test_golden_1m_sha256(void **state)
{
	size_t n = 1024 * 1024;
	unsigned char *b = malloc(n), d[32];
	char s[65];

	(void)state;
	assert_non_null(b);
	scn_rand_fill(b, n, 1);
	sha256(b, n, d);
	hex(d, 32, s);
	assert_string_equal(s, "e6295f010262d74c01286728f411315662d1642467a715b3c76529fd174a191f");
	free(b);
}

static void test_truncated_last_word(void **state)
{
	unsigned char full[16], part[13];

	(void)state;
	/* a shorter block is a prefix of the longer one: the last word keeps its low bytes */
	scn_rand_fill(full, sizeof(full), 99);
	memset(part, 0xee, sizeof(part));
	scn_rand_fill(part, sizeof(part), 99);
	assert_memory_equal(full, part, sizeof(part));
	scn_rand_fill(part, 0, 99); /* n = 0 writes nothing */
	assert_memory_equal(full, part, sizeof(part));
}

static void test_parsed_rand_matches(void **state)
{
	struct scn_file f;
	char err[256];
	const char *src = "write /a @rand:8:7\n";

	(void)state;
	assert_int_equal(scn_file_parse("r.scn", src, strlen(src), &f, err, sizeof(err)), 0);
	assert_memory_equal(f.steps[0].data, "\xae\x2e\x8d\x72\x7f\xaf\xfb\xd1", 8);
	scn_file_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sha256_self_check),	cmocka_unit_test(test_golden_16_1),
	    cmocka_unit_test(test_golden_8_7),		cmocka_unit_test(test_golden_1m_sha256),
	    cmocka_unit_test(test_truncated_last_word), cmocka_unit_test(test_parsed_rand_matches),
	};

	return cmocka_run_group_tests_name("scn_rand", tests, NULL, NULL);
}
