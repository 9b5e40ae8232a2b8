#define _GNU_SOURCE
#include "CSystemd.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/// A decimal number of at most `max`, the whole of `text`; -EINVAL otherwise.
static int parse_number(const char *text, unsigned long long max, unsigned long long *value) {
    if (text == NULL || *text < '0' || *text > '9') return -EINVAL;
    char *end;
    errno = 0;
    unsigned long long parsed = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || parsed > max) return -EINVAL;
    *value = parsed;
    return 0;
}

/// Whether `text`, a LISTEN_PID or WATCHDOG_PID, names this process: 1, or 0
/// for another one (a parent that was activated and forked); -EINVAL when it
/// is no pid.
static int names_this_process(const char *text) {
    unsigned long long pid;
    if (parse_number(text, INT_MAX, &pid) < 0 || pid == 0) return -EINVAL;
    return (pid_t)pid == getpid();
}

static void unset_listen_variables(void) {
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
}

int sd_listen_fds(int unset_environment) {
    int result;
    unsigned long long count;
    const char *text = getenv("LISTEN_PID");
    result = text == NULL ? 0 : names_this_process(text);
    if (result <= 0) goto finish;
    text = getenv("LISTEN_FDS");
    if (text == NULL) {
        result = 0;
        goto finish;
    }
    if (parse_number(text, INT_MAX - SD_LISTEN_FDS_START, &count) < 0 || count == 0) {
        result = -EINVAL;
        goto finish;
    }
    for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + (int)count; fd++) {
        int flags = fcntl(fd, F_GETFD);
        if (flags < 0 || ((flags & FD_CLOEXEC) == 0 && fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0)) {
            result = -errno;
            goto finish;
        }
    }
    result = (int)count;
finish:
    if (unset_environment) unset_listen_variables();
    return result;
}

static void free_names(char **names) {
    if (names == NULL) return;
    for (char **name = names; *name != NULL; name++) free(*name);
    free(names);
}

int sd_listen_fds_with_names(int unset_environment, char ***names) {
    // Copied before sd_listen_fds may remove it from the environment.
    const char *text = getenv("LISTEN_FDNAMES");
    char *copy = text != NULL ? strdup(text) : NULL;
    if (text != NULL && copy == NULL) {
        if (unset_environment) unset_listen_variables();
        return -ENOMEM;
    }
    int count = sd_listen_fds(unset_environment);
    if (count <= 0 || names == NULL) {
        free(copy);
        return count;
    }
    char **list = calloc((size_t)count + 1, sizeof *list);
    int result = count;
    if (list == NULL) {
        result = -ENOMEM;
        goto finish;
    }
    if (copy == NULL) {
        for (int index = 0; index < count; index++) {
            list[index] = strdup("unknown");
            if (list[index] == NULL) {
                result = -ENOMEM;
                goto finish;
            }
        }
    } else {
        // Names separated by ':', one for each descriptor (an empty
        // LISTEN_FDNAMES names none).
        int found = 0;
        char *start = copy;
        // Whether the list is empty is read before the loop writes over the
        // first ':' (read at every turn, it made ":spool", an empty first
        // name, end the list).
        bool none = *copy == '\0';
        for (char *cursor = copy; !none; cursor++) {
            if (*cursor != ':' && *cursor != '\0') continue;
            bool last = *cursor == '\0';
            *cursor = '\0';
            if (found < count) {
                list[found] = strdup(start);
                if (list[found] == NULL) {
                    result = -ENOMEM;
                    goto finish;
                }
            }
            found++;
            if (last) break;
            start = cursor + 1;
        }
        if (found != count) {
            result = -EINVAL;
            goto finish;
        }
    }
    *names = list;
    list = NULL;
finish:
    free_names(list);
    free(copy);
    return result;
}

int sd_is_socket(int fd, int family, int type, int listening) {
    if (fd < 0) return -EBADF;
    if (family < 0) return -EINVAL;
    struct stat status;
    if (fstat(fd, &status) < 0) return -errno;
    if (!S_ISSOCK(status.st_mode)) return 0;
    if (type != 0) {
        int actual = 0;
        socklen_t length = sizeof actual;
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &actual, &length) < 0) return -errno;
        if (length != sizeof actual) return -EINVAL;
        if (actual != type) return 0;
    }
    if (listening >= 0) {
        int accepting = 0;
        socklen_t length = sizeof accepting;
        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) < 0) return -errno;
        if (length != sizeof accepting) return -EINVAL;
        if (!accepting != !listening) return 0;
    }
    if (family > 0) {
        struct sockaddr_storage address;
        socklen_t length = sizeof address;
        if (getsockname(fd, (struct sockaddr *)&address, &length) < 0) return -errno;
        if (length < sizeof(sa_family_t)) return -EINVAL;
        if (address.ss_family != family) return 0;
    }
    return 1;
}

