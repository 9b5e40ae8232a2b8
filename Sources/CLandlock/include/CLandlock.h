#ifndef CLANDLOCK_H
#define CLANDLOCK_H

// Landlock (Linux 5.13 and later): a process restricts its own access to the
// file system, without privileges (under no_new_privs). The handlers'
// sandbox builds a ruleset once per queue in spoold; each handler's child
// enforces it on itself before execve (CSpawn).

#include <stdint.h>

/// The Landlock ABI version of the running kernel; 0 when it has none.
int clandlock_abi(void);

/// The write access rights the kernel's ABI knows: writing, truncating,
/// creating, removing, renaming and linking files and directories.
uint64_t clandlock_write_rights(int abi);

/// The read access rights: reading files, listing directories, executing.
uint64_t clandlock_read_rights(void);

/// A new ruleset handling `handled`: afterwards, those rights are denied
/// everywhere but beneath the paths a rule allows them. Where the kernel
/// has Landlock ABI 6 (Linux 6.12), it also scopes signals: a process that
/// enforces it may signal only the processes of its own domain (those it
/// started), not spoold nor another handler nor the next attempt's child.
/// A CLOEXEC fd, or -1 with errno set.
int clandlock_create_ruleset(uint64_t handled);

/// Allows `rights` beneath `path` (a directory, or the file itself). 0, or
/// -1 with errno set (ENOENT when the path does not exist).
int clandlock_allow_beneath(int ruleset, const char *path, uint64_t rights);

#endif
