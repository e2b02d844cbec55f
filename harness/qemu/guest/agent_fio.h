/* agent_fio.h - the guest's fio workload (`@@FIO`): the static fio of build-fio.sh runs one job
 * on the virtio-fs mount with options from an allow-list, bounded in time, and its JSON report
 * comes back as one line of figures. Protocol: harness/qemu/README.md, "Console protocol". */
#ifndef AGENT_FIO_H
#define AGENT_FIO_H

#include <stddef.h>

#define AGENT_FIO_BIN "/usr/bin/fio"
#define AGENT_FIO_MAX_OPTS 24

/* args: "<timeout_s> key=value ..." (the text after "@@FIO "), run on directory mnt.
 * 0 with out = "FIO jobs=N error=E read_ios=..." (fio_json_format); else -errno with out saying
 * what failed and with which value (a refused option, fio's own error line, the timeout). */
int agent_fio_run(const char *mnt, const char *args, char *out, size_t outlen);

#endif
