#ifndef SPOOL_CSECCOMP_SHIM_H
#define SPOOL_CSECCOMP_SHIM_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

/* The actions as values: libseccomp defines them as macros with arguments,
   which Swift does not import. */
static inline uint32_t cseccomp_act_errno(uint16_t error) { return SCMP_ACT_ERRNO(error); }
static inline uint32_t cseccomp_act_kill_process(void) { return SCMP_ACT_KILL_PROCESS; }
static inline uint32_t cseccomp_act_allow(void) { return SCMP_ACT_ALLOW; }

/* An unconditional rule (seccomp_rule_add is variadic, which Swift does not import). */
static inline int cseccomp_rule(scmp_filter_ctx ctx, uint32_t action, int syscall) {
    return seccomp_rule_add_array(ctx, action, syscall, 0, NULL);
}

/* A rule on a system call whose first argument equals `value`. */
static inline int cseccomp_rule_first_argument_equals(scmp_filter_ctx ctx, uint32_t action, int syscall, uint64_t value) {
    return seccomp_rule_add(ctx, action, syscall, 1, SCMP_A0(SCMP_CMP_EQ, value));
}

/* A rule on a system call whose first argument is at least `value`. */
static inline int cseccomp_rule_first_argument_at_least(scmp_filter_ctx ctx, uint32_t action, int syscall, uint64_t value) {
    return seccomp_rule_add(ctx, action, syscall, 1, SCMP_A0(SCMP_CMP_GE, value));
}

/* The filter as BPF in a malloc'd buffer the caller frees, its size in
   `*count`; NULL with errno set on failure. */
static inline void *cseccomp_export(scmp_filter_ctx ctx, size_t *count) {
    int file = memfd_create("spool-seccomp", MFD_CLOEXEC);
    if (file < 0) return NULL;
    int result = seccomp_export_bpf(ctx, file);
    if (result != 0) {
        close(file);
        errno = -result;
        return NULL;
    }
    off_t size = lseek(file, 0, SEEK_END);
    void *bytes = size > 0 ? malloc((size_t)size) : NULL;
    if (bytes == NULL || pread(file, bytes, (size_t)size, 0) != size) {
        int error = bytes == NULL ? ENOMEM : EIO;
        free(bytes);
        close(file);
        errno = error;
        return NULL;
    }
    close(file);
    *count = (size_t)size;
    return bytes;
}

#endif
