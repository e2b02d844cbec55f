/* stack_backend_args.c - the user's own virtiofsd command line (`--virtiofsd-args '...'`) made
 * runnable in a run: split into words as a shell would (quotes, backslashes), `{socket}` and
 * `{share}` replaced by the run's socket and share. A line copied from a demo script is taken
 * as it is: a leading `nohup` and program name, and the shell's redirections and `&` at the end,
 * are dropped (the harness starts virtiofsd and keeps its log); a literal socket path or shared
 * directory is relocated to the run's, because virtiofsd must serve the share the host steps
 * see, on the socket the device model was told. Each change is one line of the notice, so the
 * user sees exactly what ran. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "stack.h"
#include "stack_priv.h"

/* Append to the notice, "; "-separated. */
__attribute__((format(printf, 2, 3))) static void
stack_backend_args_note(struct stack_backend_args_report *rep, const char *fmt, ...)
{
	size_t n = strlen(rep->notice);
	va_list ap;

	if (n && n + 2 < sizeof(rep->notice)) {
		memcpy(rep->notice + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(rep->notice + n, sizeof(rep->notice) - n, fmt, ap);
	va_end(ap);
}

/* Split line into words (NUL-separated in buf); 0, or -EINVAL with why. */
int stack_backend_args_split(const char *line, char *buf, size_t len, char **words, size_t max,
			     size_t *nwords, char *why, size_t whylen)
{
	size_t used = 0, n = 0;
	const char *p = line;

	while (*p) {
		char quote = 0;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		if (n + 1 >= max) {
			snprintf(why, whylen, "more than %zu words", max - 1);
			return -EINVAL;
		}
		words[n++] = buf + used;
		for (; *p && (quote || (*p != ' ' && *p != '\t' && *p != '\n')); p++) {
			if (!quote && (*p == '"' || *p == '\'')) {
				quote = *p;
				continue;
			}
			if (quote && *p == quote) {
				quote = 0;
				continue;
			}
			if (*p == '\\' && quote != '\'' && p[1])
				p++;
			if (used + 2 > len) {
				snprintf(why, whylen, "longer than %zu bytes", len);
				return -EINVAL;
			}
			buf[used++] = *p;
		}
		if (quote) {
			snprintf(why, whylen, "an unclosed %c quote", quote);
			return -EINVAL;
		}
		buf[used++] = '\0';
	}
	words[n] = NULL;
	*nwords = n;
	return 0;
}

/* A word from which on the line is the shell's business: redirections, `&`, pipes, `;`. */
static int stack_backend_args_is_shell(const char *w)
{
	return w[0] == '>' || w[0] == '<' || w[0] == '|' || w[0] == ';' || w[0] == '&' ||
	       (w[0] >= '0' && w[0] <= '9' && (w[1] == '>' || w[1] == '<'));
}

/* `w` with {socket} and {share} replaced into out; 1 when one was, 0 when none, -EINVAL for an
 * unknown {name}. */
static int stack_backend_args_subst(const char *w, const char *share, const char *sock, char *out,
				    size_t len, char *why, size_t whylen)
{
	size_t o = 0;
	int found = 0;

	for (const char *p = w; *p;) {
		const char *val = NULL, *close = *p == '{' ? strchr(p, '}') : NULL;
		size_t name = close ? (size_t)(close - p - 1) : 0, vlen;

		if (close && name == 6 && !memcmp(p + 1, "socket", 6))
			val = sock;
		else if (close && name == 5 && !memcmp(p + 1, "share", 5))
			val = share;
		else if (close && name > 0 && name < 16 &&
			 strspn(p + 1, "abcdefghijklmnopqrstuvwxyz_") == name) {
			snprintf(why, whylen, "unknown placeholder %.*s (want {socket} or {share})",
				 (int)name + 2, p);
			return -EINVAL;
		}
		vlen = val ? strlen(val) : 1;
		if (o + vlen + 1 > len) {
			snprintf(why, whylen, "the word '%.40s' is too long once expanded", w);
			return -EINVAL;
		}
		memcpy(out + o, val ? val : p, vlen);
		o += vlen;
		if (val)
			found = 1;
		p = val ? close + 1 : p + 1;
	}
	out[o] = '\0';
	return found;
}

/* 1 when word i (with the next one) names an option whose value is the socket or the share:
 * *value_at is the word holding the value, *prefix its bytes before the value. */
static int stack_backend_args_option(char **words, size_t i, const char *const names[],
				     size_t *value_at, size_t *prefix)
{
	for (size_t k = 0; names[k]; k++) {
		size_t n = strlen(names[k]);

		if (!strncmp(words[i], names[k], n) && words[i][n] == '=') {
			*value_at = i;
			*prefix = n + 1;
			return 1;
		}
		if (!strcmp(words[i], names[k]) && words[i + 1]) {
			*value_at = i + 1;
			*prefix = 0;
			return 1;
		}
	}
	/* QEMU's C daemon: -o source=DIR (also as one word, -osource=DIR). */
	if (!strcmp(names[0], "--shared-dir") && !strcmp(words[i], "-o") && words[i + 1] &&
	    !strncmp(words[i + 1], "source=", 7)) {
		*value_at = i + 1;
		*prefix = 7;
		return 1;
	}
	return 0;
}

int stack_backend_args_build(const char *line, const struct stack_backend *b, const char *share,
			     const char *sock, struct stack_backend_argv *a,
			     struct stack_backend_args_report *rep)
{
	static const char *const sock_opts[] = {"--socket-path", NULL};
	static const char *const share_opts[] = {"--shared-dir", NULL};
	char split[sizeof(a->buf)], word[PATH_MAX + 64], *words[32];
	size_t n, first = 0, last, at, pre;
	int has_sock = 0, has_share = 0;

	memset(rep, 0, sizeof(*rep));
	memset(a, 0, sizeof(*a));
	if (stack_backend_args_split(line, split, sizeof(split), words, 32, &n, rep->why,
				     sizeof(rep->why)))
		return -EINVAL;
	if (first < n && !strcmp(words[first], "nohup"))
		first++;
	if (first < n && words[first][0] != '-') {
		const char *base = strrchr(words[first], '/');

		base = base ? base + 1 : words[first];
		if (strcmp(base, "virtiofsd")) {
			snprintf(rep->why, sizeof(rep->why),
				 "'%.60s' is not an option (the program is --virtiofsd's; the line "
				 "may start with `virtiofsd`)",
				 words[first]);
			return -EINVAL;
		}
		first++;
	}
	if (first)
		stack_backend_args_note(rep, "'%s%s%s' dropped (the program is %s)", words[0],
					first > 1 ? " " : "", first > 1 ? words[1] : "", b->path);
	for (last = first; last < n && !stack_backend_args_is_shell(words[last]); last++)
		;
	if (last < n) {
		char tail[160];
		size_t t = 0;

		tail[0] = '\0';
		for (size_t i = last; i < n && t < sizeof(tail); i++)
			t += (size_t)snprintf(tail + t, sizeof(tail) - t, "%s%s",
					      i > last ? " " : "", words[i]);
		stack_backend_args_note(rep, "'%s' dropped (the harness keeps virtiofsd's log)",
					tail);
	}
	a->argv[a->argc++] = (char *)b->path;
	for (size_t i = first; i < last; i++) {
		int r = stack_backend_args_subst(words[i], share, sock, word, sizeof(word),
						 rep->why, sizeof(rep->why));
		size_t wl = strlen(word) + 1;

		if (r < 0)
			return r;
		if (!r && (stack_backend_args_option(words, i, sock_opts, &at, &pre) ||
			   stack_backend_args_option(words, i, share_opts, &at, &pre))) {
			int is_sock = stack_backend_args_option(words, i, sock_opts, &at, &pre);
			const char *want = is_sock ? sock : share;
			size_t opt = i;

			if (at == i + 1) { /* the option word itself, then its value */
				if (a->used + wl > sizeof(a->buf) || a->argc + 3 > 16)
					goto too_long;
				memcpy(a->buf + a->used, word, wl);
				a->argv[a->argc++] = a->buf + a->used;
				a->used += wl;
				i++;
			}
			if (!strchr(words[at] + pre, '{') && strcmp(words[at] + pre, want))
				stack_backend_args_note(rep, "%s%s%s relocated to %s",
							at > opt ? words[opt] : "",
							at > opt ? " " : "", words[at], want);
			snprintf(word, sizeof(word), "%.*s%s", (int)pre, words[at], want);
			wl = strlen(word) + 1;
			if (is_sock)
				has_sock = 1;
			else
				has_share = 1;
		} else if (r) {
			has_sock |= strstr(words[i], "{socket}") != NULL;
			has_share |= strstr(words[i], "{share}") != NULL;
		}
		if (a->used + wl > sizeof(a->buf) || a->argc + 2 > 16)
			goto too_long;
		memcpy(a->buf + a->used, word, wl);
		a->argv[a->argc++] = a->buf + a->used;
		a->used += wl;
	}
	if (!has_sock || !has_share) {
		snprintf(rep->why, sizeof(rep->why),
			 "no %s: virtiofsd must serve the run's share on the run's socket (write "
			 "--socket-path={socket} and %s)",
			 !has_sock ? "--socket-path or {socket}" : "--shared-dir or {share}",
			 b->kind && !strcmp(b->kind->name, "c") ? "-o source={share}"
								: "--shared-dir {share}");
		return -EINVAL;
	}
	a->argv[a->argc] = NULL;
	return 0;
too_long:
	snprintf(rep->why, sizeof(rep->why), "too long once expanded (at most 15 words, %zu bytes)",
		 sizeof(a->buf));
	return -EINVAL;
}
