/* vhost_user_msg.c - vhost-user messages as bytes: header {request, flags, size} in host byte
 * order then the payload. No I/O here, so the reply checks are fuzzable on their own. */
#include "vhost_user_msg.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const vhost_user_msg_names[VHOST_USER_REQUEST_MAX] = {
    [VHOST_USER_GET_FEATURES] = "GET_FEATURES",
    [VHOST_USER_SET_FEATURES] = "SET_FEATURES",
    [VHOST_USER_SET_OWNER] = "SET_OWNER",
    [VHOST_USER_RESET_OWNER] = "RESET_OWNER",
    [VHOST_USER_SET_MEM_TABLE] = "SET_MEM_TABLE",
    [VHOST_USER_SET_LOG_BASE] = "SET_LOG_BASE",
    [VHOST_USER_SET_LOG_FD] = "SET_LOG_FD",
    [VHOST_USER_SET_VRING_NUM] = "SET_VRING_NUM",
    [VHOST_USER_SET_VRING_ADDR] = "SET_VRING_ADDR",
    [VHOST_USER_SET_VRING_BASE] = "SET_VRING_BASE",
    [VHOST_USER_GET_VRING_BASE] = "GET_VRING_BASE",
    [VHOST_USER_SET_VRING_KICK] = "SET_VRING_KICK",
    [VHOST_USER_SET_VRING_CALL] = "SET_VRING_CALL",
    [VHOST_USER_SET_VRING_ERR] = "SET_VRING_ERR",
    [VHOST_USER_GET_PROTOCOL_FEATURES] = "GET_PROTOCOL_FEATURES",
    [VHOST_USER_SET_PROTOCOL_FEATURES] = "SET_PROTOCOL_FEATURES",
    [VHOST_USER_GET_QUEUE_NUM] = "GET_QUEUE_NUM",
    [VHOST_USER_SET_VRING_ENABLE] = "SET_VRING_ENABLE",
    [VHOST_USER_GET_CONFIG] = "GET_CONFIG",
    [VHOST_USER_SET_CONFIG] = "SET_CONFIG",
};

const char *vhost_user_msg_name(uint32_t request)
{
	if (request < VHOST_USER_REQUEST_MAX && vhost_user_msg_names[request])
		return vhost_user_msg_names[request];
	return "UNKNOWN";
}

int vhost_user_msg_encode(uint32_t request, uint32_t flags, const void *payload, size_t len,
			  uint8_t *buf, size_t cap)
{
	struct vhost_user_hdr hdr = {
	    .request = request, .flags = flags | VHOST_USER_VERSION, .size = (uint32_t)len};

	if (len > VHOST_USER_PAYLOAD_MAX || VHOST_USER_HDR_SIZE + len > cap)
		return -E2BIG;
	if (len && !payload)
		return -EINVAL;
	memcpy(buf, &hdr, VHOST_USER_HDR_SIZE);
	if (len)
		memcpy(buf + VHOST_USER_HDR_SIZE, payload, len);
	return (int)(VHOST_USER_HDR_SIZE + len);
}

int vhost_user_msg_u64(uint32_t request, uint32_t flags, uint64_t value, uint8_t *buf, size_t cap)
{
	return vhost_user_msg_encode(request, flags, &value, sizeof(value), buf, cap);
}

int vhost_user_msg_vring_state(uint32_t request, uint32_t flags, uint32_t index, uint32_t num,
			       uint8_t *buf, size_t cap)
{
	struct vhost_user_vring_state s = {.index = index, .num = num};

	return vhost_user_msg_encode(request, flags, &s, sizeof(s), buf, cap);
}

int vhost_user_msg_vring_addr(uint32_t flags, const struct vhost_user_vring_addr *a, uint8_t *buf,
			      size_t cap)
{
	return vhost_user_msg_encode(VHOST_USER_SET_VRING_ADDR, flags, a, sizeof(*a), buf, cap);
}

/* Payload: u32 nregions, u32 padding, then nregions region descriptions. */
int vhost_user_msg_mem_table(uint32_t flags, const struct vhost_user_mem_region *r, unsigned n,
			     uint8_t *buf, size_t cap)
{
	uint8_t payload[8 + VHOST_USER_MEM_REGIONS_MAX * sizeof(struct vhost_user_mem_region)];
	uint32_t head[2] = {n, 0};

	if (n == 0 || n > VHOST_USER_MEM_REGIONS_MAX)
		return -EINVAL;
	memcpy(payload, head, sizeof(head));
	memcpy(payload + sizeof(head), r, n * sizeof(*r));
	return vhost_user_msg_encode(VHOST_USER_SET_MEM_TABLE, flags, payload,
				     sizeof(head) + n * sizeof(*r), buf, cap);
}

