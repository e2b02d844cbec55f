/* stack_config.c - the user's own config-fs.yaml (`--config FILE`) made runnable in a run
 * directory: every `socket_path` value is replaced by the run's own directory (each run has its
 * own virtiofsd socket, so parallel jobs never share one and nothing is left outside the run
 * directory), everything else - comments, anchors, flow style, keys the harness does not use -
 * is passed through byte for byte for the device model to parse as it would on Bao. The
 * device's `mmio_addr` is checked against the trap region here, so a config for another address
 * fails before anything starts instead of as a probe that finds no device.
 *
 * A pure function over the file's bytes (it is untrusted input: fuzz/targets/fuzz_stack_config.c).
 * It scans, it does not parse YAML: a key is `socket_path` or `mmio_addr` followed by `:` at the
 * start of a line's content, after `- `, `{` or `,`, outside quotes and comments - which covers
 * block and flow style; a value given by an alias is replaced (socket_path) or left to the
 * device model (mmio_addr). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack_config.h"

struct stack_config_out {
	char *buf;
	size_t len, used;
	int overflow;
};

static void stack_config_put(struct stack_config_out *o, const char *p, size_t n)
{
	if (o->overflow || n > o->len - o->used) {
		o->overflow = 1;
		return;
	}
	memcpy(o->buf + o->used, p, n);
	o->used += n;
}

static int stack_config_is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Where the value starting at p ends (exclusive), within [p, end): a quoted scalar through its
 * closing quote, a plain one up to ` #` or the end of the line (in flow style also `,` `}` `]`),
 * trailing blanks off. */
static const char *stack_config_value_end(const char *p, const char *end, int flow)
{
	const char *q = p;

	if (q < end && (*q == '"' || *q == '\'')) {
		char quote = *q++;

		while (q < end && *q != quote && *q != '\n') {
			if (quote == '"' && *q == '\\' && q + 1 < end)
				q++;
			q++;
		}
		return q < end && *q == quote ? q + 1 : q;
	}
	while (q < end && *q != '\n' && !(flow && (*q == ',' || *q == '}' || *q == ']')) &&
	       !(*q == '#' && q > p && stack_config_is_space(q[-1])))
		q++;
	while (q > p && stack_config_is_space(q[-1]))
		q--;
	return q;
}

/* The unsigned integer a YAML scalar spells (0x hex, 0o octal, decimal, optionally quoted), or
 * -EINVAL. */
