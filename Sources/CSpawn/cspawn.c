#define _GNU_SOURCE
#include "CSpawn.h"
#include "CLandlock.h"
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/// What a child that failed to start writes to the report pipe before exiting.
struct failure_report {
    int32_t step;
    int32_t error;
    int32_t index;
};

/// Reports `step` (and the index of the tmpfs or rule it was at, or -1) with
/// the current errno to the parent and exits. A write of at most PIPE_BUF
/// bytes to a pipe is atomic, so the parent reads all or nothing.
_Noreturn static void fail_at(int report_fd, cspawn_step step, size_t index) {
    struct failure_report report = {step, errno, (int32_t)index};
    ssize_t written = write(report_fd, &report, sizeof report);
    (void)written; // Nothing is left to tell the parent if even this fails.
    _exit(127);
}

_Noreturn static void fail(int report_fd, cspawn_step step) {
    fail_at(report_fd, step, (size_t)-1);
}

static int set_limit(int resource, cspawn_limit limit) {
    if (!limit.is_set) return 0;
    rlim_t value = limit.value == UINT64_MAX ? RLIM_INFINITY : (rlim_t)limit.value;
    struct rlimit both = {value, value};
    return setrlimit(resource, &both);
}

/// The kernel's struct sigaction, which is not the C library's. All zero, it
/// is SIG_DFL with no flags and an empty mask, in any architecture's field order.
struct kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

static const struct kernel_sigaction default_action = {0};

/// Mounts the request's tmpfs instances, each over its directory, in the
/// child's new mount namespace, whose copied mounts become slaves of the
/// parent's first, so that nothing mounted here propagates back.
static void mount_temporary_file_systems(const cspawn_request *request, int report_fd) {
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0) fail(report_fd, CSPAWN_STEP_NAMESPACES);
    for (size_t index = 0; index < request->tmpfs_count; index++) {
        const cspawn_tmpfs *tmpfs = &request->tmpfs[index];
        unsigned long flags = MS_NOSUID | MS_NODEV | (tmpfs->read_only ? MS_RDONLY : 0);
        if (mount("tmpfs", tmpfs->target, "tmpfs", flags, tmpfs->options) != 0) {
            if (tmpfs->optional && errno == ENOENT) continue;
            fail_at(report_fd, CSPAWN_STEP_MOUNT, index);
        }
    }
}

/// The mount namespace of private mounts, and the mounts, made while the
/// process still has spoold's identity and capabilities (CAP_SYS_ADMIN: a
/// spoold that runs as root). The handler, which changes to its own user
/// afterwards, can mount or unmount nothing.
static void enter_private_mounts(const cspawn_request *request, int report_fd) {
    if (unshare(CLONE_NEWNS) != 0) fail(report_fd, CSPAWN_STEP_NAMESPACES);
    mount_temporary_file_systems(request, report_fd);
}

/// Private mounts without CAP_SYS_ADMIN: the child was made in a user
/// namespace and a mount namespace of its own (clone's CLONE_NEWUSER and
/// CLONE_NEWNS), whose id maps only the parent can write. It asks for them
/// (the report "step none") and waits on `resume_fd` until they are
/// written; then, with the capabilities it has in its own namespace, it
/// sets its supplementary groups when `change_identity` (the parent's
/// CAP_SETGID let setgroups stay allowed) and mounts.
static void enter_user_namespace(const cspawn_request *request, int report_fd, int resume_fd, bool change_identity) {
    struct failure_report ready = {CSPAWN_STEP_NONE, 0, -1};
    if (write(report_fd, &ready, sizeof ready) != (ssize_t)sizeof ready) fail(report_fd, CSPAWN_STEP_USER_NAMESPACE);
    char resumed = 0;
    ssize_t count;
    while ((count = read(resume_fd, &resumed, 1)) < 0 && errno == EINTR) {
    }
    if (count != 1) {
        if (count == 0) errno = EPIPE;
        fail(report_fd, CSPAWN_STEP_USER_NAMESPACE);
    }
    gid_t gid = request->gid;
    if (change_identity && syscall(SYS_setgroups, 1, &gid) != 0) fail(report_fd, CSPAWN_STEP_SETGROUPS);
    mount_temporary_file_systems(request, report_fd);
}

