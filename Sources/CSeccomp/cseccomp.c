#define _GNU_SOURCE
#include "CSeccomp.h"
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

uint32_t cseccomp_act_errno(uint16_t error) { return SCMP_ACT_ERRNO(error); }
uint32_t cseccomp_act_kill_process(void) { return SCMP_ACT_KILL_PROCESS; }
uint32_t cseccomp_act_allow(void) { return SCMP_ACT_ALLOW; }

int cseccomp_rule(scmp_filter_ctx ctx, uint32_t action, int syscall) {
    return seccomp_rule_add_array(ctx, action, syscall, 0, NULL);
}

int cseccomp_rule_first_argument_equals(scmp_filter_ctx ctx, uint32_t action, int syscall, uint64_t value) {
    return seccomp_rule_add(ctx, action, syscall, 1, SCMP_A0(SCMP_CMP_EQ, value));
}

int cseccomp_rule_first_argument_at_least(scmp_filter_ctx ctx, uint32_t action, int syscall, uint64_t value) {
    return seccomp_rule_add(ctx, action, syscall, 1, SCMP_A0(SCMP_CMP_GE, value));
}

void *cseccomp_export(scmp_filter_ctx ctx, size_t *count) {
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
