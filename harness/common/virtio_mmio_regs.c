/* virtio_mmio_regs.c - the virtio-mmio v2 register table, in offset order. */
#include <stddef.h>

#include "virtio_mmio_regs.h"

#define R VIRTIO_MMIO_REGS_R
#define W VIRTIO_MMIO_REGS_W

static const struct virtio_mmio_regs_desc virtio_mmio_regs_table[] = {
    {0x000, "MagicValue", 4, R},       {0x004, "Version", 4, R},
    {0x008, "DeviceID", 4, R},	       {0x00c, "VendorID", 4, R},
    {0x010, "DeviceFeatures", 4, R},   {0x014, "DeviceFeaturesSel", 4, W},
    {0x020, "DriverFeatures", 4, W},   {0x024, "DriverFeaturesSel", 4, W},
    {0x030, "QueueSel", 4, W},	       {0x034, "QueueNumMax", 4, R},
    {0x038, "QueueNum", 4, W},	       {0x044, "QueueReady", 4, R | W},
    {0x050, "QueueNotify", 4, W},      {0x060, "InterruptStatus", 4, R},
    {0x064, "InterruptACK", 4, W},     {0x070, "Status", 4, R | W},
    {0x080, "QueueDescLow", 4, W},     {0x084, "QueueDescHigh", 4, W},
    {0x090, "QueueDriverLow", 4, W},   {0x094, "QueueDriverHigh", 4, W},
    {0x0a0, "QueueDeviceLow", 4, W},   {0x0a4, "QueueDeviceHigh", 4, W},
    {0x0ac, "SHMSel", 4, W},	       {0x0b0, "SHMLenLow", 4, R},
    {0x0b4, "SHMLenHigh", 4, R},       {0x0b8, "SHMBaseLow", 4, R},
    {0x0bc, "SHMBaseHigh", 4, R},      {0x0c0, "QueueReset", 4, R | W},
    {0x0fc, "ConfigGeneration", 4, R},
};

const struct virtio_mmio_regs_desc *virtio_mmio_regs_find(uint64_t offset)
{
	for (size_t i = 0; i < sizeof(virtio_mmio_regs_table) / sizeof(virtio_mmio_regs_table[0]);
	     i++)
		if (virtio_mmio_regs_table[i].offset == offset)
			return &virtio_mmio_regs_table[i];
	return NULL;
}

const char *virtio_mmio_regs_name(uint64_t offset)
{
	const struct virtio_mmio_regs_desc *r = virtio_mmio_regs_find(offset);

	if (r)
		return r->name;
	return offset >= VIRTIO_MMIO_REGS_CONFIG ? "Config" : "reserved";
}
