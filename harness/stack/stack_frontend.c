/* stack_frontend.c - the table of frontends: choosing one is a lookup by name. */
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

const char *stack_frontend_names(void)
{
	return "scripted, qemu, qemu-native";
}

const struct stack_frontend_ops *stack_frontend_default(void)
{
	return stack_frontend_table[0];
}