/* Payload: u32 offset, u32 size, u32 flags, then size bytes (zero in the request). */
int vhost_user_msg_get_config(uint32_t flags, uint32_t offset, uint32_t size, uint8_t *buf,
			      size_t cap)
{
	uint8_t payload[VHOST_USER_PAYLOAD_MAX];
	uint32_t head[3] = {offset, size, 0};

	if (size > VHOST_USER_PAYLOAD_MAX - sizeof(head))
		return -E2BIG;
	memcpy(payload, head, sizeof(head));
	memset(payload + sizeof(head), 0, size);
	return vhost_user_msg_encode(VHOST_USER_GET_CONFIG, flags, payload, sizeof(head) + size,
				     buf, cap);
}

int vhost_user_msg_decode_hdr(const uint8_t *buf, size_t len, struct vhost_user_hdr *hdr)
{
	if (len < VHOST_USER_HDR_SIZE)
		return -EINVAL;
	memcpy(hdr, buf, VHOST_USER_HDR_SIZE);
	if (hdr->size > VHOST_USER_PAYLOAD_MAX)
		return -E2BIG;
	return 0;
}

size_t vhost_user_msg_reply_size(uint32_t request, uint32_t cfg_size)
{
	switch (request) {
	case VHOST_USER_GET_FEATURES:
	case VHOST_USER_GET_PROTOCOL_FEATURES:
	case VHOST_USER_GET_QUEUE_NUM:
		return sizeof(uint64_t);
	case VHOST_USER_GET_VRING_BASE:
		return sizeof(struct vhost_user_vring_state);
	case VHOST_USER_GET_CONFIG:
		return 12 + (size_t)cfg_size;
	default:
		/* A REPLY_ACK answer to any other request is a u64 status. */
		return sizeof(uint64_t);
	}
}

int vhost_user_msg_check_reply(const struct vhost_user_hdr *hdr, uint32_t request, size_t expect,
			       char *why, size_t why_cap)
{
	char tmp[8];

	if (!why) {
		why = tmp;
		why_cap = sizeof(tmp);
	}
	if (hdr->request != request) {
		snprintf(why, why_cap, "reply is for request %u (%s), expected %u (%s)",
			 hdr->request, vhost_user_msg_name(hdr->request), request,
			 vhost_user_msg_name(request));
		return -EPROTO;
	}
	if ((hdr->flags & VHOST_USER_VERSION_MASK) != VHOST_USER_VERSION) {
		snprintf(why, why_cap, "%s reply has version %u, expected 1",
			 vhost_user_msg_name(request), hdr->flags & VHOST_USER_VERSION_MASK);
		return -EPROTO;
	}
	if (!(hdr->flags & VHOST_USER_REPLY)) {
		snprintf(why, why_cap, "%s reply lacks the reply flag (flags 0x%x)",
			 vhost_user_msg_name(request), hdr->flags);
		return -EPROTO;
	}
	if (hdr->size != expect) {
		snprintf(why, why_cap, "%s reply size %u, expected %zu",
			 vhost_user_msg_name(request), hdr->size, expect);
		return -EPROTO;
	}
	return 0;
}

int vhost_user_msg_parse_u64(const uint8_t *payload, size_t len, uint64_t *value)
{
	if (len != sizeof(*value))
		return -EPROTO;
	memcpy(value, payload, sizeof(*value));
	return 0;
}

int vhost_user_msg_parse_vring_state(const uint8_t *payload, size_t len,
				     struct vhost_user_vring_state *s)
{
	if (len != sizeof(*s))
		return -EPROTO;
	memcpy(s, payload, sizeof(*s));
	return 0;
}

int vhost_user_msg_parse_config(const uint8_t *payload, size_t len, uint32_t offset, uint32_t size,
				const uint8_t **cfg, char *why, size_t why_cap)
{
	uint32_t head[3];
	char tmp[8];

	if (!why) {
		why = tmp;
		why_cap = sizeof(tmp);
	}
	if (len < sizeof(head)) {
		snprintf(why, why_cap,
			 "GET_CONFIG reply payload %zu bytes, shorter than its 12-byte head", len);
		return -EPROTO;
	}
	memcpy(head, payload, sizeof(head));
	if (head[1] == 0 && size != 0) {
		snprintf(why, why_cap,
			 "GET_CONFIG refused: the reply carries 0 of the %u bytes asked", size);
		return -EPROTO;
	}
	if (head[0] != offset || head[1] != size) {
		snprintf(why, why_cap,
			 "GET_CONFIG reply for offset %u size %u, asked offset %u size %u", head[0],
			 head[1], offset, size);
		return -EPROTO;
	}
	if (len != sizeof(head) + (size_t)size) {
		snprintf(why, why_cap, "GET_CONFIG reply payload %zu bytes, want 12 + %u", len,
			 size);
		return -EPROTO;
	}
	*cfg = payload + sizeof(head);
	return 0;
}
