/* dm_config.c - parser for the tiny YAML subset of config-fs.yaml: one top-level `devices:`
 * list of flat maps with scalar values (bare or quoted) and comments. Pure over (buf, len). */
#include "dm_config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DM_CONFIG_VALUE_MAX 256

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

struct dm_config_parser {
	struct dm_config *cfg;
	struct dm_config_error *err;
	int line;
	bool in_devices;
	int item_indent; /* column of '-', -1 until the first item */
	int key_indent;	 /* column of the current item's keys, -1 until known */
	struct dm_device_config *cur;
	unsigned seen; /* bit per dm_config_key_id of cur */
};

/* A scalar value: the text and whether it was quoted (a quoted value is always a string). */
struct dm_config_value {
	char text[DM_CONFIG_VALUE_MAX];
	bool quoted;
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

/* Double-quoted scalar starting after the opening quote; *used = bytes consumed incl. quote. */
static int dm_config_dquoted(struct dm_config_parser *p, const char *s, size_t n,
			     struct dm_config_value *v, size_t *used)
{
	size_t i = 0, o = 0;

	for (; i < n && s[i] != '"'; i++) {
		char c = s[i];

		if (c == '\\') {
			if (++i >= n)
				break;
			switch (s[i]) {
			case '\\':
				c = '\\';
				break;
			case '"':
				c = '"';
				break;
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			default:
				return dm_config_fail(
				    p, p->line, "unsupported escape '\\%c' in quoted value", s[i]);
			}
		}
		if (o + 1 >= sizeof(v->text))
			return dm_config_fail(p, p->line, "value longer than %d bytes",
					      DM_CONFIG_VALUE_MAX - 1);
		v->text[o++] = c;
	}
	if (i >= n)
		return dm_config_fail(p, p->line, "unterminated double-quoted value");
	v->text[o] = '\0';
	*used = i + 1;
	return 0;
}

/* Single-quoted scalar: '' is a literal quote, no other escapes (YAML 1.2 §7.3.2). */
static int dm_config_squoted(struct dm_config_parser *p, const char *s, size_t n,
			     struct dm_config_value *v, size_t *used)
{
	size_t i = 0, o = 0;

	for (;; i++) {
		if (i >= n)
			return dm_config_fail(p, p->line, "unterminated single-quoted value");
		if (s[i] == '\'') {
			if (i + 1 < n && s[i + 1] == '\'')
				i++;
			else
				break;
		}
		if (o + 1 >= sizeof(v->text))
			return dm_config_fail(p, p->line, "value longer than %d bytes",
					      DM_CONFIG_VALUE_MAX - 1);
		v->text[o++] = s[i];
	}
	v->text[o] = '\0';
	*used = i + 1;
	return 0;
}

/* The value part of `key: value`, comments and trailing blanks stripped. */
static int dm_config_value(struct dm_config_parser *p, const char *s, size_t n,
			   struct dm_config_value *v)
{
	size_t i, used = 0;
	int rc;