/// Writes `text` to /proc/PID/NAME; 0 or the errno.
static int write_process_file(pid_t pid, const char *name, const char *text) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    size_t length = strlen(text);
    ssize_t written = write(fd, text, length);
    int error = written == (ssize_t)length ? 0 : written < 0 ? errno : EIO;
    close(fd);
    return error;
}

/// The id maps of the user namespace `pid` was made in: `uid` and `gid`
/// each mapped to itself, nothing else. A writer without CAP_SETGID must
/// deny setgroups first (which then also keeps the handler from dropping a
/// group); one with it leaves setgroups to the child. 0 or the errno.
static int write_id_maps(pid_t pid, uid_t uid, gid_t gid) {
    char map[32];
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
    int error = write_process_file(pid, "gid_map", map);
    if (error == EPERM) {
        error = write_process_file(pid, "setgroups", "deny");
        if (error == 0) error = write_process_file(pid, "gid_map", map);
    }
    if (error != 0) return error;
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
    return write_process_file(pid, "uid_map", map);
}

/// Builds the request's own Landlock ruleset, as the file system now looks
/// to the child, and enforces it.
static void restrict_file_system(const cspawn_request *request, int report_fd) {
    int ruleset = clandlock_create_ruleset(request->landlock_handled);
    if (ruleset < 0) fail(report_fd, CSPAWN_STEP_LANDLOCK);
    for (size_t index = 0; index < request->landlock_rule_count; index++) {
        const cspawn_path_rule *rule = &request->landlock_rules[index];
        if (clandlock_allow_beneath(ruleset, rule->path, rule->rights) != 0) {
            if (rule->optional && (errno == ENOENT || errno == EACCES)) continue;
            fail_at(report_fd, CSPAWN_STEP_LANDLOCK_RULE, index);
        }
    }
    if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) fail(report_fd, CSPAWN_STEP_LANDLOCK);
    close(ruleset);
}

/// Opens the directory `name` in `directory` to empty it, never through a
/// symbolic link, and makes it 0700 where its owner could not list or change
/// it (by the descriptor, never by name: a name may be swapped meanwhile for
/// a link to anywhere).
static int open_to_empty(int directory, const char *name) {
    int child = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (child < 0 && errno == EACCES) {
        // Not listable: opened for its path only, made 0700 through the
        // descriptor's /proc link (which leads to it alone), then reopened.
        int only_path = openat(directory, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (only_path < 0) return -1;
        char link[32] = "/proc/self/fd/";
        char digits[12];
        size_t count = 0;
        for (unsigned value = (unsigned)only_path; count == 0 || value > 0; value /= 10) digits[count++] = (char)('0' + value % 10);
        size_t length = 14;
        while (count > 0) link[length++] = digits[--count];
        link[length] = 0;
        if (chmod(link, S_IRWXU) == 0) child = openat(only_path, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int error = errno;
        close(only_path);
        errno = error;
        if (child < 0) return -1;
    }
    // Writable, so that what is in it can go (EPERM: not its owner's, which
    // the removal below reports if it matters).
    if (child >= 0 && fchmod(child, S_IRWXU) != 0 && errno != EPERM) {
        int error = errno;
        close(child);
        errno = error;
        return -1;
    }
    return child;
}

static bool is_dot_or_dot_dot(const char *name) {
    return name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0));
}

