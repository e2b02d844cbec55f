/* dm_config.c - config-fs.yaml read with libyaml, as bao-virtio-dm's serde_yaml 0.8 reads it:
 * any YAML (flow or block style, anchors and aliases, comments anywhere) whose one document is
 * a map with a `devices:` list of device maps. Keys the harness does not use are warnings, not
 * errors. Pure over (buf, len): libyaml reads the buffer, nothing else is touched. */
#include "dm_config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

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

struct dm_config_parser {
	struct dm_config *cfg;
	struct dm_config_error *err;
	yaml_document_t *doc;
	struct dm_device_config *cur;
	unsigned seen; /* bit per dm_config_key_id of cur */
	int unknown_top_line;
	char unknown_top[48];
};

/* A scalar as the harness sees it: YAML null (plain ~, null or empty), a string (any quoted
 * or block scalar), or a plain scalar (a number or a string, decided by the key). */
enum dm_config_kind { KIND_NULL, KIND_STRING, KIND_PLAIN };

struct dm_config_scalar {
	const char *text; /* not NUL-terminated */
	size_t len;
	enum dm_config_kind kind;
};

__attribute__((format(printf, 3, 4))) static int dm_config_fail(struct dm_config_parser *p,
								int line, const char *fmt, ...)
{
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	p->err->line = line;
	if (line > 0)
		snprintf(p->err->msg, sizeof(p->err->msg), "config line %d: %s", line, what);
	else
		snprintf(p->err->msg, sizeof(p->err->msg), "config: %s", what);
	return -EINVAL;
}

__attribute__((format(printf, 3, 4))) static void dm_config_warn(struct dm_config_parser *p,
								 int line, const char *fmt, ...)
{
	struct dm_config_warning *w;
	char what[160];
	va_list ap;

	if (p->cfg->nwarnings >= DM_CONFIG_MAX_WARNINGS) {
		p->cfg->warnings_dropped++;
		return;
	}
	w = &p->cfg->warnings[p->cfg->nwarnings++];
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	w->line = line;
	snprintf(w->msg, sizeof(w->msg), "config line %d: %s", line, what);
}

