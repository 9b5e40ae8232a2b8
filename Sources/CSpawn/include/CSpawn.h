#ifndef CSPAWN_H
#define CSPAWN_H

// Starting a handler process on Linux. Between fork and execve the child may
// only make async-signal-safe calls (the parent's other threads may hold locks
// the child would never see released), which Swift cannot promise, so the
// child's whole preparation is in C.

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

/// The step of starting a child that failed, reported with its errno.
typedef enum cspawn_step {
    CSPAWN_STEP_NONE = 0,
    CSPAWN_STEP_PIPE,
    CSPAWN_STEP_FORK,
    CSPAWN_STEP_SETPGID,
    CSPAWN_STEP_CGROUP,
    CSPAWN_STEP_SIGACTION,
    CSPAWN_STEP_SIGPROCMASK,
    CSPAWN_STEP_NO_NEW_PRIVS,
    CSPAWN_STEP_LANDLOCK,
    CSPAWN_STEP_MOVE_DESCRIPTOR,
    CSPAWN_STEP_DUP2,
    CSPAWN_STEP_CLOSE_RANGE,
    CSPAWN_STEP_RLIMIT_AS,
    CSPAWN_STEP_RLIMIT_NOFILE,
    CSPAWN_STEP_RLIMIT_CPU,
    CSPAWN_STEP_RLIMIT_NPROC,
    CSPAWN_STEP_SETGROUPS,
    CSPAWN_STEP_SETGID,
    CSPAWN_STEP_SETUID,
    CSPAWN_STEP_CLEAR_AMBIENT,
    CSPAWN_STEP_CHDIR,
    CSPAWN_STEP_SECCOMP,
    CSPAWN_STEP_EXECVE,
    CSPAWN_STEP_PIDFD_OPEN,
    CSPAWN_STEP_NAMESPACES,
    CSPAWN_STEP_MOUNT,
    CSPAWN_STEP_LANDLOCK_RULE,
    CSPAWN_STEP_TEMPORARY_DIRECTORY,
    /// Making the child's user namespace: its unshare, or the parent's
    /// writes of its id maps.
    CSPAWN_STEP_USER_NAMESPACE,
    /// The child was stopped (SIGSTOP from a process of the handler's user)
    /// before it called execve; it was killed.
    CSPAWN_STEP_STOPPED,
} cspawn_step;

/// One resource limit, soft and hard alike.
typedef struct cspawn_limit {
    /// Whether to set the limit; when false the child keeps the parent's.
    bool is_set;
    /// The limit; UINT64_MAX is RLIM_INFINITY.
    uint64_t value;
} cspawn_limit;

/// One seccomp filter program.
typedef struct cspawn_filter {
    /// The instructions, `struct sock_filter` each (8 bytes).
    const void *instructions;
    /// How many instructions.
    unsigned short count;
} cspawn_filter;

/// A tmpfs the child mounts over a directory in a mount namespace of its own.
typedef struct cspawn_tmpfs {
    /// The directory it hides, an absolute path.
    const char *target;
    /// tmpfs's mount data, such as "mode=1777".
    const char *options;
    /// Mounted read-only.
    bool read_only;
    /// When the directory does not exist, nothing is mounted (instead of failing).
    bool optional;
} cspawn_tmpfs;

/// One Landlock rule the child adds to a ruleset it builds itself.
typedef struct cspawn_path_rule {
    /// The rights are allowed beneath this path (a directory) or on it (a file).
    const char *path;
    /// Landlock's access rights (LANDLOCK_ACCESS_FS_*).
    uint64_t rights;
    /// When the path does not exist or cannot be reached, the rule is left out (instead of failing).
    bool optional;
} cspawn_path_rule;

