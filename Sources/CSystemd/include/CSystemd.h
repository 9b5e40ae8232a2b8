#ifndef CSYSTEMD_H
#define CSYSTEMD_H

// The systemd protocols spoold speaks — socket activation, service
// notification and the watchdog (sd-daemon), and the journal's native
// protocol — written to their documentation, with libsystemd's names and
// meaning. spoold needs seven of libsystemd's functions; linking libsystemd
// for them loads it and six more libraries (libgcrypt, liblzma, libzstd,
// liblz4, libcap, libgpg-error) at every start. libdbus, linked statically,
// calls two of them (sd_listen_fds, sd_is_socket), which these provide.

#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/// The first descriptor socket activation passes.
#define SD_LISTEN_FDS_START 3

/// sd_listen_fds(3): the number of descriptors passed from 3 on, each made
/// close-on-exec; 0 when the process was not socket-activated (or they are
/// meant for another process); -errno when the variables are malformed. With
/// `unset_environment`, LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES are removed.
int sd_listen_fds(int unset_environment);

/// sd_listen_fds_with_names(3): sd_listen_fds, and in `names` (when not
/// NULL and descriptors were passed) a malloc'ed NULL-terminated array of
/// malloc'ed names from LISTEN_FDNAMES, "unknown" for each when it is unset.
int sd_listen_fds_with_names(int unset_environment, char ***names);

/// sd_is_socket(3): 1 when `fd` is a socket of `family` (0: any), `type`
/// (0: any) and, for `listening` >= 0, listening or not as it says; 0 when
/// it is not; -errno on failure.
int sd_is_socket(int fd, int family, int type, int listening);

/// sd_notify(3): sends `state` to $NOTIFY_SOCKET; > 0 when sent, 0 when
/// there is no NOTIFY_SOCKET, -errno on failure.
int sd_notify(int unset_environment, const char *state);

/// sd_pid_notify_with_fds(3): sd_notify with descriptors passed along
/// (SCM_RIGHTS) and, when `pid` is neither 0 nor this process, sent as `pid`.
int sd_pid_notify_with_fds(pid_t pid, int unset_environment, const char *state, const int *fds, unsigned n_fds);

/// sd_watchdog_enabled(3): > 0 with the interval in `usec` when systemd
/// expects watchdog pings from this process (WATCHDOG_USEC, WATCHDOG_PID),
/// 0 when it does not, -errno when the variables are malformed.
int sd_watchdog_enabled(int unset_environment, uint64_t *usec);

/// sd_journal_sendv(3): sends one entry, `n` fields of `FIELD=value` each
/// (values may hold any bytes), to the journal's socket; 0 when sent,
/// -errno on failure. An entry too large for one datagram goes in a sealed
/// memfd, as libsystemd sends it.
int sd_journal_sendv(const struct iovec *iov, int n);

/// sd_journal_sendv to the journal socket at `socket_path`, an absolute path
/// or `@name` for an abstract socket, as NOTIFY_SOCKET is given (journald's
/// is /run/systemd/journal/socket; a container's or a test's may be elsewhere).
int csystemd_journal_sendv_to(const char *socket_path, const struct iovec *iov, int n);

#endif