/* Up to 40 bytes of s for a message, anything unprintable shown as '?'. */
static const char *dm_config_show(const char *s, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 4 < cap && i < 40; i++)
		out[o++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (i < n && o + 4 < cap) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

static int dm_config_line_of(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

static const char *dm_config_type_name(const yaml_node_t *n)
{
	return n->type == YAML_MAPPING_NODE    ? "a map"
	       : n->type == YAML_SEQUENCE_NODE ? "a list"
					       : "a scalar";
}

/* Why libyaml stopped, in the words of a config file's author, with libyaml's own after. */
static const char *dm_config_syntax_hint(const yaml_parser_t *y, const char *buf, size_t len)
{
	const char *problem = y->problem ? y->problem : "", *context = y->context ? y->context : "";
	size_t at = y->problem_mark.index, i;

	if (strstr(context, "quoted scalar") && strstr(problem, "end of stream"))
		return y->context_mark.index < len && buf[y->context_mark.index] == '\''
			   ? "unterminated single-quoted value"
			   : "unterminated double-quoted value";
	if (strstr(problem, "cannot start any token") && at < len && buf[at] == '\t')
		return "tab in indentation";
	if (strstr(problem, "mapping values are not allowed") ||
	    strstr(problem, "expected '-' indicator"))
		return "bad indentation";
	if (strstr(problem, "did not find expected key")) {
		for (i = at < len ? at : len; i > 0 && buf[i - 1] == ' '; i--)
			;
		if (i > 0 && (buf[i - 1] == '"' || buf[i - 1] == '\''))
			return "text after closing quote";
		return "bad indentation or text after a value";
	}
	return "YAML syntax error";
}

static int dm_config_syntax(struct dm_config_parser *p, const yaml_parser_t *y, const char *buf,
			    size_t len)
{
	const char *hint = dm_config_syntax_hint(y, buf, len);
	bool quote = !strncmp(hint, "unterminated", 12);
	const yaml_mark_t *m = quote ? &y->context_mark : &y->problem_mark;
	size_t i;
	int line = (int)m->line + 1;

	/* A reader error (bad UTF-8, control character) has only a byte offset. */
	if (y->error == YAML_READER_ERROR) {
		for (i = 0, line = 1; i < y->problem_offset && i < len; i++)
			line += buf[i] == '\n';
		return dm_config_fail(p, line, "YAML: %s (byte 0x%x at offset %zu)",
				      y->problem ? y->problem : "unreadable input",
				      (unsigned)y->problem_value & 0xffu, y->problem_offset);
	}
	return dm_config_fail(p, line, "%s (YAML: %s%s%s, column %zu)", hint,
			      y->problem ? y->problem : "unknown", y->context ? " " : "",
			      y->context ? y->context : "", m->column + 1);
}

/* YAML 1.2 core schema nulls (plain ~, null, Null, NULL or nothing), as serde_yaml reads an
 * absent Option. */
static bool dm_config_is_null(const yaml_node_t *n)
{
	const char *t = (const char *)n->data.scalar.value;
	size_t len = n->data.scalar.length;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return len == 0 || (len == 1 && t[0] == '~') ||
	       (len == 4 &&
		(!memcmp(t, "null", 4) || !memcmp(t, "Null", 4) || !memcmp(t, "NULL", 4)));
}

static int dm_config_scalar(struct dm_config_parser *p, const yaml_node_t *n, int line,
			    const char *key, struct dm_config_scalar *s)
{
	const char *t = (const char *)n->data.scalar.value;
	size_t len = n->data.scalar.length;

	if (n->type != YAML_SCALAR_NODE)
		return dm_config_fail(p, line, "key '%s': wrong type: expected a value, got %s",
				      key, dm_config_type_name(n));
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
static bool dm_config_number(const char *s, size_t n, uint64_t *out)
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

static int dm_config_set_num(struct dm_config_parser *p, int line, enum dm_config_key_id k,
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

static int dm_config_set_str(struct dm_config_parser *p, int line, enum dm_config_key_id k,
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
static int dm_config_set(struct dm_config_parser *p, int line, enum dm_config_key_id k,
			 const yaml_node_t *value)
{
	const struct dm_config_key *key = &dm_config_keys[k];
	struct dm_config_scalar v;
	char shown[48];
	uint64_t n;
	int rc;

	if (p->seen & (1U << k))
		return dm_config_fail(p, line, "duplicate key '%s'", key->name);
	p->seen |= 1U << k;
	rc = dm_config_scalar(p, value, line, key->name, &v);
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
		if (!dm_config_number(v.text, v.len, &n))
			return dm_config_fail(p, line, "key '%s': bad number '%s'", key->name,
					      shown);
		return dm_config_set_num(p, line, k, n);
	}
	if (v.kind == KIND_PLAIN && v.len &&
	    (v.text[0] == '+' || (v.text[0] >= '0' && v.text[0] <= '9')) &&
	    dm_config_number(v.text, v.len, &n))
		return dm_config_fail(p, line,
				      "key '%s': wrong type: expected a string, got number %s",
				      key->name, shown);
	return dm_config_set_str(p, line, k, &v);
}

/* A key of a device map the harness does not use: a warning, as serde_yaml ignores it. */
static void dm_config_unknown_key(struct dm_config_parser *p, int line, const char *k, size_t n)
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
static int dm_config_finish(struct dm_config_parser *p)
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

static int dm_config_item(struct dm_config_parser *p, const yaml_node_t *item)
{
	struct dm_device_config *d;
	yaml_node_pair_t *pair;
	char shown[48];
	int rc, i;

	if (item->type == YAML_SCALAR_NODE)
		return dm_config_fail(
		    p, dm_config_line_of(item),
		    "device entry: expected 'key: value' pairs, got the string '%s'",
		    dm_config_show((const char *)item->data.scalar.value, item->data.scalar.length,
				   shown, sizeof(shown)));
	if (item->type != YAML_MAPPING_NODE)
		return dm_config_fail(p, dm_config_line_of(item),
				      "device entry: expected 'key: value' pairs, got %s",
				      dm_config_type_name(item));
	if (p->cfg->ndevices >= DM_CONFIG_MAX_DEVICES)
		return dm_config_fail(p, dm_config_line_of(item), "more than %d devices",
				      DM_CONFIG_MAX_DEVICES);
	d = &p->cfg->dev[p->cfg->ndevices++];
	memset(d, 0, sizeof(*d));
	snprintf(d->tag, sizeof(d->tag), "myfs");
	d->queue_size = 1024;
	d->num_request_queues = 1;
	d->line = dm_config_line_of(item);
	p->cur = d;
	p->seen = 0;
	for (pair = item->data.mapping.pairs.start; pair < item->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(p->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(p->doc, pair->value);
		int line = dm_config_line_of(k);

		if (k->type != YAML_SCALAR_NODE)
			return dm_config_fail(p, line,
					      "device entry: a key must be a plain name, "
					      "got %s",
					      dm_config_type_name(k));
		for (i = 0; i < KEY_COUNT; i++)
			if (strlen(dm_config_keys[i].name) == k->data.scalar.length &&
			    !memcmp(dm_config_keys[i].name, k->data.scalar.value,
				    k->data.scalar.length))
				break;
		if (i == KEY_COUNT) {
			dm_config_unknown_key(p, line, (const char *)k->data.scalar.value,
					      k->data.scalar.length);
			continue;
		}
		rc = dm_config_set(p, line, (enum dm_config_key_id)i, v);
		if (rc)
			return rc;
	}
	return dm_config_finish(p);
}

/* The value of `devices:`: a non-empty list of device maps (block or flow style). */
static int dm_config_devices(struct dm_config_parser *p, const yaml_node_t *list)
{
	yaml_node_item_t *it;
	int rc;

	if (dm_config_is_null(list))
		return dm_config_fail(p, 0, "key 'devices': empty list");
	if (list->type != YAML_SEQUENCE_NODE)
		return dm_config_fail(p, dm_config_line_of(list),
				      "key 'devices': expected a list item '- key: value', got %s",
				      dm_config_type_name(list));
	if (list->data.sequence.items.top == list->data.sequence.items.start)
		return dm_config_fail(p, 0, "key 'devices': empty list");
	for (it = list->data.sequence.items.start; it < list->data.sequence.items.top; it++) {
		rc = dm_config_item(p, yaml_document_get_node(p->doc, *it));
		if (rc)
			return rc;
	}
	return 0;
}

/* Top-level keys in file order (so warnings are too): `devices:` once, anything else warned. */
static int dm_config_root(struct dm_config_parser *p, const yaml_node_t *root)
{
	const yaml_node_pair_t *pair, *devices = NULL;
	char shown[48];
	int rc;

	if (!root)
		return dm_config_fail(p, 0, "missing required key 'devices'");
	if (root->type != YAML_MAPPING_NODE)
		return dm_config_fail(p, dm_config_line_of(root),
				      "top level: %s before 'devices:' (the file is a map with "
				      "a 'devices:' list)",
				      dm_config_type_name(root));
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = yaml_document_get_node(p->doc, pair->key);

		if (k->type == YAML_SCALAR_NODE && k->data.scalar.length == 7 &&
		    !memcmp(k->data.scalar.value, "devices", 7)) {
			if (devices)
				return dm_config_fail(p, dm_config_line_of(k),
						      "duplicate key 'devices'");
			devices = pair;
		}
	}
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = yaml_document_get_node(p->doc, pair->key);
		int line = dm_config_line_of(k);

		if (pair == devices) {
			rc = dm_config_devices(p, yaml_document_get_node(p->doc, pair->value));
			if (rc)
				return rc;
			continue;
		}
		if (k->type == YAML_SCALAR_NODE)
			dm_config_show((const char *)k->data.scalar.value, k->data.scalar.length,
				       shown, sizeof(shown));
		else
			snprintf(shown, sizeof(shown), "(%s)", dm_config_type_name(k));
		if (!p->unknown_top_line) {
			p->unknown_top_line = line;
			snprintf(p->unknown_top, sizeof(p->unknown_top), "%s", shown);
		}
		dm_config_warn(p, line, "unknown top-level key '%s' ignored", shown);
	}
	if (!devices && p->unknown_top_line)
		return dm_config_fail(p, p->unknown_top_line,
				      "unknown top-level key '%s' and no 'devices:' (missing "
				      "required key 'devices')",
				      p->unknown_top);
	if (!devices)
		return dm_config_fail(p, 0, "missing required key 'devices'");
	return 0;
}

/* serde_yaml reads exactly one document: a second one (even empty after `---`) is an error. */
static int dm_config_one_document(struct dm_config_parser *p, yaml_parser_t *y, const char *buf,
				  size_t len)
{
	yaml_document_t more;
	yaml_node_t *root;
	int line;

	if (!yaml_parser_load(y, &more))
		return dm_config_syntax(p, y, buf, len);
	root = yaml_document_get_root_node(&more);
	line = (int)more.start_mark.line + 1;
	yaml_document_delete(&more);
	if (root)
		return dm_config_fail(p, line,
				      "a second YAML document (bao-virtio-dm reads only one)");
	return 0;
}

int dm_config_parse(const char *buf, size_t len, struct dm_config *cfg, struct dm_config_error *err)
{
	struct dm_config_parser p = {.cfg = cfg, .err = err};
	yaml_document_t doc;
	yaml_parser_t y;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	memset(err, 0, sizeof(*err));
	if (memchr(buf, '\0', len))
		return dm_config_fail(&p, 0, "NUL byte in file");
	if (!yaml_parser_initialize(&y))
		return dm_config_fail(&p, 0, "libyaml: cannot initialise a parser (out of memory)");
	yaml_parser_set_input_string(&y, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&y, &doc)) {
		rc = dm_config_syntax(&p, &y, buf, len);
		yaml_parser_delete(&y);
		return rc;
	}
	p.doc = &doc;
	rc = dm_config_root(&p, yaml_document_get_root_node(&doc));
	if (!rc)
		rc = dm_config_one_document(&p, &y, buf, len);
	yaml_document_delete(&doc);
	yaml_parser_delete(&y);
	if (rc)
		cfg->ndevices = 0;
	return rc;
}

int dm_config_socket(const struct dm_device_config *dev, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%sFs%u.sock", dev->socket_path, dev->id);

	if (n < 0 || (size_t)n >= cap)
		return -ENAMETOOLONG;
	return 0;
}

int dm_config_load(const char *path, struct dm_config *cfg, struct dm_config_error *err)
{
	static char buf[DM_CONFIG_FILE_MAX + 1];
	size_t len = 0;
	ssize_t r;
	int fd, e;

	memset(err, 0, sizeof(*err));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		snprintf(err->msg, sizeof(err->msg), "config %s: open failed: %s", path,
			 strerror(e));
		return -e;
	}
	while (len < sizeof(buf) && (r = read(fd, buf + len, sizeof(buf) - len)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			close(fd);
			snprintf(err->msg, sizeof(err->msg), "config %s: read failed: %s", path,
				 strerror(e));
			return -e;
		}
		len += (size_t)r;
	}
	close(fd);
	if (len > DM_CONFIG_FILE_MAX) {
		snprintf(err->msg, sizeof(err->msg), "config %s: larger than %d bytes", path,
			 DM_CONFIG_FILE_MAX);
		return -E2BIG;
	}
	return dm_config_parse(buf, len, cfg, err);
}
