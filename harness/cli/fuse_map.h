/* fuse_map.h - the rules by which a replayed FUSE reply is compared with a recorded one (both
 * `replay`s): node ids and file handles are learnt from the replies that create them and
 * rewritten into later requests; inode numbers, generations, times, open handles and STATFS
 * bodies are not compared; READDIR by names and types in order; everything else byte for byte. */
#ifndef HARNESS_FUSE_MAP_H
#define HARNESS_FUSE_MAP_H

#include <stddef.h>
#include <stdint.h>

#define FUSE_MAP_MAX 4096

struct fuse_map_ids {
	uint64_t from[FUSE_MAP_MAX], to[FUSE_MAP_MAX];
	size_t n;
};

/* Both mappings and the last difference's description. */
struct fuse_map {
	struct fuse_map_ids nodes, fhs;
	char why[768];
};

/* A field of a request that holds a host-dependent value: a node id or a file handle. */
#define FUSE_MAP_FIELDS 4
struct fuse_map_field {
	size_t at; /* byte offset in the request (may lie past its end: then skip it) */
	int is_node;
};
/* The node-id and handle fields of the request req (len bytes, header first; its opcode
 * decides) into out (FUSE_MAP_FIELDS at most): how many. The one list both the replays and the
 * differential fuzzer rewrite by. Pure. */
size_t fuse_map_fields(const uint8_t *req, size_t len, struct fuse_map_field *out);
/* The recorded request req (len bytes, header first) with this run's node ids and file handles
 * put in, in place. */
void fuse_map_rewrite(struct fuse_map *r, uint8_t *req, size_t len);
/* Compare the reply live got for opcode with the recorded one: 0 identical (after mapping; the
 * mappings its body creates are learnt, live's host fields zeroed), -1 with r->why. */
int fuse_map_compare(struct fuse_map *r, uint32_t opcode, const uint8_t *rec, size_t rec_len,
		     uint8_t *live, size_t live_len);

#endif