static int stack_config_number(const char *p, size_t n, uint64_t *out)
{
	char tmp[40], *e;
	int base = 10;
	const char *d;

	if (n >= 2 && (p[0] == '"' || p[0] == '\'') && p[n - 1] == p[0]) {
		p++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	d = tmp;
	if (n > 2 && tmp[0] == '0' && (tmp[1] == 'x' || tmp[1] == 'X'))
		base = 16, d = tmp + 2;
	else if (n > 2 && tmp[0] == '0' && tmp[1] == 'o')
		base = 8, d = tmp + 2;
	if (*d == '-' || *d == '+' || stack_config_is_space(*d))
		return -EINVAL;
	errno = 0;
	*out = strtoull(d, &e, base);
	return errno || *e || e == d ? -EINVAL : 0;
}

/* 1 when the key at p (a line's content start, or after `- `, `{`, `,`) is `key` followed by
 * optional blanks and a `:` that ends a key (then *val is where the value starts). */
static int stack_config_key_at(const char *p, const char *end, const char *key, const char **val)
{
	size_t k = strlen(key);
	const char *q = p + k;

	if ((size_t)(end - p) < k || memcmp(p, key, k))
		return 0;
	while (q < end && stack_config_is_space(*q))
		q++;
	if (q >= end || *q != ':' || (q + 1 < end && !stack_config_is_space(q[1]) && q[1] != '\n'))
		return 0;
	q++;
	while (q < end && stack_config_is_space(*q))
		q++;
	*val = q;
	return 1;
}

int stack_config_relocate(const char *in, size_t len, const char *sockdir, uint64_t mmio_addr,
			  char *out, size_t outlen, struct stack_config_report *rep)
{
	struct stack_config_out o = {out, outlen, 0, 0};
	const char *p = in, *end = in + len, *copied = in;
	int key_pos = 1; /* at a place where a key may start */
	int flow = 0;	 /* inside { } or [ ] */
	char quote = 0;

	memset(rep, 0, sizeof(*rep));
	if (memchr(in, '\0', len)) {
		snprintf(rep->why, sizeof(rep->why), "a NUL byte at offset %zu: not a YAML text",
			 (size_t)((const char *)memchr(in, '\0', len) - in));
		return -EINVAL;
	}
	while (p < end) {
		const char *val, *vend;
		char c = *p;

		if (quote) {
			if (c == '\\' && quote == '"' && p + 1 < end)
				p++;
			else if (c == quote || c == '\n')
				quote = 0;
			p++;
			continue;
		}
		if (c == '#' && (p == in || stack_config_is_space(p[-1]) || p[-1] == '\n')) {
			while (p < end && *p != '\n')
				p++;
			continue;
		}
		if (c == '{' || c == '[')
			flow++;
		else if ((c == '}' || c == ']') && flow > 0)
			flow--;
		if (c == '\n' || c == '{' || (c == ',' && flow) ||
		    (c == '-' && p + 1 < end && stack_config_is_space(p[1]))) {
			key_pos = 1;
			p++;
			continue;
		}
		if (stack_config_is_space(c)) {
			p++;
			continue;
		}
		if (key_pos && stack_config_key_at(p, end, "socket_path", &val)) {
			vend = stack_config_value_end(val, end, flow);
			if (rep->sockets == 0)
				snprintf(rep->socket_was, sizeof(rep->socket_was), "%.*s",
					 (int)(vend - val), val);
			stack_config_put(&o, copied, (size_t)(val - copied));
			stack_config_put(&o, "\"", 1);
			stack_config_put(&o, sockdir, strlen(sockdir));
			stack_config_put(&o, "/\"", 2);
			copied = p = vend;
			rep->sockets++;
			key_pos = 0;
			continue;
		}
		if (key_pos && stack_config_key_at(p, end, "mmio_addr", &val)) {
			uint64_t v;

			vend = stack_config_value_end(val, end, flow);
			if (rep->devices == 0 && !(val < end && (*val == '*' || *val == '&'))) {
				if (stack_config_number(val, (size_t)(vend - val), &v)) {
					snprintf(rep->why, sizeof(rep->why),
						 "mmio_addr '%.*s' is not a number",
						 (int)(vend - val > 40 ? 40 : vend - val), val);
					return -EINVAL;
				}
				if (v != mmio_addr) {
					snprintf(rep->why, sizeof(rep->why),
						 "mmio_addr 0x%" PRIx64
						 ", but the harness traps the "
						 "demo's virtio-mmio device at 0x%" PRIx64,
						 v, mmio_addr);
					return -EINVAL;
				}
			}
			rep->devices++;
			p = vend;
			key_pos = 0;
			continue;
		}
		if (c == '"' || c == '\'')
			quote = c;
		key_pos = 0;
		p++;
	}
	stack_config_put(&o, copied, (size_t)(end - copied));
	if (o.overflow) {
		snprintf(rep->why, sizeof(rep->why), "too long (%zu bytes, at most %zu)", len,
			 outlen);
		return -E2BIG;
	}
	if (!rep->sockets) {
		snprintf(rep->why, sizeof(rep->why),
			 "no socket_path: the device model would not find virtiofsd");
		return -EINVAL;
	}
	if (!rep->devices) {
		snprintf(rep->why, sizeof(rep->why), "no mmio_addr: no device for the harness");
		return -EINVAL;
	}
	rep->len = o.used;
	return 0;
}
