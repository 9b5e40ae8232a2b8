#ifndef CSECCOMP_H
#define CSECCOMP_H

// libseccomp for Swift: its action macros and variadic rule calls as
// functions Swift can call, and a filter exported as BPF bytes.
//
// libseccomp is loaded with dlopen(3) on first use (a queue file's sandbox
// to build or check), never at start: a spoold without sandboxed queues, the
// beanstalkd drop-in case, maps one shared library fewer at every start.
// <seccomp.h> gives the types and constants only; every call goes through
// the functions below.

#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>

/// Loads libseccomp.so.2 once. Returns 0, or -1 with `*error` (when not
/// NULL) set to dlerror(3)'s message. The other functions load it too and
/// fail (NULL, `__NR_SCMP_ERROR` or `-ENOSYS`) when it cannot be loaded.
int cseccomp_load(const char **error);

/// `seccomp_init`.
scmp_filter_ctx cseccomp_init(uint32_t default_action);
/// `seccomp_release`.
void cseccomp_release(scmp_filter_ctx ctx);
/// `seccomp_attr_set`.
int cseccomp_attr_set(scmp_filter_ctx ctx, enum scmp_filter_attr attribute, uint32_t value);
/// `seccomp_syscall_resolve_name`: the number of the system call `name` on
/// this architecture, or `__NR_SCMP_ERROR`.
int cseccomp_syscall_resolve_name(const char *name);

/// `SCMP_ACT_ERRNO(error)`.
uint32_t cseccomp_act_errno(uint16_t error);
/// The audit architecture (AUDIT_ARCH_*) of the system calls of the build's
/// own ABI, as seccomp_data.arch reports them: x86_64 or aarch64; 0 for another.
uint32_t cseccomp_native_architecture(void);
/// `SCMP_ACT_KILL_PROCESS`.
uint32_t cseccomp_act_kill_process(void);
/// `SCMP_ACT_ALLOW`.
uint32_t cseccomp_act_allow(void);

/// An unconditional rule.
int cseccomp_rule(scmp_filter_ctx ctx, uint32_t action, int syscall);

/// A rule on a system call whose first argument equals `value`.
int cseccomp_rule_first_argument_equals(scmp_filter_ctx ctx, uint32_t action, int syscall, uint64_t value);

/// A rule on a system call whose first argument is at least `value`.
int cseccomp_rule_first_argument_at_least(scmp_filter_ctx ctx, uint32_t action, int syscall, uint64_t value);

/// A rule on a system call whose argument `index` has every bit of `bits` set.
int cseccomp_rule_argument_has_bits(scmp_filter_ctx ctx, uint32_t action, int syscall, unsigned index, uint64_t bits);

/// The filter as BPF in a malloc'd buffer the caller frees, its size in
/// `*count`; NULL with errno set on failure.
void *cseccomp_export(scmp_filter_ctx ctx, size_t *count);

#endif
