/* supervise_notif.h - the seccomp listener's operations (receive, still valid?, answer,
 * continue, install an fd) and access to the notifying thread's memory and fd table. */
#ifndef SUPERVISE_NOTIF_H
#define SUPERVISE_NOTIF_H

#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Checks that the kernel's notification structs fit ours (SECCOMP_GET_NOTIF_SIZES). 0 or
 * -errno with a message. */
int supervise_notif_check_sizes(void);
/* Receives one notification. -ENOENT: the target went away before it could be read (the
 * caller just polls again); other -errno are failures. */
int supervise_notif_recv(int listener, struct seccomp_notif *req);
/* 0 while the notification with this id still waits for an answer, else -ENOENT. Call after
 * reading the target's memory and before acting on it: the thread may have been interrupted
 * (or its pid reused) in between. */
int supervise_notif_valid(int listener, uint64_t id);
/* Answers: val as the system call's return value (error 0), or -1 with errno = -error. */
int supervise_notif_reply(int listener, uint64_t id, int64_t val, int error);
/* Lets the system call run in the kernel as it is (SECCOMP_USER_NOTIF_FLAG_CONTINUE). */
int supervise_notif_continue(int listener, uint64_t id);
/* Installs fd (ours) in the target's table with newfd_flags (O_CLOEXEC or 0); with send, that
 * also answers the notification with the new number (SECCOMP_ADDFD_FLAG_SEND). Returns the
 * number in the target or -errno. */
int supervise_notif_addfd(int listener, uint64_t id, int fd, unsigned int newfd_flags, int send);

/* The notifying thread's (tid) memory: exactly len bytes, or -EFAULT (or -errno). */
int supervise_notif_read(pid_t tid, uint64_t addr, void *buf, size_t len);
int supervise_notif_write(pid_t tid, uint64_t addr, const void *buf, size_t len);
/* Up to cap - 1 bytes of a NUL-terminated string, stopping at unreadable memory. Returns the
 * length, -ENAMETOOLONG when no NUL came within cap - 1 bytes (buf then holds that prefix),
 * or -EFAULT when nothing could be read. */
int supervise_notif_read_str(pid_t tid, uint64_t addr, char *buf, size_t cap);
/* A copy (ours, O_CLOEXEC) of the target's fd: pidfd_open on tid's thread group, then
 * pidfd_getfd. -EBADF when the target has no such fd. */
int supervise_notif_getfd(pid_t tid, int target_fd);
/* 1 when the target's fd and our fd are the same open file (kcmp KCMP_FILE), 0 when not,
 * -errno when it cannot tell (-EBADF: no such fd in the target). */
int supervise_notif_same_file(pid_t tid, int target_fd, int fd);

#endif
