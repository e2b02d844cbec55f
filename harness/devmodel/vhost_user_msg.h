/* vhost_user_msg.h - vhost-user wire format (qemu docs/interop/vhost-user.rst): pure encode of
 * frontend requests and pure decode/validation of backend replies over (buffer, length). */
#ifndef VHOST_USER_MSG_H
#define VHOST_USER_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VHOST_USER_HDR_SIZE 12
#define VHOST_USER_PAYLOAD_MAX 4096
#define VHOST_USER_MSG_MAX (VHOST_USER_HDR_SIZE + VHOST_USER_PAYLOAD_MAX)
#define VHOST_USER_MAX_FDS 8
#define VHOST_USER_MEM_REGIONS_MAX 8

/* header flags */
#define VHOST_USER_VERSION 0x1U
#define VHOST_USER_VERSION_MASK 0x3U
#define VHOST_USER_REPLY 0x4U
#define VHOST_USER_NEED_REPLY 0x8U

/* VHOST_USER_SET_VRING_KICK/CALL payload: bit 8 set = no fd attached */
#define VHOST_USER_VRING_NOFD (1ULL << 8)
#define VHOST_USER_VRING_IDX_MASK 0xffULL

/* virtio feature bit for vhost-user protocol features */
#define VHOST_USER_F_PROTOCOL_FEATURES 30
#define VHOST_F_LOG_ALL 26

/* protocol feature bits */
#define VHOST_USER_PROTOCOL_F_MQ 0
#define VHOST_USER_PROTOCOL_F_LOG_SHMFD 1
#define VHOST_USER_PROTOCOL_F_RARP 2
#define VHOST_USER_PROTOCOL_F_REPLY_ACK 3
#define VHOST_USER_PROTOCOL_F_BACKEND_REQ 5
#define VHOST_USER_PROTOCOL_F_CONFIG 9

enum vhost_user_request {
	VHOST_USER_GET_FEATURES = 1,
	VHOST_USER_SET_FEATURES = 2,
	VHOST_USER_SET_OWNER = 3,
	VHOST_USER_RESET_OWNER = 4,
	VHOST_USER_SET_MEM_TABLE = 5,
	VHOST_USER_SET_LOG_BASE = 6,
	VHOST_USER_SET_LOG_FD = 7,
	VHOST_USER_SET_VRING_NUM = 8,
	VHOST_USER_SET_VRING_ADDR = 9,
	VHOST_USER_SET_VRING_BASE = 10,
	VHOST_USER_GET_VRING_BASE = 11,
	VHOST_USER_SET_VRING_KICK = 12,
	VHOST_USER_SET_VRING_CALL = 13,
	VHOST_USER_SET_VRING_ERR = 14,
	VHOST_USER_GET_PROTOCOL_FEATURES = 15,
	VHOST_USER_SET_PROTOCOL_FEATURES = 16,
	VHOST_USER_GET_QUEUE_NUM = 17,
	VHOST_USER_SET_VRING_ENABLE = 18,
	VHOST_USER_GET_CONFIG = 24,
	VHOST_USER_SET_CONFIG = 25,
	VHOST_USER_REQUEST_MAX = 26,
};

struct vhost_user_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
};

struct vhost_user_vring_state {
	uint32_t index;
	uint32_t num;
};

/* payload order is fixed by the spec: index, flags, desc, used, avail, log */
struct vhost_user_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc_user_addr;
	uint64_t used_user_addr;
	uint64_t avail_user_addr;
	uint64_t log_guest_addr;
};

struct vhost_user_mem_region {
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t mmap_offset;
};

/* Name of a request for logs ("SET_VRING_ADDR"), "UNKNOWN" outside the table. */
const char *vhost_user_msg_name(uint32_t request);

/* Header + payload into buf. Returns the message length (> 0) or -E2BIG / -EINVAL. */
int vhost_user_msg_encode(uint32_t request, uint32_t flags, const void *payload, size_t len,
			  uint8_t *buf, size_t cap);

/* Typed payload builders; each returns the message length or -errno like _encode. */
int vhost_user_msg_u64(uint32_t request, uint32_t flags, uint64_t value, uint8_t *buf, size_t cap);
int vhost_user_msg_vring_state(uint32_t request, uint32_t flags, uint32_t index, uint32_t num,
			       uint8_t *buf, size_t cap);
int vhost_user_msg_vring_addr(uint32_t flags, const struct vhost_user_vring_addr *a, uint8_t *buf,
			      size_t cap);
int vhost_user_msg_mem_table(uint32_t flags, const struct vhost_user_mem_region *r, unsigned n,
			     uint8_t *buf, size_t cap);
int vhost_user_msg_get_config(uint32_t flags, uint32_t offset, uint32_t size, uint8_t *buf,
			      size_t cap);

/* Decode a 12-byte header from buf. -EINVAL if len < 12, -E2BIG if size > 4 KiB. */
int vhost_user_msg_decode_hdr(const uint8_t *buf, size_t len, struct vhost_user_hdr *hdr);

/* Payload size a reply to `request` must have (u64, vring state, ...); 0 if it has none.
 * For GET_CONFIG pass the size asked for in cfg_size. */
size_t vhost_user_msg_reply_size(uint32_t request, uint32_t cfg_size);

/* Check a reply header against the request sent: same request, version 1, REPLY flag,
 * payload size == expect. Writes a reason into why (may be NULL). 0 or -EPROTO. */
int vhost_user_msg_check_reply(const struct vhost_user_hdr *hdr, uint32_t request, size_t expect,
			       char *why, size_t why_cap);

/* A GET_CONFIG reply's payload (u32 offset, u32 size, u32 flags, then size bytes) checked
 * against the request: the same offset and size echoed, exactly that many bytes. A reply
 * with size 0 is the backend refusing (the vhost crate's answer to a failed get_config).
 * *cfg points at the config bytes inside payload. 0 or -EPROTO with the reason in why. */
int vhost_user_msg_parse_config(const uint8_t *payload, size_t len, uint32_t offset, uint32_t size,
				const uint8_t **cfg, char *why, size_t why_cap);

/* Payload readers: exact-size checks, -EPROTO when the length is wrong. */
int vhost_user_msg_parse_u64(const uint8_t *payload, size_t len, uint64_t *value);
int vhost_user_msg_parse_vring_state(const uint8_t *payload, size_t len,
				     struct vhost_user_vring_state *s);

#endif
