/* dm_config_key.c - the keys of a config-fs.yaml device entry: which the harness knows, the
 * type serde_yaml gives each value (null, string, unsigned integer), each key's range, the
 * warnings for keys it ignores, and the checks at the end of an entry. */
#include "dm_config_priv.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum dm_config_key_id {
	KEY_ID,
	KEY_TYPE,
	KEY_MMIO,
	KEY_PLANE,
	KEY_SOCKET,
	KEY_TAG,
	KEY_QSIZE,
	KEY_NRQ,
	KEY_COUNT
};

static const struct dm_config_key {
	const char *name;
	bool required;
	bool numeric;
} dm_config_keys[KEY_COUNT] = {
    [KEY_ID] = {"id", true, true},
    [KEY_TYPE] = {"type", true, false},
    [KEY_MMIO] = {"mmio_addr", true, true},
    [KEY_PLANE] = {"data_plane", true, false},
    [KEY_SOCKET] = {"socket_path", true, false},
    [KEY_TAG] = {"tag", false, false},
    [KEY_QSIZE] = {"queue_size", false, true},
    [KEY_NRQ] = {"num_request_queues", false, true},
};

/* bao-virtio-dm's DeviceConfig keys for its other device types (block, net, vsock, console):
 * valid in a real user's file, meaningless for a virtio-fs device. */
static const char *const dm_config_other_keys[] = {
    "file_path", "read_only", "root_device", "advertise_flush",
    "tap_name",	 "mac_addr",  "guest_cid",   "pty_alias",
};

/* A scalar as the harness sees it: YAML null (plain ~, null or empty), a string (any quoted
 * or block scalar), or a plain scalar (a number or a string, decided by the key). */
enum dm_config_kind { KIND_NULL, KIND_STRING, KIND_PLAIN };

struct dm_config_scalar {
	const char *text; /* not NUL-terminated */
	size_t len;
	enum dm_config_kind kind;
};

int dm_config_key_find(const char *name, size_t len)
{
	int i;

	for (i = 0; i < KEY_COUNT; i++)
		if (strlen(dm_config_keys[i].name) == len &&
		    !memcmp(dm_config_keys[i].name, name, len))
			return i;
	return -1;
}

static int dm_config_key_scalar(struct dm_config_parser *p, const yaml_node_t *n, int line,
				const char *key, struct dm_config_scalar *s)
{
	const char *t;
	size_t len;

	if (n->type != YAML_SCALAR_NODE)
		return dm_config_fail(p, line, "key '%s': wrong type: expected a value, got %s",
				      key, dm_config_type_name(n));
	t = (const char *)n->data.scalar.value;
	len = n->data.scalar.length;
	if (memchr(t, '\0', len))
		return dm_config_fail(p, line, "key '%s': NUL byte in value", key);
	s->text = t;
	s->len = len;
	s->kind = n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? KIND_PLAIN : KIND_STRING;
	if (dm_config_is_null(n))
		s->kind = KIND_NULL;
	return 0;
}

/* serde_yaml's unsigned integers: decimal, 0x hex, 0o octal, 0b binary, an optional '+';
 * no sign, no overflow. */
