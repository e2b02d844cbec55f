/* test_vhost_user_msg.c - vhost-user encode/decode: byte layouts of the requests the device
 * model sends, and rejection of malformed backend replies. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vhost_user_msg.h"

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static void test_header_and_u64(void **state)
{
	uint8_t b[64];
	int n;

	(void)state;
	n = vhost_user_msg_u64(VHOST_USER_SET_FEATURES, VHOST_USER_NEED_REPLY, 0x140000000ULL, b,
			       sizeof(b));
	assert_int_equal(n, 20);
	assert_int_equal(rd32(b), VHOST_USER_SET_FEATURES);
	assert_int_equal(rd32(b + 4), VHOST_USER_VERSION | VHOST_USER_NEED_REPLY);
	assert_int_equal(rd32(b + 8), 8);
	assert_int_equal(rd64(b + 12), 0x140000000ULL);
	/* No payload. */
	n = vhost_user_msg_encode(VHOST_USER_GET_FEATURES, 0, NULL, 0, b, sizeof(b));
	assert_int_equal(n, 12);
	assert_int_equal(rd32(b + 8), 0);
	/* Does not fit. */
	assert_int_equal(vhost_user_msg_u64(VHOST_USER_SET_FEATURES, 0, 1, b, 19), -E2BIG);
	assert_string_equal(vhost_user_msg_name(VHOST_USER_SET_VRING_ADDR), "SET_VRING_ADDR");
	assert_string_equal(vhost_user_msg_name(999), "UNKNOWN");
}

static void test_vring_addr_order(void **state)
{
	struct vhost_user_vring_addr a = {
	    .index = 1,
	    .flags = 0,
	    .desc_user_addr = 0x1111,
	    .used_user_addr = 0x2222,
	    .avail_user_addr = 0x3333,
	    .log_guest_addr = 0,
	};
	uint8_t b[128];

	(void)state;
	assert_int_equal(vhost_user_msg_vring_addr(0, &a, b, sizeof(b)), 12 + 40);
	/* Spec order: index, flags, desc, used, avail, log. */
	assert_int_equal(rd32(b + 12), 1);
	assert_int_equal(rd32(b + 16), 0);
	assert_int_equal(rd64(b + 20), 0x1111);
	assert_int_equal(rd64(b + 28), 0x2222);
	assert_int_equal(rd64(b + 36), 0x3333);
	assert_int_equal(rd64(b + 44), 0);
}

static void test_mem_table_and_state(void **state)
{
	struct vhost_user_mem_region r = {0x10000000, 0x1000000, 0x7f0000000000ULL, 0};
	uint8_t b[VHOST_USER_MSG_MAX];

	(void)state;
	assert_int_equal(vhost_user_msg_mem_table(0, &r, 1, b, sizeof(b)), 12 + 8 + 32);
	assert_int_equal(rd32(b), VHOST_USER_SET_MEM_TABLE);
	assert_int_equal(rd32(b + 8), 40);
	assert_int_equal(rd32(b + 12), 1); /* nregions */
	assert_int_equal(rd32(b + 16), 0); /* padding */
	assert_int_equal(rd64(b + 20), 0x10000000);
	assert_int_equal(rd64(b + 28), 0x1000000);
	assert_int_equal(rd64(b + 36), 0x7f0000000000ULL);
	assert_int_equal(rd64(b + 44), 0);
	assert_int_equal(vhost_user_msg_mem_table(0, &r, 0, b, sizeof(b)), -EINVAL);
	assert_int_equal(vhost_user_msg_mem_table(0, &r, 9, b, sizeof(b)), -EINVAL);

	assert_int_equal(
	    vhost_user_msg_vring_state(VHOST_USER_SET_VRING_NUM, 0, 1, 1024, b, sizeof(b)), 20);
	assert_int_equal(rd32(b + 12), 1);
	assert_int_equal(rd32(b + 16), 1024);
	assert_int_equal(vhost_user_msg_get_config(0, 0, 40, b, sizeof(b)), 12 + 12 + 40);
	assert_int_equal(vhost_user_msg_get_config(0, 0, 5000, b, sizeof(b)), -E2BIG);
}

static void test_decode_hdr(void **state)
{
	uint8_t b[12];
	struct vhost_user_hdr h = {VHOST_USER_GET_FEATURES, VHOST_USER_VERSION | VHOST_USER_REPLY,
				   8};

	(void)state;
	memcpy(b, &h, 12);
	assert_int_equal(vhost_user_msg_decode_hdr(b, 11, &h), -EINVAL);
	assert_int_equal(vhost_user_msg_decode_hdr(b, 12, &h), 0);
	assert_int_equal(h.size, 8);
	h.size = VHOST_USER_PAYLOAD_MAX + 1;
	memcpy(b, &h, 12);
	assert_int_equal(vhost_user_msg_decode_hdr(b, 12, &h), -E2BIG);
}

