#define _GNU_SOURCE
#include "CSeccomp.h"
#include "CDynamicLibrary.h"
#include <errno.h>
#include <linux/audit.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/// The libseccomp functions spoold calls, resolved by `cseccomp_load`.
static struct {
    scmp_filter_ctx (*init)(uint32_t);
    void (*release)(scmp_filter_ctx);
    int (*attr_set)(scmp_filter_ctx, enum scmp_filter_attr, uint32_t);
    int (*syscall_resolve_name)(const char *);
    int (*rule_add_array)(scmp_filter_ctx, uint32_t, int, unsigned int, const struct scmp_arg_cmp *);
    int (*export_bpf)(const scmp_filter_ctx, int);
} api;
/// In the order of `api`'s fields.
static const char *const symbols[] = {
    "seccomp_init", "seccomp_release", "seccomp_attr_set", "seccomp_syscall_resolve_name", "seccomp_rule_add_array",
    "seccomp_export_bpf",
};
_Static_assert(sizeof(symbols) / sizeof(symbols[0]) == sizeof(api) / sizeof(void *), "one symbol per field");
static cdl_library library = CDL_LIBRARY_INIT("libseccomp.so.2", symbols, &api);

int cseccomp_load(const char **error) { return cdl_load(&library, error); }

scmp_filter_ctx cseccomp_init(uint32_t default_action) {
    return cseccomp_load(NULL) == 0 ? api.init(default_action) : NULL;
}

void cseccomp_release(scmp_filter_ctx ctx) {
    if (cseccomp_load(NULL) == 0) api.release(ctx);
}

int cseccomp_attr_set(scmp_filter_ctx ctx, enum scmp_filter_attr attribute, uint32_t value) {
    return cseccomp_load(NULL) == 0 ? api.attr_set(ctx, attribute, value) : -ENOSYS;
}

int cseccomp_syscall_resolve_name(const char *name) {
    return cseccomp_load(NULL) == 0 ? api.syscall_resolve_name(name) : __NR_SCMP_ERROR;
}

uint32_t cseccomp_native_architecture(void) {
#if defined(__x86_64__) && !defined(__ILP32__)
    return AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
    return AUDIT_ARCH_AARCH64;
#else
    return 0;
#endif
}

uint32_t cseccomp_act_errno(uint16_t error) { return SCMP_ACT_ERRNO(error); }
uint32_t cseccomp_act_kill_process(void) { return SCMP_ACT_KILL_PROCESS; }
uint32_t cseccomp_act_allow(void) { return SCMP_ACT_ALLOW; }

static int rule(scmp_filter_ctx ctx, uint32_t action, int syscall, unsigned int count, const struct scmp_arg_cmp *comparisons) {
    return cseccomp_load(NULL) == 0 ? api.rule_add_array(ctx, action, syscall, count, comparisons) : -ENOSYS;
}

int cseccomp_rule(scmp_filter_ctx ctx, uint32_t action, int syscall) {
    return rule(ctx, action, syscall, 0, NULL);
}

int cseccomp_rule_first_argument_equals(scmp_filter_ctx ctx, uint32_t action, int syscall, uint64_t value) {
    struct scmp_arg_cmp comparison = SCMP_A0(SCMP_CMP_EQ, value);
    return rule(ctx, action, syscall, 1, &comparison);
}

int cseccomp_rule_first_argument_at_least(scmp_filter_ctx ctx, uint32_t action, int syscall, uint64_t value) {
    struct scmp_arg_cmp comparison = SCMP_A0(SCMP_CMP_GE, value);
    return rule(ctx, action, syscall, 1, &comparison);
}

int cseccomp_rule_argument_has_bits(scmp_filter_ctx ctx, uint32_t action, int syscall, unsigned index, uint64_t bits) {
    struct scmp_arg_cmp comparison = SCMP_CMP(index, SCMP_CMP_MASKED_EQ, bits, bits);
    return rule(ctx, action, syscall, 1, &comparison);
}

void *cseccomp_export(scmp_filter_ctx ctx, size_t *count) {
    if (cseccomp_load(NULL) != 0) {
        errno = ENOSYS;
        return NULL;
    }
    int file = memfd_create("spool-seccomp", MFD_CLOEXEC);
    if (file < 0) return NULL;
    int result = api.export_bpf(ctx, file);
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
