/* stack_frontend.c - the table of frontends: choosing one is a lookup by name. */
#include <stdio.h>
#include <string.h>

#include "stack_frontend.h"

static const struct stack_frontend_ops *const stack_frontend_table[] = {
    &stack_fe_scripted_ops,
    &stack_fe_trapped_ops,
    &stack_fe_native_ops,
};

const struct stack_frontend_ops *stack_frontend_find(const char *name)
{
	for (size_t i = 0; i < sizeof(stack_frontend_table) / sizeof(stack_frontend_table[0]); i++)
		if (!strcmp(stack_frontend_table[i]->name, name))
			return stack_frontend_table[i];
	return NULL;
}

const char *stack_frontend_names(char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(stack_frontend_table) / sizeof(stack_frontend_table[0]); i++)
		if (n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "",
					      stack_frontend_table[i]->name);
	return buf;
}

const struct stack_frontend_ops *stack_frontend_default(void)
{
	return stack_frontend_table[0];
}
