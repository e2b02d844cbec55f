/* boot.h - `baoharness boot`: the trapped (or native) Debian guest with an interactive shell on
 * its console instead of the agent, so the seed's `mount -t virtiofs myfs /mnt` can be typed. */
#ifndef HARNESS_BOOT_H
#define HARNESS_BOOT_H

/* argv[0] is "boot". Returns the exit status: 0 the guest powered off (or Ctrl-] left it),
 * 1 failure, 2 usage error, 3 environment missing (image, EL2 stub, virtiofsd, QEMU). */
int boot_main(int argc, char **argv);

#endif
