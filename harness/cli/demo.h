/* demo.h - `baoharness demo`: the Bao virtio-fs seed demo on the emulated stack, narrated. */
#ifndef HARNESS_DEMO_H
#define HARNESS_DEMO_H

int demo_main(int argc, char **argv);

#endif