int cspawn_empty_directory(const char *path) {
    // Depth first without recursion (a child's stack is small): a stack of
    // the open directories from the top down, never "..", so that a tree
    // moved about meanwhile cannot lead anywhere but deeper into it. A
    // directory is removed from its parent's next scan once it is empty.
    int stack[CSPAWN_EMPTY_DEPTH];
    size_t depth = 0;
    stack[0] = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (stack[0] < 0) return errno;
    char buffer[1024] __attribute__((aligned(8)));
    size_t removed = 0;
    int error = 0;
    while (error == 0) {
        int current = stack[depth];
        bool descended = false;
        long count = 0;
        // From the start each time: removals change what the directory holds.
        if (lseek(current, 0, SEEK_SET) < 0) {
            error = errno;
            break;
        }
        while (error == 0 && !descended && (count = syscall(SYS_getdents64, current, buffer, sizeof buffer)) > 0) {
            for (long offset = 0; offset < count && error == 0 && !descended;) {
                const struct dirent64 *entry = (const struct dirent64 *)(buffer + offset);
                offset += entry->d_reclen;
                const char *name = entry->d_name;
                if (is_dot_or_dot_dot(name)) continue;
                if (++removed > CSPAWN_EMPTY_ENTRIES) {
                    error = EMLINK;
                } else if (unlinkat(current, name, 0) == 0 || errno == ENOENT) {
                    continue;
                } else if (errno != EISDIR) {
                    error = errno;
                } else if (unlinkat(current, name, AT_REMOVEDIR) == 0 || errno == ENOENT) {
                    continue;
                } else if (errno != ENOTEMPTY && errno != EEXIST) {
                    error = errno;
                } else if (depth + 1 == CSPAWN_EMPTY_DEPTH) {
                    error = ELOOP;
                } else {
                    int child = open_to_empty(current, name);
                    if (child >= 0) {
                        stack[++depth] = child;
                        descended = true;
                    } else if (errno != ENOENT) {
                        error = errno;
                    }
                }
            }
        }
        if (error != 0 || descended) continue;
        // ENOENT: removed meanwhile (by another walk), so empty.
        if (count < 0 && errno != ENOENT) {
            error = errno;
            break;
        }
        if (depth == 0) break;
        // Empty: its parent's next scan removes it.
        close(current);
        depth--;
    }
    for (size_t level = 0; level <= depth; level++) close(stack[level]);
    return error;
}