/// The address in `text` ("/path" or "@abstract"), as `sendmsg` takes it.
static int unix_address(const char *text, struct sockaddr_un *address, socklen_t *length) {
    size_t size = strlen(text);
    if ((text[0] != '/' && text[0] != '@') || size < 2 || size >= sizeof address->sun_path) return -EINVAL;
    memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    memcpy(address->sun_path, text, size);
    if (text[0] == '@') address->sun_path[0] = '\0';
    // A path's length counts its NUL; an abstract name's does not.
    *length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + size + (text[0] == '/' ? 1 : 0));
    return 0;
}

/// sendmsg, again when a signal interrupts it. Never blocking: a datagram
/// waits for room in the receiver's queue (ten datagrams here), and a
/// NOTIFY_SOCKET that no one reads had stopped the engine's loop, which
/// sends the status and watchdog pings, and kept SIGTERM from ending spoold.
/// A notification that finds the queue full fails with EAGAIN (the service
/// manager drains its queue as notifications come).
static ssize_t send_message(int fd, const struct msghdr *message) {
    ssize_t sent;
    do {
        sent = sendmsg(fd, message, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (sent < 0 && errno == EINTR);
    return sent;
}

int sd_pid_notify_with_fds(pid_t pid, int unset_environment, const char *state, const int *fds, unsigned n_fds) {
    int result, fd = -1;
    char *control = NULL;
    const char *socket_path = getenv("NOTIFY_SOCKET");
    if (state == NULL || (n_fds > 0 && fds == NULL)) {
        result = -EINVAL;
        goto finish;
    }
    if (n_fds > 253) { // SCM_MAX_FD
        result = -E2BIG;
        goto finish;
    }
    if (socket_path == NULL) {
        result = 0;
        goto finish;
    }
    struct sockaddr_un address;
    socklen_t address_length;
    result = unix_address(socket_path, &address, &address_length);
    if (result < 0) goto finish;
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        result = -errno;
        goto finish;
    }
    struct iovec payload = {(void *)state, strlen(state)};
    struct msghdr message = {
        .msg_name = &address, .msg_namelen = address_length, .msg_iov = &payload, .msg_iovlen = 1};
    // Credentials go along when they differ from what the kernel would attach.
    bool as_other = (pid != 0 && pid != getpid()) || getuid() != geteuid() || getgid() != getegid();
    size_t control_size = (n_fds > 0 ? CMSG_SPACE(sizeof(int) * n_fds) : 0) + (as_other ? CMSG_SPACE(sizeof(struct ucred)) : 0);
    if (control_size > 0) {
        control = calloc(1, control_size);
        if (control == NULL) {
            result = -ENOMEM;
            goto finish;
        }
        message.msg_control = control;
        message.msg_controllen = control_size;
        struct cmsghdr *header = CMSG_FIRSTHDR(&message);
        if (n_fds > 0) {
            header->cmsg_level = SOL_SOCKET;
            header->cmsg_type = SCM_RIGHTS;
            header->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
            memcpy(CMSG_DATA(header), fds, sizeof(int) * n_fds);
            header = CMSG_NXTHDR(&message, header);
        }
        if (as_other) {
            struct ucred credentials = {.pid = pid != 0 ? pid : getpid(), .uid = getuid(), .gid = getgid()};
            header->cmsg_level = SOL_SOCKET;
            header->cmsg_type = SCM_CREDENTIALS;
            header->cmsg_len = CMSG_LEN(sizeof credentials);
            memcpy(CMSG_DATA(header), &credentials, sizeof credentials);
        }
    }
    ssize_t sent = send_message(fd, &message);
    if (sent < 0 && errno == EPERM && as_other) {
        // Credentials of another process take privilege: send without them,
        // as libsystemd does (the descriptors, if any, stay).
        message.msg_controllen = n_fds > 0 ? CMSG_SPACE(sizeof(int) * n_fds) : 0;
        if (message.msg_controllen == 0) message.msg_control = NULL;
        sent = send_message(fd, &message);
    }
    result = sent < 0 ? -errno : 1;
finish:
    free(control);
    if (fd >= 0) close(fd);
    if (unset_environment) unsetenv("NOTIFY_SOCKET");
    return result;
}

int sd_notify(int unset_environment, const char *state) {
    return sd_pid_notify_with_fds(0, unset_environment, state, NULL, 0);
}

int sd_watchdog_enabled(int unset_environment, uint64_t *usec) {
    int result;
    unsigned long long interval;
    const char *text = getenv("WATCHDOG_USEC");
    if (text == NULL) {
        result = 0;
        goto finish;
    }
    if (parse_number(text, UINT64_MAX - 1, &interval) < 0 || interval == 0) {
        result = -EINVAL;
        goto finish;
    }
    text = getenv("WATCHDOG_PID");
    if (text != NULL) {
        result = names_this_process(text);
        if (result <= 0) goto finish;
    }
    if (usec != NULL) *usec = interval;
    result = 1;
finish:
    if (unset_environment) {
        unsetenv("WATCHDOG_USEC");
        unsetenv("WATCHDOG_PID");
    }
    return result;
}

/// The journal's socket plus one (0: not open yet), shared by every thread:
/// an unconnected datagram socket that each entry is sent through, with the
/// address given each time. Opened on first use, and again after an open
/// that failed (a passing EMFILE must not silence the journal for good).
static int journal_socket_plus_one = 0;

/// The journal's socket, or -errno.
static int journal_socket(void) {
    int current = __atomic_load_n(&journal_socket_plus_one, __ATOMIC_ACQUIRE);
    if (current > 0) return current - 1;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    // As libsystemd: room for 8 MiB of entries before a sender waits for journald.
    int size = 8 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) < 0) {
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    }
    int expected = 0;
    if (!__atomic_compare_exchange_n(&journal_socket_plus_one, &expected, fd + 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        // Another thread opened one first: use it.
        close(fd);
        return expected - 1;
    }
    return fd;
}

