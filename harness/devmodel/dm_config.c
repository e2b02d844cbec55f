/* dm_config.c - config-fs.yaml read with libyaml, as bao-virtio-dm's serde_yaml 0.8 reads it:
 * any YAML (flow or block style, anchors and aliases, comments anywhere) whose one document is
 * a map with a `devices:` list of device maps (each entry's keys: dm_config_key.c). Keys the
 * harness does not use are warnings, not errors. Pure over (buf, len). */
#include "dm_config.h"
#include "dm_config_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

int dm_config_fail(struct dm_config_parser *p, int line, const char *fmt, ...)
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

void dm_config_warn(struct dm_config_parser *p, int line, const char *fmt, ...)
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
const char *dm_config_show(const char *s, size_t n, char *out, size_t cap)
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

int dm_config_line_of(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

const char *dm_config_type_name(const yaml_node_t *n)
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
	if ((strstr(problem, "cannot start any token") && at < len && buf[at] == '\t') ||
	    strstr(problem, "tab character"))
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
bool dm_config_is_null(const yaml_node_t *n)
{
	const char *t = (const char *)n->data.scalar.value;
	size_t len = n->data.scalar.length;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return len == 0 || (len == 1 && t[0] == '~') ||
	       (len == 4 &&
		(!memcmp(t, "null", 4) || !memcmp(t, "Null", 4) || !memcmp(t, "NULL", 4)));
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
		i = dm_config_key_find((const char *)k->data.scalar.value, k->data.scalar.length);
		if (i < 0) {
			dm_config_key_unknown(p, line, (const char *)k->data.scalar.value,
					      k->data.scalar.length);
			continue;
		}
		rc = dm_config_key_set(p, line, i, v);
		if (rc)
			return rc;
	}
	return dm_config_key_finish(p);
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