/// The child's side, between fork and execve: async-signal-safe calls only.
_Noreturn static void run_child(
    const cspawn_request *request, int report_fd, int resume_fd, bool change_identity, const sigset_t *no_signals) {
    // Its own process group, so that a timeout can signal the handler and everything it started at once.
    if (setpgid(0, 0) != 0) fail(report_fd, CSPAWN_STEP_SETPGID);

    // Into the handler's cgroups before anything else, so that all it does
    // counts against their limits. "0" moves the writer; it still has
    // spoold's identity, which the delegated cgroups belong to.
    for (size_t index = 0; index < request->cgroup_count; index++) {
        if (write(request->cgroup_procs[index], "0", 1) != 1) fail(report_fd, CSPAWN_STEP_CGROUP);
    }
    if (request->private_mounts && request->user_namespace) {
        enter_user_namespace(request, report_fd, resume_fd, change_identity);
    } else if (request->private_mounts) {
        enter_private_mounts(request, report_fd);
    }

    // The parent's handlers must not run here, and an ignored signal would stay
    // ignored across execve: every disposition goes back to its default. Signals
    // were blocked by the parent around the fork, so none arrived before this.
    // The system call itself, as glibc's sigaction refuses the signals it keeps
    // for itself (32 and 33), which the parent may still have ignored.
    for (int number = 1; number < NSIG; number++) {
        if (number == SIGKILL || number == SIGSTOP) continue;
        if (syscall(SYS_rt_sigaction, number, &default_action, NULL, sizeof default_action.mask) != 0) {
            fail(report_fd, CSPAWN_STEP_SIGACTION);
        }
    }
    if (sigprocmask(SIG_SETMASK, no_signals, NULL) != 0) fail(report_fd, CSPAWN_STEP_SIGPROCMASK);

    // No setuid, setgid or file-capability program can give the handler more privileges than it starts with.
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail(report_fd, CSPAWN_STEP_NO_NEW_PRIVS);

    // The file system as the sandbox allows it, while the ruleset's
    // descriptor is still open (all but 0-2 are closed below).
    if (request->landlock_ruleset >= 0 && syscall(SYS_landlock_restrict_self, request->landlock_ruleset, 0) != 0)
        fail(report_fd, CSPAWN_STEP_LANDLOCK);

    // Every descriptor involved moves above 2 first, so that no dup2 overwrites
    // one still to be moved (a daemon started with 0, 1 or 2 closed gets pipes
    // there), and no dup2 gets an equal pair, which would leave CLOEXEC set.
    int moved_report_fd = fcntl(report_fd, F_DUPFD_CLOEXEC, 3);
    if (moved_report_fd < 0) fail(report_fd, CSPAWN_STEP_MOVE_DESCRIPTOR);
    report_fd = moved_report_fd;
    int sources[3] = {request->stdin_fd, request->stdout_fd, request->stderr_fd};
    for (int target = 0; target < 3; target++) {
        sources[target] = fcntl(sources[target], F_DUPFD_CLOEXEC, 3);
        if (sources[target] < 0) fail(report_fd, CSPAWN_STEP_MOVE_DESCRIPTOR);
    }
    for (int target = 0; target < 3; target++) {
        if (dup2(sources[target], target) < 0) fail(report_fd, CSPAWN_STEP_DUP2);
    }
    // All others, CLOEXEC or not, so that nothing of the daemon's (another
    // handler's pipes, a client's socket) reaches the handler. The report pipe
    // stays open until execve closes it.
    if (report_fd > 3 && close_range(3, (unsigned)report_fd - 1, 0) != 0) fail(report_fd, CSPAWN_STEP_CLOSE_RANGE);
    if (close_range((unsigned)report_fd + 1, ~0U, 0) != 0) fail(report_fd, CSPAWN_STEP_CLOSE_RANGE);

    // Limits before dropping privileges: raising a hard limit takes CAP_SYS_RESOURCE.
    if (set_limit(RLIMIT_AS, request->address_space) != 0) fail(report_fd, CSPAWN_STEP_RLIMIT_AS);
    if (set_limit(RLIMIT_NOFILE, request->open_files) != 0) fail(report_fd, CSPAWN_STEP_RLIMIT_NOFILE);
    if (set_limit(RLIMIT_CPU, request->cpu_seconds) != 0) fail(report_fd, CSPAWN_STEP_RLIMIT_CPU);
    if (set_limit(RLIMIT_NPROC, request->processes) != 0) fail(report_fd, CSPAWN_STEP_RLIMIT_NPROC);

    uid_t uid = request->uid;
    gid_t gid = request->gid;
    // In a user namespace of its own, the ids are changed whatever they are:
    // spoold's are not mapped there. Its groups are set already.
    bool own_namespace = request->private_mounts && request->user_namespace;
    if (own_namespace || change_identity) {
        // Raw system calls, as Go's runtime makes them in its children: glibc's
        // wrappers apply the change to every thread of the process, through
        // bookkeeping of the parent's threads that a child must not use.
        // The groups go first, while the process may still change them.
        if (!own_namespace && syscall(SYS_setgroups, 1, &gid) != 0) fail(report_fd, CSPAWN_STEP_SETGROUPS);
        if (syscall(SYS_setresgid, gid, gid, gid) != 0) fail(report_fd, CSPAWN_STEP_SETGID);
        // With a temporary directory to empty first, only the effective
        // user changes for now (the files are the handler's), the real and
        // saved ones stay spoold's: a process the handler's user left
        // running may not signal (stop) this child while it empties the
        // directory, which spoold's thread waits for. Below, after it.
        uid_t kept = request->temporary_directory != NULL && !own_namespace ? getuid() : uid;
        if (syscall(SYS_setresuid, kept, uid, kept) != 0) fail(report_fd, CSPAWN_STEP_SETUID);
    }
    // spoold may hold ambient capabilities (CAP_SETUID, CAP_SETGID, CAP_KILL
    // under its unit) so that it can start handlers as other users. A change
    // between two non-root users keeps them, and execve would pass them on:
    // cleared, the handler's program (no file capabilities can count under
    // no_new_privs) starts with none. EINVAL: a kernel without ambient sets.
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
        fail(report_fd, CSPAWN_STEP_CLEAR_AMBIENT);

    if (request->landlock_handled != 0) restrict_file_system(request, report_fd);

    if (request->temporary_directory != NULL) {
        int error = cspawn_empty_directory(request->temporary_directory);
        if (error != 0) {
            errno = error;
            fail(report_fd, CSPAWN_STEP_TEMPORARY_DIRECTORY);
        }
        // Now the handler's user for good (see the identity change above).
        if (syscall(SYS_setresuid, uid, uid, uid) != 0) fail(report_fd, CSPAWN_STEP_SETUID);
    }

    if (chdir(request->working_directory) != 0) fail(report_fd, CSPAWN_STEP_CHDIR);

    // The sandbox's filters come last: from here on only execve (and, should
    // it fail, the report's write and exit) must pass them. no_new_privs is
    // set, so an unprivileged process may install them.
    for (size_t index = 0; index < request->filter_count; index++) {
        struct sock_fprog program = {
            .len = request->filters[index].count,
            .filter = (struct sock_filter *)request->filters[index].instructions,
        };
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) != 0) fail(report_fd, CSPAWN_STEP_SECCOMP);
    }
    execve(request->path, request->argv, request->envp);
    fail(report_fd, CSPAWN_STEP_EXECVE);
}

