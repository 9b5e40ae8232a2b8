#ifndef CSECCOMP_H
#define CSECCOMP_H

// libseccomp for Swift: its action macros and variadic rule calls as
// functions Swift can call, and a filter exported as BPF bytes.

#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>

/// `SCMP_ACT_ERRNO(error)`.
uint32_t cseccomp_act_errno(uint16_t error);
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

/// The filter as BPF in a malloc'd buffer the caller frees, its size in
/// `*count`; NULL with errno set on failure.
void *cseccomp_export(scmp_filter_ctx ctx, size_t *count);

#endif
