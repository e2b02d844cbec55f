/* bao.h - Bao's remote-I/O dispatcher UAPI (bao-linux-drivers iodispatcher/bao.h ABI).
 * The device model includes only this header; fakebao provides the same ABI on a host,
 * so the numbers and layouts here must match Bao's byte for byte. Compiles on its own. */
#ifndef BAO_H
#define BAO_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define BAO_IO_DISPATCHER_PATH "/dev/bao-io-dispatcher"

#define BAO_IO_MAX_DMS 16
#define BAO_NAME_MAX_LEN 16
#define BAO_IO_REQUEST_MAX 64

/* bao_virtio_request.op */
#define BAO_IO_WRITE 0
#define BAO_IO_READ 1
#define BAO_IO_ASK 2
#define BAO_IO_NOTIFY 3

/* bao_ioeventfd.flags */
#define BAO_IOEVENTFD_FLAG_DATAMATCH (1 << 1)
#define BAO_IOEVENTFD_FLAG_DEASSIGN (1 << 2)

/* bao_irqfd.flags */
#define BAO_IRQFD_FLAG_DEASSIGN 1U

struct bao_virtio_request {
	__u64 dm_id;	    /* device model id */
	__u64 addr;	    /* absolute frontend address accessed */
	__u64 op;	    /* BAO_IO_* */
	__u64 value;	    /* value written, or value to return for a read */
	__u64 access_width; /* bytes */
	__u64 request_id;   /* echoed back on completion */
};

struct bao_ioeventfd {
	__u32 fd;
	__u32 flags;
	__u64 addr;
	__u32 len;
	__u32 reserved;
	__u64 data;
};

struct bao_irqfd {
	__s32 fd;
	__u32 flags;
};

struct bao_dm_info {
	__u32 id;
	__u64 shmem_addr;
	__u64 shmem_size;
	__u32 irq;
	__s32 fd;
};

#define BAO_IOCTL_TYPE 0xA6
#define BAO_IOCTL_DM_GET_INFO _IOWR(BAO_IOCTL_TYPE, 0x01, struct bao_dm_info)
#define BAO_IOCTL_IO_CLIENT_ATTACH _IOWR(BAO_IOCTL_TYPE, 0x02, struct bao_virtio_request)
#define BAO_IOCTL_IO_REQUEST_COMPLETE _IOW(BAO_IOCTL_TYPE, 0x03, struct bao_virtio_request)
#define BAO_IOCTL_IOEVENTFD _IOW(BAO_IOCTL_TYPE, 0x04, struct bao_ioeventfd)
#define BAO_IOCTL_IRQFD _IOW(BAO_IOCTL_TYPE, 0x05, struct bao_irqfd)

#endif /* BAO_H */