/// What to run and how.
typedef struct cspawn_request {
    /// The program, an absolute path.
    const char *path;
    /// The argument vector, NULL-terminated.
    char *const *argv;
    /// The complete environment, NULL-terminated `NAME=value` strings.
    char *const *envp;
    /// The directory the program starts in.
    const char *working_directory;
    /// The identity to run as. Changed (supplementary groups becoming just
    /// `gid`) only when it differs from the parent's real or effective ids.
    uid_t uid;
    gid_t gid;
    /// The descriptors that become the child's 0, 1 and 2. Every other
    /// descriptor is closed in the child, CLOEXEC or not.
    int stdin_fd;
    int stdout_fd;
    int stderr_fd;
    cspawn_limit address_space;
    cspawn_limit open_files;
    cspawn_limit cpu_seconds;
    cspawn_limit processes;
    /// Seccomp filters (classic BPF, `struct sock_filter` instructions)
    /// installed last, just before execve, each on top of the ones before:
    /// the most restrictive action of any applies. `filter_count` may be 0.
    const cspawn_filter *filters;
    size_t filter_count;
    /// A Landlock ruleset the child enforces on itself (its access to the
    /// file system), right after no_new_privs; -1 for none.
    int landlock_ruleset;
    /// Descriptors of `cgroup.procs` files, open for writing: the child
    /// moves itself into each of those cgroups (one per cgroup v1
    /// hierarchy, or one on the unified hierarchy) first of all, while it
    /// still has the parent's identity. `cgroup_count` may be 0.
    const int *cgroup_procs;
    size_t cgroup_count;
    /// A file system view of the child's own: right after joining its
    /// cgroups, with the parent's identity and capabilities (CAP_SYS_ADMIN),
    /// the child makes a mount namespace whose mounts are slaves of the
    /// parent's and mounts `tmpfs` there, each over its directory; nothing
    /// propagates back, and the handler, running as its own user, can mount
    /// or unmount nothing.
    bool private_mounts;
    /// With `private_mounts`, for a parent without CAP_SYS_ADMIN (a spoold
    /// that is not root): the child is made in a user namespace and a mount
    /// namespace of its own (clone's CLONE_NEWUSER and CLONE_NEWNS), waits
    /// until the parent has written the user namespace's id maps (`uid`
    /// and `gid`, each mapped to itself, nothing else: it takes CAP_SETUID
    /// and CAP_SETGID unless they are the parent's own ids; without
    /// CAP_SETGID setgroups is denied), then sets its supplementary groups
    /// and mounts with the capabilities it has in there, and changes its
    /// ids inside. Those capabilities end with its execve, as the handler's
    /// uid is not the namespace's root.
    bool user_namespace;
    const cspawn_tmpfs *tmpfs;
    size_t tmpfs_count;
    /// A Landlock ruleset the child builds itself, after its mounts (so that
    /// a rule can name a tmpfs it mounted), handling `landlock_handled`
    /// rights (0: no such ruleset), with `landlock_rules`; enforced before
    /// the working directory is changed. Used instead of `landlock_ruleset`
    /// with private mounts, as a rule cannot be added to a ruleset shared
    /// by all handlers without staying in it.
    uint64_t landlock_handled;
    const cspawn_path_rule *landlock_rules;
    size_t landlock_rule_count;
    /// A directory of the handler's own that the child empties (see
    /// cspawn_empty_directory) once it has the handler's identity and its
    /// file system rules, just before it changes to the working directory:
    /// each attempt finds it empty, whatever the one before left, and only
    /// the handler's own user could remove that. NULL: none.
    const char *temporary_directory;
} cspawn_request;

/// How starting a child went.
typedef struct cspawn_result {
    /// The child, which has called execve, in a process group of its own
    /// (its pid); 0 when it failed to start.
    pid_t pid;
    /// A pidfd (CLOEXEC) of the child, readable once it has exited; -1 when it failed to start.
    int pidfd;
    /// The step that failed, or CSPAWN_STEP_NONE.
    cspawn_step failed_step;
    /// The errno of the step that failed.
    int error;
    /// For CSPAWN_STEP_MOUNT and CSPAWN_STEP_LANDLOCK_RULE, the index of the
    /// request's tmpfs or rule that failed; -1 otherwise.
    int index;
} cspawn_result;

/// Forks and, in the child: makes a process group of its own; joins the
/// request's cgroups; with private mounts, makes its mount namespace and
/// mounts the tmpfs instances; resets every
/// signal's disposition and unblocks all signals; sets no_new_privs; moves
/// the request's descriptors to 0, 1 and 2 and closes all others; applies the
/// limits; drops to the request's uid and gid; with its own Landlock rules,
/// builds and enforces the ruleset; changes to the working
/// directory; installs the seccomp filters; and execs. Returns once the child has execed or failed: a child
/// that failed has already been reaped, and the result names the failed step
/// with its errno. Blocks all signals in the calling thread while forking.
cspawn_result cspawn(const cspawn_request *request);

/// 0 when a process of spoold's can make the namespaces and mounts of
/// private mounts (tried in a short-lived child): a mount namespace with
/// CAP_SYS_ADMIN, or one in a user namespace (`user_namespace`) without;
/// or the errno that refuses them (EPERM under a seccomp filter such as
/// systemd's RestrictNamespaces=, ENOSPC where user.max_user_namespaces is 0).
int cspawn_private_mounts_error(bool user_namespace);

/// How deep cspawn_empty_directory goes (ELOOP beyond), and how many
/// entries it removes at most (EMLINK beyond): a directory refilled as it is
/// emptied cannot keep it going.
enum { CSPAWN_EMPTY_DEPTH = 64, CSPAWN_EMPTY_ENTRIES = 100000 };
/// Removes everything in the directory at `path`, which stays: files,
/// symbolic links (never followed) and directories, with system calls only
/// (so a child may call it between fork and execve), never through ".." or
/// a symbolic link, so nothing outside the directory is touched however its
/// tree is moved about meanwhile. Each directory in it is made 0700 (through
/// its descriptor) so that what it holds can go. Entries that vanish
/// meanwhile count as removed. Returns 0, or the errno of the step that
/// failed (what was removed by then stays removed).
int cspawn_empty_directory(const char *path);
/// The name of a step as a person reads it, such as "setuid" or "setrlimit(RLIMIT_NPROC)".
const char *cspawn_step_name(cspawn_step step);

/// pipe2(fds, O_CLOEXEC), which Swift's Glibc module does not declare (it is a
/// GNU extension): a pipe that is close-on-exec from its creation, so that no
/// process forked meanwhile by another thread inherits it.
int cspawn_cloexec_pipe(int fds[2]);

/// A close-on-exec memfd holding `count` bytes from `bytes`, sealed so that
/// no one can change, grow or shrink it, positioned at its start: a handler's
/// standard input, complete before the handler starts, so that no handler
/// ever reads part of a body (as from a pipe whose writer died). -1 with
/// errno set when it cannot be made.
int cspawn_sealed_file(const void *bytes, size_t count);

#endif