static bool dm_config_key_number(const char *s, size_t n, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	size_t i = 0;

	if (n && s[0] == '+')
		i = 1;
	if (n - i > 2 && s[i] == '0' && strchr("xXoObB", s[i + 1])) {
		base = s[i + 1] == 'x' || s[i + 1] == 'X'   ? 16
		       : s[i + 1] == 'o' || s[i + 1] == 'O' ? 8
							    : 2;
		i += 2;
	}
	if (i >= n)
		return false;
	for (; i < n; i++) {
		unsigned d;

		if (s[i] >= '0' && s[i] <= '9')
			d = (unsigned)(s[i] - '0');
		else if (s[i] >= 'a' && s[i] <= 'f')
			d = (unsigned)(s[i] - 'a' + 10);
		else if (s[i] >= 'A' && s[i] <= 'F')
			d = (unsigned)(s[i] - 'A' + 10);
		else
			return false;
		if (d >= base || v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

static int dm_config_key_set_num(struct dm_config_parser *p, int line, enum dm_config_key_id k,
				 uint64_t n)
{
	struct dm_device_config *d = p->cur;

	switch (k) {
	case KEY_ID:
		if (n >= DM_CONFIG_MAX_DEVICES)
			return dm_config_fail(p, line, "key 'id': %llu out of range [0, %d)",
					      (unsigned long long)n, DM_CONFIG_MAX_DEVICES);
		d->id = (uint32_t)n;
		return 0;
	case KEY_MMIO:
		if ((n & 3) || n > UINT64_MAX - 0x200)
			return dm_config_fail(
			    p, line, "key 'mmio_addr': 0x%llx not a 4-byte aligned address",
			    (unsigned long long)n);
		d->mmio_addr = n;
		return 0;
	case KEY_QSIZE:
		if (n == 0 || n > DM_CONFIG_QUEUE_SIZE_MAX || (n & (n - 1)))
			return dm_config_fail(p, line,
					      "key 'queue_size': %llu not a power of 2 in [1, %d]",
					      (unsigned long long)n, DM_CONFIG_QUEUE_SIZE_MAX);
		d->queue_size = (uint32_t)n;
		return 0;
	case KEY_NRQ:
		if (n == 0 || n > DM_CONFIG_MAX_REQUEST_QUEUES)
			return dm_config_fail(p, line,
					      "key 'num_request_queues': %llu out of range [1, %d]",
					      (unsigned long long)n, DM_CONFIG_MAX_REQUEST_QUEUES);
		d->num_request_queues = (uint32_t)n;
		return 0;
	default:
		return dm_config_fail(p, line, "key '%s': internal: not numeric",
				      dm_config_keys[k].name);
	}
}

static int dm_config_key_set_str(struct dm_config_parser *p, int line, enum dm_config_key_id k,
				 const struct dm_config_scalar *v)
{
	struct dm_device_config *d = p->cur;
	char shown[48];

	switch (k) {
	case KEY_TYPE:
		if (v->len != 2 || memcmp(v->text, "fs", 2))
			return dm_config_fail(
			    p, line, "key 'type': unsupported device type '%s' (only \"fs\")",
			    dm_config_show(v->text, v->len, shown, sizeof(shown)));
		memcpy(d->type, "fs", 3);
		return 0;
	case KEY_PLANE:
		if (v->len != 10 || memcmp(v->text, "vhost_user", 10))
			return dm_config_fail(
			    p, line, "key 'data_plane': unsupported '%s' (only vhost_user)",
			    dm_config_show(v->text, v->len, shown, sizeof(shown)));
		memcpy(d->data_plane, "vhost_user", 11);
		return 0;
	case KEY_SOCKET:
		if (v->len == 0 || v->len >= sizeof(d->socket_path))
			return dm_config_fail(p, line,
					      "key 'socket_path': length %zu not in [1, %zu)",
					      v->len, sizeof(d->socket_path));
		memcpy(d->socket_path, v->text, v->len);
		d->socket_path[v->len] = '\0';
		return 0;
	case KEY_TAG:
		if (v->len == 0 || v->len > DM_CONFIG_TAG_MAX)
			return dm_config_fail(p, line, "key 'tag': length %zu not in [1, %d]",
					      v->len, DM_CONFIG_TAG_MAX);
		for (size_t i = 0; i < v->len; i++)
			if ((unsigned char)v->text[i] < 0x20 || v->text[i] == 0x7f)
				return dm_config_fail(
				    p, line, "key 'tag': control character 0x%02x at byte %zu",
				    (unsigned char)v->text[i], i);
		memcpy(d->tag, v->text, v->len);
		d->tag[v->len] = '\0';
		return 0;
	default:
		return dm_config_fail(p, line, "key '%s': internal: not a string",
				      dm_config_keys[k].name);
	}
}

/* One known key of the current device: null keeps the default (serde's None), a number
 * must be a plain scalar, a string must not look like a number unless quoted. */
int dm_config_key_set(struct dm_config_parser *p, int line, int id, const yaml_node_t *value)
{
	enum dm_config_key_id k = (enum dm_config_key_id)id;
	const struct dm_config_key *key = &dm_config_keys[k];
	struct dm_config_scalar v;
	char shown[48];
	uint64_t n;
	int rc;

	if (p->seen & (1U << k))
		return dm_config_fail(p, line, "duplicate key '%s'", key->name);
	p->seen |= 1U << k;
	rc = dm_config_key_scalar(p, value, line, key->name, &v);
	if (rc)
		return rc;
	dm_config_show(v.text, v.len, shown, sizeof(shown));
	if (v.kind == KIND_NULL) {
		if (key->required)
			return dm_config_fail(p, line, "key '%s': null value (expected %s)",
					      key->name, key->numeric ? "an integer" : "a string");
		return 0;
	}
	if (key->numeric) {
		if (v.kind == KIND_STRING)
			return dm_config_fail(
			    p, line, "key '%s': wrong type: expected an integer, got string \"%s\"",
			    key->name, shown);
		if (!dm_config_key_number(v.text, v.len, &n))
			return dm_config_fail(p, line, "key '%s': bad number '%s'", key->name,
					      shown);
		return dm_config_key_set_num(p, line, k, n);
	}
	if (v.kind == KIND_PLAIN && v.len &&
	    (v.text[0] == '+' || (v.text[0] >= '0' && v.text[0] <= '9')) &&
	    dm_config_key_number(v.text, v.len, &n))
		return dm_config_fail(p, line,
				      "key '%s': wrong type: expected a string, got number %s",
				      key->name, shown);
	return dm_config_key_set_str(p, line, k, &v);
}

/* A key of a device map the harness does not use: a warning, as serde_yaml ignores it. */
void dm_config_key_unknown(struct dm_config_parser *p, int line, const char *k, size_t n)
{
	char shown[48];
	size_t i;

	dm_config_show(k, n, shown, sizeof(shown));
	if (n == 2 && !memcmp(k, "<<", 2)) {
		dm_config_warn(p, line,
			       "merge key '<<' ignored: bao-virtio-dm's serde_yaml 0.8 does not "
			       "apply merges (write the keys out)");
		return;
	}
	for (i = 0; i < sizeof(dm_config_other_keys) / sizeof(dm_config_other_keys[0]); i++)
		if (strlen(dm_config_other_keys[i]) == n &&
		    !memcmp(dm_config_other_keys[i], k, n)) {
			dm_config_warn(p, line,
				       "key '%s' is bao-virtio-dm's for other device types; "
				       "ignored for a virtio-fs device",
				       shown);
			return;
		}
	dm_config_warn(p, line, "unknown key '%s' ignored (device entry at line %d)", shown,
		       p->cur->line);
}

/* End of a device map: required keys present, id unique, socket name fits. */
int dm_config_key_finish(struct dm_config_parser *p)
{
	struct dm_device_config *d = p->cur;
	char sock[DM_CONFIG_PATH_MAX];
	unsigned i;

	for (i = 0; i < KEY_COUNT; i++)
		if (dm_config_keys[i].required && !(p->seen & (1U << i)))
			return dm_config_fail(p, d->line, "device entry: missing required key '%s'",
					      dm_config_keys[i].name);
	for (i = 0; i + 1 < p->cfg->ndevices; i++)
		if (p->cfg->dev[i].id == d->id)
			return dm_config_fail(p, d->line,
					      "key 'id': duplicate id %u (first at line %d)", d->id,
					      p->cfg->dev[i].line);
	if (dm_config_socket(d, sock, sizeof(sock)))
		return dm_config_fail(p, d->line,
				      "key 'socket_path': '%s' + \"Fs%u.sock\" exceeds %d bytes",
				      d->socket_path, d->id, DM_CONFIG_PATH_MAX - 1);
	p->cur = NULL;
	return 0;
}