	memset(v, 0, sizeof(*v));
	if (n > 0 && (s[0] == '"' || s[0] == '\'')) {
		v->quoted = true;
		rc = s[0] == '"' ? dm_config_dquoted(p, s + 1, n - 1, v, &used)
				 : dm_config_squoted(p, s + 1, n - 1, v, &used);
		if (rc)
			return rc;
		for (i = used + 1; i < n && s[i] == ' '; i++)
			;
		if (i < n && s[i] != '#')
			return dm_config_fail(p, p->line, "text after closing quote: '%.*s'",
					      (int)(n - i > 20 ? 20 : n - i), s + i);
		return 0;
	}
	if (n > 0 && strchr("[{&*|>!%@`", s[0]))
		return dm_config_fail(p, p->line, "unsupported YAML construct starting with '%c'",
				      s[0]);
	for (i = 0; i < n && !(s[i] == '#' && (i == 0 || s[i - 1] == ' ')); i++)
		;
	while (i > 0 && s[i - 1] == ' ')
		i--;
	if (i >= sizeof(v->text))
		return dm_config_fail(p, p->line, "value longer than %d bytes",
				      DM_CONFIG_VALUE_MAX - 1);
	memcpy(v->text, s, i);
	v->text[i] = '\0';
	return 0;
}

/* Decimal or 0x-hex, no sign, no overflow. */
static bool dm_config_number(const char *s, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	size_t i = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (s[i] == '\0')
		return false;
	for (; s[i]; i++) {
		unsigned d;

		if (s[i] >= '0' && s[i] <= '9')
			d = (unsigned)(s[i] - '0');
		else if (base == 16 && s[i] >= 'a' && s[i] <= 'f')
			d = (unsigned)(s[i] - 'a' + 10);
		else if (base == 16 && s[i] >= 'A' && s[i] <= 'F')
			d = (unsigned)(s[i] - 'A' + 10);
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

static bool dm_config_looks_numeric(const char *s)
{
	return s[0] >= '0' && s[0] <= '9';
}

static int dm_config_set_num(struct dm_config_parser *p, enum dm_config_key_id k, uint64_t n)
{
	struct dm_device_config *d = p->cur;
	const char *name = dm_config_keys[k].name;

	switch (k) {
	case KEY_ID:
		if (n >= DM_CONFIG_MAX_DEVICES)
			return dm_config_fail(p, p->line, "key 'id': %llu out of range [0, %d)",
					      (unsigned long long)n, DM_CONFIG_MAX_DEVICES);
		d->id = (uint32_t)n;
		return 0;
	case KEY_MMIO:
		if ((n & 3) || n > UINT64_MAX - 0x200)
			return dm_config_fail(
			    p, p->line, "key 'mmio_addr': 0x%llx not a 4-byte aligned address",
			    (unsigned long long)n);
		d->mmio_addr = n;
		return 0;
	case KEY_QSIZE:
		if (n == 0 || n > DM_CONFIG_QUEUE_SIZE_MAX || (n & (n - 1)))
			return dm_config_fail(p, p->line,
					      "key 'queue_size': %llu not a power of 2 in [1, %d]",
					      (unsigned long long)n, DM_CONFIG_QUEUE_SIZE_MAX);
		d->queue_size = (uint32_t)n;
		return 0;
	case KEY_NRQ:
		if (n == 0 || n > DM_CONFIG_MAX_REQUEST_QUEUES)
			return dm_config_fail(p, p->line,
					      "key 'num_request_queues': %llu out of range [1, %d]",
					      (unsigned long long)n, DM_CONFIG_MAX_REQUEST_QUEUES);
		d->num_request_queues = (uint32_t)n;
		return 0;
	default:
		return dm_config_fail(p, p->line, "key '%s': internal: not numeric", name);
	}
}

static int dm_config_set_str(struct dm_config_parser *p, enum dm_config_key_id k, const char *s)
{
	struct dm_device_config *d = p->cur;
	size_t n = strlen(s);

	switch (k) {
	case KEY_TYPE:
		if (strcmp(s, "fs"))
			return dm_config_fail(
			    p, p->line, "key 'type': unsupported device type '%s' (only \"fs\")",
			    s);
		memcpy(d->type, "fs", 3);
		return 0;
	case KEY_PLANE:
		if (strcmp(s, "vhost_user"))
			return dm_config_fail(
			    p, p->line, "key 'data_plane': unsupported '%s' (only vhost_user)", s);
		memcpy(d->data_plane, "vhost_user", 11);
		return 0;
	case KEY_SOCKET:
		if (n == 0 || n >= sizeof(d->socket_path))
			return dm_config_fail(p, p->line,
					      "key 'socket_path': length %zu not in [1, %zu)", n,
					      sizeof(d->socket_path));
		memcpy(d->socket_path, s, n + 1);
		return 0;
	case KEY_TAG:
		if (n == 0 || n > DM_CONFIG_TAG_MAX)
			return dm_config_fail(p, p->line, "key 'tag': length %zu not in [1, %d]", n,
					      DM_CONFIG_TAG_MAX);
		memcpy(d->tag, s, n + 1);
		return 0;
	default:
		return dm_config_fail(p, p->line, "key '%s': internal: not a string",
				      dm_config_keys[k].name);
	}
}

static int dm_config_set(struct dm_config_parser *p, const char *key, size_t klen,
			 const struct dm_config_value *v)
{
	const struct dm_config_key *k;
	uint64_t n;
	int i;

	for (i = 0; i < KEY_COUNT; i++)
		if (strlen(dm_config_keys[i].name) == klen &&
		    !memcmp(dm_config_keys[i].name, key, klen))
			break;
	if (i == KEY_COUNT)
		return dm_config_fail(p, p->line, "unknown key '%.*s'",
				      (int)(klen > 40 ? 40 : klen), key);
	k = &dm_config_keys[i];
	if (p->seen & (1U << i))
		return dm_config_fail(p, p->line, "duplicate key '%s'", k->name);
	p->seen |= 1U << i;
	if (k->numeric) {
		if (v->quoted)
			return dm_config_fail(
			    p, p->line,
			    "key '%s': wrong type: expected an integer, got string \"%s\"", k->name,
			    v->text);
		if (!dm_config_number(v->text, &n))
			return dm_config_fail(p, p->line, "key '%s': bad number '%s'", k->name,
					      v->text);
		return dm_config_set_num(p, (enum dm_config_key_id)i, n);
	}
	if (!v->quoted && dm_config_looks_numeric(v->text))
		return dm_config_fail(p, p->line,
				      "key '%s': wrong type: expected a string, got number %s",
				      k->name, v->text);
	return dm_config_set_str(p, (enum dm_config_key_id)i, v->text);
}

/* `key: value` or `key:` (s has no leading blanks). The value may be empty only for `devices`. */
static int dm_config_split(struct dm_config_parser *p, const char *s, size_t n, size_t *klen,
			   struct dm_config_value *v)
{
	size_t i, j;

	for (i = 0; i < n && (s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') ||
			      (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9'));
	     i++)
		;
	if (i == 0 || i >= n || s[i] != ':' || (i + 1 < n && s[i + 1] != ' '))
		return dm_config_fail(p, p->line, "expected 'key: value', got '%.*s'",
				      (int)(n > 40 ? 40 : n), s);
	*klen = i;
	for (j = i + 1; j < n && s[j] == ' '; j++)
		;
	return dm_config_value(p, s + j, n - j, v);
}

/* End of a list item: required keys present, id unique, socket name fits. */
static int dm_config_finish(struct dm_config_parser *p)
{
	struct dm_device_config *d = p->cur;
	char sock[DM_CONFIG_PATH_MAX];
	unsigned i;

	if (!d)
		return 0;
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

static int dm_config_new_item(struct dm_config_parser *p, int indent)
{
	struct dm_device_config *d;
	int rc;

	if (p->item_indent < 0)
		p->item_indent = indent;
	else if (indent != p->item_indent)
		return dm_config_fail(p, p->line, "bad indentation %d for list item (expected %d)",
				      indent, p->item_indent);
	rc = dm_config_finish(p);
	if (rc)
		return rc;
	if (p->cfg->ndevices >= DM_CONFIG_MAX_DEVICES)
		return dm_config_fail(p, p->line, "more than %d devices", DM_CONFIG_MAX_DEVICES);
	d = &p->cfg->dev[p->cfg->ndevices++];
	memset(d, 0, sizeof(*d));
	snprintf(d->tag, sizeof(d->tag), "myfs");
	d->queue_size = 1024;
	d->num_request_queues = 1;
	d->line = p->line;
	p->cur = d;
	p->seen = 0;
	p->key_indent = -1;
	return 0;
}

static int dm_config_top(struct dm_config_parser *p, const char *s, size_t n)
{
	struct dm_config_value v;
	size_t klen;
	int rc = dm_config_split(p, s, n, &klen, &v);

	if (rc)
		return rc;
	if (klen != 7 || memcmp(s, "devices", 7))
		return dm_config_fail(p, p->line, "unknown top-level key '%.*s'",
				      (int)(klen > 40 ? 40 : klen), s);
	if (p->in_devices)
		return dm_config_fail(p, p->line, "duplicate key 'devices'");
	if (v.text[0] || v.quoted)
		return dm_config_fail(p, p->line,
				      "key 'devices': wrong type: expected a block list");
	p->in_devices = true;
	return 0;
}

/* One line without its newline; indent counted in spaces (tabs are not YAML indentation). */
static int dm_config_line(struct dm_config_parser *p, const char *s, size_t n)
{
	struct dm_config_value v;
	size_t i, klen;
	int rc;

	for (i = 0; i < n && s[i] == ' '; i++)
		;
	if (i < n && s[i] == '\t')
		return dm_config_fail(p, p->line, "tab in indentation");
	if (i == n || s[i] == '#')
		return 0;
	/* A block list may sit at its parent's indentation: "devices:\n- id: 0". */
	if (i == 0 && !(p->in_devices && s[0] == '-' && (n == 1 || s[1] == ' ')))
		return dm_config_top(p, s, n);
	if (!p->in_devices)
		return dm_config_fail(p, p->line, "indented line before 'devices:'");
	if (s[i] == '-' && (i + 1 == n || s[i + 1] == ' ')) {
		size_t j;

		rc = dm_config_new_item(p, (int)i);
		if (rc)
			return rc;
		for (j = i + 1; j < n && s[j] == ' '; j++)
			;
		if (j == n || s[j] == '#')
			return 0;
		p->key_indent = (int)j;
		i = j;
	} else {
		if (!p->cur)
			return dm_config_fail(p, p->line, "expected a list item '- key: value'");
		if (p->key_indent < 0 && (int)i > p->item_indent)
			p->key_indent = (int)i;
		if ((int)i != p->key_indent)
			return dm_config_fail(p, p->line, "bad indentation %zu (expected %d)", i,
					      p->key_indent);
	}
	rc = dm_config_split(p, s + i, n - i, &klen, &v);
	if (rc)
		return rc;
	return dm_config_set(p, s + i, klen, &v);
}

int dm_config_parse(const char *buf, size_t len, struct dm_config *cfg, struct dm_config_error *err)
{
	struct dm_config_parser p = {.cfg = cfg, .err = err, .item_indent = -1, .key_indent = -1};
	size_t start = 0;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	memset(err, 0, sizeof(*err));
	if (memchr(buf, '\0', len))
		return dm_config_fail(&p, 0, "NUL byte in file");
	while (start < len) {
		const char *nl = memchr(buf + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - buf) : len, n = end - start;

		p.line++;
		if (n > 0 && buf[start + n - 1] == '\r')
			n--;
		rc = dm_config_line(&p, buf + start, n);
		if (rc)
			return rc;
		start = end + 1;
	}
	rc = dm_config_finish(&p);
	if (rc)
		return rc;
	if (!p.in_devices)
		return dm_config_fail(&p, 0, "missing required key 'devices'");
	if (cfg->ndevices == 0)
		return dm_config_fail(&p, 0, "key 'devices': empty list");
	return 0;
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
