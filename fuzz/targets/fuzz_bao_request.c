/* fuzz_bao_request.c - libFuzzer target: Bao I/O requests as a device model hands them back
 * (remio_request_check, remio_complete) with bogus dm ids, ops, widths and request ids against
 * a control page whose completion slots hold fuzzed pending ids. Input: a 2-byte preamble,
 * slot tags, then 48-byte requests. */
#include <string.h>

#include "fakebao_shm.h"
#include "fuzz_input.h"
#include "log.h"

FUZZ_QUIET_INIT()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fakebao_shm shm;
	struct fuzz_input in = {data, size};
	struct bao_virtio_request req;
	uint8_t nslots;
	char why[160];
	unsigned i;
	int rc;

	memset(&shm, 0, sizeof(shm));
	shm.magic = FAKEBAO_SHM_MAGIC;
	shm.version = FAKEBAO_SHM_VERSION;
	shm.nr_vcpus = fuzz_input_u8(&in) % (FAKEBAO_MAX_VCPUS + 2);
	shm.shmem_addr = FAKEBAO_DEFAULT_SHMEM_ADDR;
	shm.shmem_size = FAKEBAO_DEFAULT_SHMEM_SIZE;
	atomic_store(&shm.alive, 1);
	/* Pending accesses: slot i waits for a request id whose low byte is i. */
	nslots = fuzz_input_u8(&in) % (FAKEBAO_MAX_VCPUS + 1);
	for (i = 0; i < nslots; i++)
		atomic_store(&shm.slot[i].tag,
			     (fuzz_input_u64(&in) & ~0xffULL & FAKEBAO_TAG_ID_MASK) | i);
	while (in.n) {
		memset(&req, 0, sizeof(req));
		req.dm_id = fuzz_input_u8(&in);
		req.addr = fuzz_input_u64(&in);
		req.op = fuzz_input_u8(&in);
		req.value = fuzz_input_u64(&in);
		req.access_width = fuzz_input_u8(&in);
		req.request_id = fuzz_input_u64(&in);
		rc = remio_request_check(&shm, &req, why, sizeof(why));
		if (rc == 0) {
			FUZZ_CHECK(req.dm_id < FAKEBAO_MAX_DMS, "dm_id %llu",
				   (unsigned long long)req.dm_id);
			FUZZ_CHECK((req.request_id & 0xff) < shm.nr_vcpus, "vcpu");
		}
		rc = remio_complete(&shm, &req);
		if (rc == 0) {
			uint64_t tag = atomic_load(&shm.slot[req.request_id & 0xff].tag);

			FUZZ_CHECK(tag == (req.request_id | FAKEBAO_TAG_DONE), "slot tag 0x%llx",
				   (unsigned long long)tag);
			/* the vCPU takes the value and the slot goes idle, as fakebao does */
			atomic_store(&shm.slot[req.request_id & 0xff].tag, 0);
		}
	}
	return 0;
}