/// Writes the vectors to `fd` whole, however many there are.
static int write_all(int fd, const struct iovec *vectors, size_t count) {
    for (size_t index = 0; index < count; index++) {
        const char *bytes = vectors[index].iov_base;
        size_t left = vectors[index].iov_len;
        while (left > 0) {
            ssize_t written = write(fd, bytes, left);
            if (written < 0 && errno == EINTR) continue;
            if (written < 0) return -errno;
            bytes += written;
            left -= (size_t)written;
        }
    }
    return 0;
}

/// An entry too large for a datagram: its bytes in a sealed memfd, whose
/// descriptor is the whole message (the journal's protocol for large entries).
static int send_in_memfd(int fd, struct sockaddr_un *address, socklen_t address_length, const struct iovec *vectors, size_t count) {
    int memory = memfd_create("journal-data", MFD_ALLOW_SEALING | MFD_CLOEXEC);
    if (memory < 0) return -errno;
    int result = write_all(memory, vectors, count);
    if (result == 0 && fcntl(memory, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) result = -errno;
    if (result == 0) {
        char control[CMSG_SPACE(sizeof(int))];
        memset(control, 0, sizeof control);
        struct msghdr message = {
            .msg_name = address, .msg_namelen = address_length, .msg_control = control, .msg_controllen = sizeof control};
        struct cmsghdr *header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(header), &memory, sizeof(int));
        if (sendmsg(fd, &message, MSG_NOSIGNAL) < 0) result = -errno;
    }
    close(memory);
    return result;
}

int sd_journal_sendv(const struct iovec *iov, int n) {
    return csystemd_journal_sendv_to("/run/systemd/journal/socket", iov, n);
}

int csystemd_journal_sendv_to(const char *socket_path, const struct iovec *iov, int n) {
    if (iov == NULL || n <= 0 || socket_path == NULL) return -EINVAL;
    // As libsystemd: logging leaves errno as it found it.
    int saved_errno = errno;
    struct sockaddr_un address;
    socklen_t address_length;
    if (unix_address(socket_path, &address, &address_length) < 0) return -EINVAL;
    // Each field becomes FIELD=value\n, or, when the value holds a newline,
    // FIELD\n, its length as 64-bit little endian, the value and \n.
    struct iovec *vectors = calloc((size_t)n * 5, sizeof *vectors);
    uint64_t *lengths = calloc((size_t)n, sizeof *lengths);
    int result = 0;
    size_t count = 0;
    if (vectors == NULL || lengths == NULL) {
        result = -ENOMEM;
        goto finish;
    }
    static char newline[] = "\n";
    for (int index = 0; index < n; index++) {
        char *field = iov[index].iov_base;
        size_t size = iov[index].iov_len;
        char *equals = field != NULL ? memchr(field, '=', size) : NULL;
        if (equals == NULL || equals == field || memchr(field, '\n', (size_t)(equals - field)) != NULL) {
            result = -EINVAL;
            goto finish;
        }
        char *value = equals + 1;
        size_t value_size = size - (size_t)(value - field);
        if (memchr(value, '\n', value_size) != NULL) {
            lengths[index] = htole64((uint64_t)value_size);
            vectors[count++] = (struct iovec){field, (size_t)(equals - field)};
            vectors[count++] = (struct iovec){newline, 1};
            vectors[count++] = (struct iovec){&lengths[index], sizeof lengths[index]};
            vectors[count++] = (struct iovec){value, value_size};
        } else {
            vectors[count++] = iov[index];
        }
        vectors[count++] = (struct iovec){newline, 1};
    }
    int fd = journal_socket();
    if (fd < 0) {
        result = fd;
        goto finish;
    }
    struct msghdr message = {
        .msg_name = &address, .msg_namelen = address_length, .msg_iov = vectors, .msg_iovlen = count};
    if (count <= IOV_MAX && sendmsg(fd, &message, MSG_NOSIGNAL) >= 0) goto finish;
    // No journal here: the entry is dropped, as libsystemd drops it.
    if (count <= IOV_MAX && errno == ENOENT) goto finish;
    if (count <= IOV_MAX && errno != EMSGSIZE && errno != ENOBUFS && errno != EAGAIN) {
        result = -errno;
        goto finish;
    }
    result = send_in_memfd(fd, &address, address_length, vectors, count);
    // No journal here: dropped, on this path too.
    if (result == -ENOENT) result = 0;
finish:
    free(vectors);
    free(lengths);
    errno = saved_errno;
    return result;
}
