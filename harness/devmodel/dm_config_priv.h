/* dm_config_priv.h - shared by the two halves of the config-fs.yaml reader: dm_config.c walks
 * the YAML document, dm_config_key.c types and checks each key of a device entry. */
#ifndef DM_CONFIG_PRIV_H
#define DM_CONFIG_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "dm_config.h"

struct dm_config_parser {
	struct dm_config *cfg;
	struct dm_config_error *err;
	yaml_document_t *doc;
	struct dm_device_config *cur;
	unsigned seen; /* bit per dm_config_key_id of cur */
	int unknown_top_line;
	char unknown_top[48];
};

/* dm_config.c: err = "config line N: ..." (line 0: "config: ..."), -EINVAL. */
int dm_config_fail(struct dm_config_parser *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A warning for cfg->warnings (counted in warnings_dropped beyond DM_CONFIG_MAX_WARNINGS). */
void dm_config_warn(struct dm_config_parser *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Up to 40 bytes of s for a message, unprintable bytes as '?'; returns out. */
const char *dm_config_show(const char *s, size_t n, char *out, size_t cap);
int dm_config_line_of(const yaml_node_t *n);
const char *dm_config_type_name(const yaml_node_t *n);
/* A plain ~, null, Null, NULL or empty scalar. */
bool dm_config_is_null(const yaml_node_t *n);

/* dm_config_key.c: the key id of name[0..len), or -1 when the harness does not use it. */
int dm_config_key_find(const char *name, size_t len);
/* Set key id of the current device (p->cur) from value; 0 or dm_config_fail's -EINVAL. */
int dm_config_key_set(struct dm_config_parser *p, int line, int id, const yaml_node_t *value);
/* The warning for a key the harness does not use (merge key, another device type's, unknown). */
void dm_config_key_unknown(struct dm_config_parser *p, int line, const char *k, size_t n);
/* End of a device entry: required keys present, id unique, socket name fits. */
int dm_config_key_finish(struct dm_config_parser *p);

#endif
