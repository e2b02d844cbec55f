/* fuzz_guest.h - `baoharness fuzz guest`: the other direction (issue 18) - a hostile backend
 * (the device model in mutation mode) against a real Linux guest's virtio-fs and FUSE code,
 * with the guest kernel's own oracles and the agent's impossible-result checks. */
#ifndef HARNESS_FUZZ_GUEST_H
#define HARNESS_FUZZ_GUEST_H

/* argv[0] is "fuzz", argv[1] "guest". Returns the exit status: 0 done (guest findings are
 * recorded, never failures), 1 the harness failed (a stack that will not start, our device
 * model died), 2 usage, 3 environment missing, 128+N interrupted (results still written). */
int fuzz_guest_main(int argc, char **argv);

#endif