/// What `clone` hands the child.
struct child_arguments {
    const cspawn_request *request;
    int report_fd;
    /// Where a child in a user namespace of its own waits for its id maps; -1 otherwise.
    int resume_fd;
    /// Whether the ids to run as differ from the parent's, read by the
    /// parent (a child in a user namespace of its own would see its ids
    /// as the overflow id there).
    bool change_identity;
    const sigset_t *no_signals;
};

static int child_entry(void *argument) {
    const struct child_arguments *arguments = argument;
    run_child(arguments->request, arguments->report_fd, arguments->resume_fd, arguments->change_identity, arguments->no_signals);
}

/// The child's stack while it shares the parent's memory, until execve.
enum { child_stack_size = 64 * 1024 };

static void reap(pid_t pid) {
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
}

static cspawn_result failure(cspawn_step step, int error) {
    return (cspawn_result){.pid = 0, .pidfd = -1, .failed_step = step, .error = error, .index = -1};
}

/// How often the parent looks whether the child was stopped while it waits
/// for the child's execve, in milliseconds.
enum { stop_check_interval = 50 };

/// Waits until the child has reported or its report pipe has closed (it
/// called execve, or died). Once the child has the handler's user, any
/// process of that user may stop it before its execve, and a parent waiting
/// for it without end would be stuck for good (a worker that never takes a
/// job again, a spoold that never stops): a child found stopped is killed,
/// and true returned. The child shares this thread's errno, so only return
/// values are read here.
static bool await_report(int fd, pid_t pid) {
    bool stopped = false;
    for (;;) {
        struct pollfd readable = {.fd = fd, .events = POLLIN};
        int ready = poll(&readable, 1, stop_check_interval);
        if (ready > 0) return stopped;
        if (ready < 0 || stopped) continue;
        siginfo_t info = {0};
        // WNOWAIT: a child that has exited stays to be reaped by its supervisor.
        if (waitid(P_PID, (id_t)pid, &info, WSTOPPED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid) {
            kill(pid, SIGKILL);
            stopped = true;
        }
    }
}

/// Reads the child's report: the number of bytes read, 0 when the pipe closed
/// without one (execve succeeded), or -1 with errno.
static ssize_t read_report(int fd, struct failure_report *report) {
    size_t received = 0;
    while (received < sizeof *report) {
        ssize_t count = read(fd, (char *)report + received, sizeof *report - received);
        if (count == 0) break;
        if (count < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        received += (size_t)count;
    }
    return (ssize_t)received;
}

/// A process that ignores SIGCHLD has its children reaped by the kernel, and
/// waitpid then fails with ECHILD. A daemon whose parent ignored it (ignored
/// stays ignored across execve) gets the default back before its first child.
static pthread_once_t child_signal_once = PTHREAD_ONCE_INIT;

static void restore_child_signal(void) {
    struct sigaction current;
    if (sigaction(SIGCHLD, NULL, &current) == 0 && current.sa_handler == SIG_IGN) {
        struct sigaction restored = {0};
        restored.sa_handler = SIG_DFL;
        sigaction(SIGCHLD, &restored, NULL);
    }
}

cspawn_result cspawn(const cspawn_request *request) {
    pthread_once(&child_signal_once, restore_child_signal);
    bool own_namespace = request->private_mounts && request->user_namespace;
    int report_pipe[2];
    if (pipe2(report_pipe, O_CLOEXEC) != 0) return failure(CSPAWN_STEP_PIPE, errno);
    int resume_pipe[2] = {-1, -1};
    if (own_namespace && pipe2(resume_pipe, O_CLOEXEC) != 0) {
        int error = errno;
        close(report_pipe[0]);
        close(report_pipe[1]);
        return failure(CSPAWN_STEP_PIPE, error);
    }

    sigset_t all_signals, no_signals, previous_mask;
    sigfillset(&all_signals);
    sigemptyset(&no_signals);
    char *stack = malloc(child_stack_size);
    if (stack == NULL) {
        close(report_pipe[0]);
        close(report_pipe[1]);
        if (own_namespace) {
            close(resume_pipe[0]);
            close(resume_pipe[1]);
        }
        return failure(CSPAWN_STEP_FORK, ENOMEM);
    }
    bool change_identity = request->uid != getuid() || request->uid != geteuid() || request->gid != getgid() ||
        request->gid != getegid();
    struct child_arguments arguments = {request, report_pipe[1], resume_pipe[0], change_identity, &no_signals};
    // Blocked in the child from its first instruction until its dispositions
    // are reset: no handler of the parent's may run on the shared memory.
    pthread_sigmask(SIG_SETMASK, &all_signals, &previous_mask);
    // As posix_spawn does, the child shares the parent's memory on a stack of
    // its own: nothing is copied (a fork of a large daemon copies its page
    // tables), and no pthread_atfork handler runs. Unlike posix_spawn's vfork,
    // this thread is not suspended until the child calls execve: it waits for
    // the report pipe itself, so that a child stopped before its execve can
    // be found and killed (await_report). The child makes raw system calls
    // only and touches nothing of the parent's but errno, which this thread
    // does not read meanwhile; its stack and the request stay until the pipe
    // says it has called execve or it has exited. A child with private
    // mounts but no CAP_SYS_ADMIN is made in a user namespace and a mount
    // namespace of its own, whose id maps this thread writes (a process that
    // shares its memory cannot make one itself with unshare).
    int flags = CLONE_VM | SIGCHLD | (own_namespace ? CLONE_NEWUSER | CLONE_NEWNS : 0);
    pid_t pid = clone(child_entry, stack + child_stack_size, flags, &arguments);
    int fork_error = errno;
    pthread_sigmask(SIG_SETMASK, &previous_mask, NULL);
    close(report_pipe[1]);
    if (own_namespace) close(resume_pipe[0]);
    if (pid < 0) {
        free(stack);
        close(report_pipe[0]);
        if (own_namespace) close(resume_pipe[1]);
        return failure(own_namespace ? CSPAWN_STEP_USER_NAMESPACE : CSPAWN_STEP_FORK, fork_error);
    }

    bool stopped;
    struct failure_report report;
    ssize_t received;
    int read_error;
    for (;;) {
        stopped = await_report(report_pipe[0], pid);
        received = read_report(report_pipe[0], &report);
        read_error = errno;
        if (stopped || !own_namespace || received != sizeof report || report.step != CSPAWN_STEP_NONE) break;
        // The child's user namespace waits for its id maps.
        int error = write_id_maps(pid, request->uid, request->gid);
        if (error == 0 && write(resume_pipe[1], "", 1) != 1) error = errno;
        if (error != 0) {
            kill(pid, SIGKILL);
            reap(pid);
            free(stack);
            close(report_pipe[0]);
            close(resume_pipe[1]);
            return failure(CSPAWN_STEP_USER_NAMESPACE, error);
        }
    }
    close(report_pipe[0]);
    if (own_namespace) close(resume_pipe[1]);
    if (stopped) {
        reap(pid);
        free(stack);
        return failure(CSPAWN_STEP_STOPPED, EINTR);
    }
    if (received == sizeof report) {
        // The child may still run on its stack between its report and _exit.
        reap(pid);
        free(stack);
        cspawn_result result = failure((cspawn_step)report.step, report.error);
        result.index = report.index;
        return result;
    }
    if (received != 0) {
        // Whether the child started is unknown: make sure it does not run.
        kill(pid, SIGKILL);
        reap(pid);
        free(stack);
        return failure(CSPAWN_STEP_PIPE, received < 0 ? read_error : EIO);
    }
    // Called execve (the pipe closed with it): the stack is no longer in use.
    free(stack);

    // The child has execed and is not reaped, so its pid cannot have been reused.
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0) {
        int pidfd_error = errno;
        kill(-pid, SIGKILL);
        reap(pid);
        return failure(CSPAWN_STEP_PIDFD_OPEN, pidfd_error);
    }
    return (cspawn_result){.pid = pid, .pidfd = pidfd, .failed_step = CSPAWN_STEP_NONE, .error = 0, .index = -1};
}

/// What the probe's child is told.
struct probe_arguments {
    bool user_namespace;
    /// Written once the child runs, in its namespaces.
    int unshared_fd;
    /// Read until the parent has written the id maps.
    int resume_fd;
};

/// The probe's child: what a handler's child does, in namespaces that go
/// with this process.
static int probe_entry(void *argument) {
    const struct probe_arguments *arguments = argument;
    char byte = 0;
    if (arguments->user_namespace) {
        if (write(arguments->unshared_fd, &byte, 1) != 1 || read(arguments->resume_fd, &byte, 1) != 1) _exit(EPIPE);
    } else if (unshare(CLONE_NEWNS) != 0) {
        _exit(errno);
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0 ||
        mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0)
        _exit(errno);
    _exit(0);
}

int cspawn_private_mounts_error(bool user_namespace) {
    pthread_once(&child_signal_once, restore_child_signal);
    int unshared[2] = {-1, -1}, resume[2] = {-1, -1};
    char *stack = NULL;
    int error = 0;
    if (user_namespace && (pipe2(unshared, O_CLOEXEC) != 0 || pipe2(resume, O_CLOEXEC) != 0)) {
        error = errno;
    } else if ((stack = malloc(child_stack_size)) == NULL) {
        error = ENOMEM;
    }
    pid_t pid = -1;
    if (error == 0) {
        // A copy of this process, as fork makes, in the namespaces a
        // handler's child is made in.
        struct probe_arguments arguments = {user_namespace, unshared[1], resume[0]};
        int flags = SIGCHLD | (user_namespace ? CLONE_NEWUSER | CLONE_NEWNS : 0);
        pid = clone(probe_entry, stack + child_stack_size, flags, &arguments);
        if (pid < 0) error = errno;
    }
    if (user_namespace && pid > 0) {
        close(unshared[1]);
        unshared[1] = -1;
        char byte = 0;
        ssize_t count;
        while ((count = read(unshared[0], &byte, 1)) < 0 && errno == EINTR) {
        }
        // Nothing read: the child has exited, and its status says why.
        if (count == 1) {
            error = write_id_maps(pid, geteuid(), getegid());
            if (error == 0 && write(resume[1], &byte, 1) != 1) error = errno;
        }
    }
    for (int index = 0; index < 2; index++) {
        if (unshared[index] >= 0) close(unshared[index]);
        if (resume[index] >= 0) close(resume[index]);
    }
    free(stack);
    if (pid < 0) return error;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return errno;
    }
    if (error != 0) return error;
    return WIFEXITED(status) ? WEXITSTATUS(status) : ECHILD;
}