static void test_check_reply(void **state)
{
	struct vhost_user_hdr ok = {VHOST_USER_GET_FEATURES, VHOST_USER_VERSION | VHOST_USER_REPLY,
				    8};
	struct vhost_user_hdr h;
	char why[160];

	(void)state;
	assert_int_equal(
	    vhost_user_msg_check_reply(&ok, VHOST_USER_GET_FEATURES, 8, why, sizeof(why)), 0);
	/* Reply to another request. */
	h = ok;
	h.request = VHOST_USER_GET_PROTOCOL_FEATURES;
	assert_int_equal(
	    vhost_user_msg_check_reply(&h, VHOST_USER_GET_FEATURES, 8, why, sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, "GET_PROTOCOL_FEATURES"));
	/* No reply flag. */
	h = ok;
	h.flags = VHOST_USER_VERSION;
	assert_int_equal(
	    vhost_user_msg_check_reply(&h, VHOST_USER_GET_FEATURES, 8, why, sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, "reply flag"));
	/* Wrong version. */
	h = ok;
	h.flags = 2 | VHOST_USER_REPLY;
	assert_int_equal(vhost_user_msg_check_reply(&h, VHOST_USER_GET_FEATURES, 8, NULL, 0),
			 -EPROTO);
	/* Wrong size for the request. */
	h = ok;
	h.size = 4;
	assert_int_equal(
	    vhost_user_msg_check_reply(&h, VHOST_USER_GET_FEATURES, 8, why, sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, "size 4"));
	/* Expected sizes per request. */
	assert_int_equal(vhost_user_msg_reply_size(VHOST_USER_GET_FEATURES, 0), 8);
	assert_int_equal(vhost_user_msg_reply_size(VHOST_USER_GET_VRING_BASE, 0), 8);
	assert_int_equal(vhost_user_msg_reply_size(VHOST_USER_GET_CONFIG, 40), 52);
	assert_int_equal(vhost_user_msg_reply_size(VHOST_USER_SET_MEM_TABLE, 0), 8);
}

static void test_parse_payloads(void **state)
{
	uint8_t p[16] = {0x78, 0x56, 0x34, 0x12, 0, 0, 0, 0, 1, 0, 0, 0};
	struct vhost_user_vring_state s;
	uint64_t v;

	(void)state;
	assert_int_equal(vhost_user_msg_parse_u64(p, 8, &v), 0);
	assert_int_equal(v, 0x12345678);
	assert_int_equal(vhost_user_msg_parse_u64(p, 7, &v), -EPROTO);
	assert_int_equal(vhost_user_msg_parse_vring_state(p + 4, 8, &s), 0);
	assert_int_equal(s.index, 0);
	assert_int_equal(s.num, 1);
	assert_int_equal(vhost_user_msg_parse_vring_state(p, 12, &s), -EPROTO);
}

/* GET_CONFIG's reply: the offset and size asked for echoed, then exactly that many bytes; a
 * size-0 reply is the backend refusing (the vhost crate's answer). */
static void test_parse_config(void **state)
{
	uint8_t p[12 + 40];
	uint32_t head[3] = {0, 40, 0};
	const uint8_t *cfg = NULL;
	char why[160];

	(void)state;
	memcpy(p, head, sizeof(head));
	memset(p + 12, 'x', 40);
	assert_int_equal(vhost_user_msg_parse_config(p, sizeof(p), 0, 40, &cfg, why, sizeof(why)),
			 0);
	assert_ptr_equal(cfg, p + 12);
	assert_int_equal(vhost_user_msg_parse_config(p, 11, 0, 40, &cfg, why, sizeof(why)),
			 -EPROTO);
	assert_non_null(strstr(why, "shorter than its 12-byte head"));
	assert_int_equal(
	    vhost_user_msg_parse_config(p, sizeof(p) - 1, 0, 40, &cfg, why, sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, "payload 51 bytes, want 12 + 40"));
	assert_int_equal(vhost_user_msg_parse_config(p, sizeof(p), 4, 40, &cfg, why, sizeof(why)),
			 -EPROTO);
	assert_non_null(strstr(why, "for offset 0 size 40, asked offset 4 size 40"));
	head[1] = 0;
	memcpy(p, head, sizeof(head));
	assert_int_equal(vhost_user_msg_parse_config(p, 12, 0, 40, &cfg, why, sizeof(why)),
			 -EPROTO);
	assert_non_null(strstr(why, "GET_CONFIG refused"));
	assert_int_equal(vhost_user_msg_parse_config(p, 12, 0, 40, &cfg, NULL, 0), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header_and_u64),	cmocka_unit_test(test_vring_addr_order),
	    cmocka_unit_test(test_mem_table_and_state), cmocka_unit_test(test_decode_hdr),
	    cmocka_unit_test(test_check_reply),		cmocka_unit_test(test_parse_payloads),
	    cmocka_unit_test(test_parse_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