const char *cspawn_step_name(cspawn_step step) {
    switch (step) {
    case CSPAWN_STEP_SECCOMP: return "seccomp filter";
    case CSPAWN_STEP_TEMPORARY_DIRECTORY: return "emptying its temporary directory";
    case CSPAWN_STEP_LANDLOCK: return "landlock_restrict_self";
    case CSPAWN_STEP_NONE: return "none";
    case CSPAWN_STEP_PIPE: return "pipe";
    case CSPAWN_STEP_FORK: return "fork";
    case CSPAWN_STEP_SETPGID: return "setpgid";
    case CSPAWN_STEP_CGROUP: return "joining the cgroup (cgroup.procs)";
    case CSPAWN_STEP_SIGACTION: return "sigaction";
    case CSPAWN_STEP_SIGPROCMASK: return "sigprocmask";
    case CSPAWN_STEP_NO_NEW_PRIVS: return "prctl(PR_SET_NO_NEW_PRIVS)";
    case CSPAWN_STEP_MOVE_DESCRIPTOR: return "fcntl(F_DUPFD_CLOEXEC)";
    case CSPAWN_STEP_DUP2: return "dup2";
    case CSPAWN_STEP_CLOSE_RANGE: return "close_range";
    case CSPAWN_STEP_RLIMIT_AS: return "setrlimit(RLIMIT_AS)";
    case CSPAWN_STEP_RLIMIT_NOFILE: return "setrlimit(RLIMIT_NOFILE)";
    case CSPAWN_STEP_RLIMIT_CPU: return "setrlimit(RLIMIT_CPU)";
    case CSPAWN_STEP_RLIMIT_NPROC: return "setrlimit(RLIMIT_NPROC)";
    case CSPAWN_STEP_SETGROUPS: return "setgroups";
    case CSPAWN_STEP_SETGID: return "setgid";
    case CSPAWN_STEP_CLEAR_AMBIENT: return "prctl(PR_CAP_AMBIENT_CLEAR_ALL)";
    case CSPAWN_STEP_SETUID: return "setuid";
    case CSPAWN_STEP_CHDIR: return "chdir";
    case CSPAWN_STEP_EXECVE: return "execve";
    case CSPAWN_STEP_PIDFD_OPEN: return "pidfd_open";
    case CSPAWN_STEP_NAMESPACES: return "unshare(CLONE_NEWNS)";
    case CSPAWN_STEP_USER_NAMESPACE: return "making a user namespace";
    case CSPAWN_STEP_MOUNT: return "mounting a tmpfs";
    case CSPAWN_STEP_LANDLOCK_RULE: return "landlock_add_rule";
    case CSPAWN_STEP_STOPPED: return "stopped by a signal before execve";
    }
    return "unknown step";
}

int cspawn_cloexec_pipe(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

int cspawn_sealed_file(const void *bytes, size_t count) {
    int fd = memfd_create("spool-job-body", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) return -1;
    size_t written = 0;
    while (written < count) {
        ssize_t result = write(fd, (const char *)bytes + written, count - written);
        if (result < 0 && errno == EINTR) continue;
        if (result <= 0) goto failed;
        written += (size_t)result;
    }
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0) goto failed;
    if (lseek(fd, 0, SEEK_SET) != 0) goto failed;
    return fd;
failed:;
    int error = errno;
    close(fd);
    errno = error;
    return -1;
}
