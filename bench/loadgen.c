/*
 * loadgen: a load generator for the beanstalkd protocol.
 *
 * Producers (one thread and connection each) do synchronous `put`; consumers
 * (one thread and connection each) do synchronous `reserve-with-timeout` +
 * `delete` until the shared consumed count reaches the total. The first 8
 * bytes of every body carry the CLOCK_MONOTONIC time (ns) at which the put was
 * sent, so a consumer can compute the end-to-end latency of each job.
 *
 * Prints one machine-readable line, e.g.
 *   jobs=200000 secs=9.81 jobs_per_sec=20387 e2e_p50_us=... put_p99_us=...
 *
 * Build: cc -O2 -Wall -Wextra -pthread -o loadgen loadgen.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define TS_BYTES 8         /* timestamp at the start of each body */
#define MAX_LINE 256       /* longest reply line we accept */
#define RBUF_SIZE 65536    /* per-connection read buffer */
#define JOB_TTR 60         /* seconds; far above any sane reserve->delete gap */

/* ---------- configuration and shared state ---------- */

static struct {
    const char *addr;
    int producers, consumers;
    long jobs;
    long size;
    char tube[201];
    int timeout;
} cfg = {.addr = NULL, .producers = 1, .consumers = 1, .jobs = 100000,
         .size = 64, .timeout = 120};

static pthread_barrier_t start_barrier; /* all connections set up -> go */
static atomic_long consumed;            /* jobs reserved and deleted so far */
static uint64_t *put_lat_ns;            /* [jobs], each producer its own range */
static uint64_t *e2e_lat_ns;            /* [jobs], indexed by consume order */
static _Atomic uint64_t last_delete_ns; /* max over consumers */

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("loadgen: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void on_alarm(int sig) {
    (void)sig;
    static const char msg[] = "loadgen: timeout reached, aborting\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)ignored;
    _exit(2);
}

/* ---------- connection: buffered reads, full writes ---------- */

typedef struct {
    int fd;
    const char *who; /* "producer 3", for error messages */
    char buf[RBUF_SIZE];
    size_t start, end; /* unread bytes are buf[start..end) */
} conn_t;

static int connect_addr(const char *addr) {
    if (strncmp(addr, "unix:", 5) == 0) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        const char *path = addr + 5;
        if (strlen(path) >= sizeof sa.sun_path)
            die("unix socket path too long: %s", path);
        strcpy(sa.sun_path, path);
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
            die("connect %s: %s", addr, strerror(errno));
        return fd;
    }
    if (strncmp(addr, "tcp:", 4) == 0) {
        char host[256];
        const char *hp = addr + 4, *colon = strrchr(hp, ':');
        if (!colon || (size_t)(colon - hp) >= sizeof host)
            die("bad address %s (want tcp:HOST:PORT)", addr);
        memcpy(host, hp, (size_t)(colon - hp));
        host[colon - hp] = '\0';
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
        int rc = getaddrinfo(host, colon + 1, &hints, &ai);
        if (rc != 0)
            die("resolve %s: %s", addr, gai_strerror(rc));
        int fd = socket(ai->ai_family, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0)
            die("connect %s: %s", addr, strerror(errno));
        freeaddrinfo(ai);
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        return fd;
    }
    die("bad address %s (want unix:PATH or tcp:HOST:PORT)", addr);
    return -1;
}

static conn_t *conn_open(const char *who) {
    conn_t *c = calloc(1, sizeof *c);
    if (!c)
        die("out of memory");
    c->fd = connect_addr(cfg.addr);
    c->who = who;
    return c;
}

static void conn_close(conn_t *c) {
    close(c->fd);
    free(c);
}

static void conn_write(conn_t *c, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            die("%s: write: %s", c->who, strerror(errno));
        }
        p += w;
        n -= (size_t)w;
    }
}

/* Read more bytes into the buffer, compacting it first if needed. */
static void conn_fill(conn_t *c) {
    if (c->start > 0) {
        memmove(c->buf, c->buf + c->start, c->end - c->start);
        c->end -= c->start;
        c->start = 0;
    }
    if (c->end == sizeof c->buf)
        die("%s: read buffer full", c->who);
    for (;;) {
        ssize_t r = read(c->fd, c->buf + c->end, sizeof c->buf - c->end);
        if (r > 0) {
            c->end += (size_t)r;
            return;
        }
        if (r == 0)
            die("%s: server closed the connection", c->who);
        if (errno != EINTR)
            die("%s: read: %s", c->who, strerror(errno));
    }
}

/* Read one reply line; returns it NUL-terminated without the "\r\n". */
static void conn_read_line(conn_t *c, char line[MAX_LINE]) {
    size_t scanned = 0;
    for (;;) {
        char *p = c->buf + c->start;
        size_t avail = c->end - c->start;
        for (; scanned + 1 < avail; scanned++) {
            if (p[scanned] == '\r' && p[scanned + 1] == '\n') {
                if (scanned >= MAX_LINE)
                    die("%s: reply line too long", c->who);
                memcpy(line, p, scanned);
                line[scanned] = '\0';
                c->start += scanned + 2;
                return;
            }
        }
        if (avail >= MAX_LINE + 1)
            die("%s: reply line too long", c->who);
        conn_fill(c);
    }
}

/* Read exactly n bytes (n may exceed the buffer size). */
static void conn_read_exact(conn_t *c, char *dst, size_t n) {
    while (n > 0) {
        if (c->start == c->end)
            conn_fill(c);
        size_t take = c->end - c->start;
        if (take > n)
            take = n;
        memcpy(dst, c->buf + c->start, take);
        c->start += take;
        dst += take;
        n -= take;
    }
}

/* Send a command line and require a reply starting with `expect`. */
static void command(conn_t *c, const char *cmd, const char *expect) {
    char line[MAX_LINE];
    conn_write(c, cmd, strlen(cmd));
    conn_read_line(c, line);
    if (strncmp(line, expect, strlen(expect)) != 0)
        die("%s: sent \"%.*s\", expected \"%s...\", got \"%s\"", c->who,
            (int)strcspn(cmd, "\r"), cmd, expect, line);
}

/* ---------- producers ---------- */

typedef struct {
    int index;
    long first, count; /* this producer's range of jobs */
} producer_arg_t;

static void *producer(void *argp) {
    producer_arg_t *arg = argp;
    char who[32], cmd[MAX_LINE], line[MAX_LINE];
    snprintf(who, sizeof who, "producer %d", arg->index);
    conn_t *c = conn_open(who);

    snprintf(cmd, sizeof cmd, "use %s\r\n", cfg.tube);
    command(c, cmd, "USING ");

    /* "put ...\r\n" + body + "\r\n" in one buffer, sent with one write */
    int hdr = snprintf(cmd, sizeof cmd, "put 0 0 %d %ld\r\n", JOB_TTR, cfg.size);
    size_t msg_len = (size_t)hdr + (size_t)cfg.size + 2;
    char *msg = malloc(msg_len);
    if (!msg)
        die("out of memory");
    memcpy(msg, cmd, (size_t)hdr);
    char *body = msg + hdr;
    memset(body, 'x', (size_t)cfg.size);
    memcpy(body + cfg.size, "\r\n", 2);

    pthread_barrier_wait(&start_barrier);
    for (long i = 0; i < arg->count; i++) {
        uint64_t t0 = now_ns();
        memcpy(body, &t0, TS_BYTES);
        conn_write(c, msg, msg_len);
        conn_read_line(c, line);
        if (strncmp(line, "INSERTED ", 9) != 0)
            die("%s: put: expected \"INSERTED <id>\", got \"%s\"", who, line);
        put_lat_ns[arg->first + i] = now_ns() - t0;
    }
    free(msg);
    conn_close(c);
    return NULL;
}

/* ---------- consumers ---------- */

static void *consumer(void *argp) {
    int index = *(int *)argp;
    char who[32], cmd[MAX_LINE], line[MAX_LINE];
    snprintf(who, sizeof who, "consumer %d", index);
    conn_t *c = conn_open(who);
    char *body = malloc((size_t)cfg.size + 2);
    if (!body)
        die("out of memory");

    snprintf(cmd, sizeof cmd, "watch %s\r\n", cfg.tube);
    command(c, cmd, "WATCHING ");
    command(c, "ignore default\r\n", "WATCHING 1");

    uint64_t last = 0;
    pthread_barrier_wait(&start_barrier);
    while (atomic_load(&consumed) < cfg.jobs) {
        static const char reserve[] = "reserve-with-timeout 1\r\n";
        conn_write(c, reserve, sizeof reserve - 1);
        conn_read_line(c, line);
        if (strcmp(line, "TIMED_OUT") == 0)
            continue; /* re-check whether everything has been consumed */

        unsigned long long id;
        long bytes;
        if (sscanf(line, "RESERVED %llu %ld", &id, &bytes) != 2)
            die("%s: reserve: expected \"RESERVED <id> <bytes>\", got \"%s\"",
                who, line);
        if (bytes != cfg.size)
            die("%s: reserved job %llu has %ld bytes, expected %ld", who, id,
                bytes, cfg.size);
        conn_read_exact(c, body, (size_t)bytes + 2);
        uint64_t received = now_ns();
        if (memcmp(body + bytes, "\r\n", 2) != 0)
            die("%s: job %llu body not terminated by \\r\\n", who, id);
        uint64_t sent;
        memcpy(&sent, body, TS_BYTES);

        snprintf(cmd, sizeof cmd, "delete %llu\r\n", id);
        command(c, cmd, "DELETED");
        last = now_ns();

        long n = atomic_fetch_add(&consumed, 1);
        if (n >= cfg.jobs)
            die("%s: consumed more jobs than were put", who);
        e2e_lat_ns[n] = received - sent;
    }

    /* publish this consumer's last delete time as a running maximum */
    uint64_t seen = atomic_load(&last_delete_ns);
    while (last > seen && !atomic_compare_exchange_weak(&last_delete_ns, &seen, last))
        ;
    free(body);
    conn_close(c);
    return NULL;
}

/* ---------- statistics and main ---------- */

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array, in µs. */
static double pct_us(const uint64_t *sorted, long n, double q) {
    long rank = (long)(q * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    return (double)sorted[rank - 1] / 1000.0;
}

static double cpu_secs(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void usage(void) {
    fprintf(stderr,
            "usage: loadgen --addr unix:PATH|tcp:HOST:PORT [--producers N]\n"
            "               [--consumers N] [--jobs TOTAL] [--size BYTES]\n"
            "               [--tube NAME] [--timeout SECS]\n");
    exit(1);
}

static long parse_long(const char *opt, const char *s, long min, long max) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *s == '\0' || *end != '\0' || v < min || v > max)
        die("%s: want an integer in [%ld, %ld], got \"%s\"", opt, min, max, s);
    return v;
}

static void parse_args(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        if (strcmp(opt, "-h") == 0 || strcmp(opt, "--help") == 0)
            usage();
        if (i + 1 >= argc)
            usage();
        const char *val = argv[++i];
        if (strcmp(opt, "--addr") == 0)
            cfg.addr = val;
        else if (strcmp(opt, "--producers") == 0)
            cfg.producers = (int)parse_long(opt, val, 1, 1024);
        else if (strcmp(opt, "--consumers") == 0)
            cfg.consumers = (int)parse_long(opt, val, 1, 1024);
        else if (strcmp(opt, "--jobs") == 0)
            cfg.jobs = parse_long(opt, val, 1, 1000000000);
        else if (strcmp(opt, "--size") == 0)
            cfg.size = parse_long(opt, val, TS_BYTES, 16 * 1024 * 1024);
        else if (strcmp(opt, "--timeout") == 0)
            cfg.timeout = (int)parse_long(opt, val, 1, 86400);
        else if (strcmp(opt, "--tube") == 0) {
            if (strlen(val) >= sizeof cfg.tube || val[0] == '\0')
                die("--tube: name must be 1-200 bytes");
            strcpy(cfg.tube, val);
        } else
            usage();
    }
    if (!cfg.addr)
        usage();
    if (cfg.tube[0] == '\0')
        snprintf(cfg.tube, sizeof cfg.tube, "loadgen.%ld.%llu", (long)getpid(),
                 (unsigned long long)now_ns());
}

int main(int argc, char **argv) {
    parse_args(argc, argv);
    signal(SIGALRM, on_alarm);
    alarm((unsigned)cfg.timeout);

    put_lat_ns = calloc((size_t)cfg.jobs, sizeof *put_lat_ns);
    e2e_lat_ns = calloc((size_t)cfg.jobs, sizeof *e2e_lat_ns);
    pthread_t *threads = calloc((size_t)(cfg.producers + cfg.consumers), sizeof *threads);
    producer_arg_t *pargs = calloc((size_t)cfg.producers, sizeof *pargs);
    int *cargs = calloc((size_t)cfg.consumers, sizeof *cargs);
    if (!put_lat_ns || !e2e_lat_ns || !threads || !pargs || !cargs)
        die("out of memory");

    /* +1: main joins the barrier to take the start time */
    pthread_barrier_init(&start_barrier, NULL,
                         (unsigned)(cfg.producers + cfg.consumers + 1));

    /* split the jobs as evenly as possible across producers */
    long first = 0;
    for (int i = 0; i < cfg.producers; i++) {
        long count = cfg.jobs / cfg.producers + (i < cfg.jobs % cfg.producers);
        pargs[i] = (producer_arg_t){.index = i, .first = first, .count = count};
        first += count;
        if (pthread_create(&threads[i], NULL, producer, &pargs[i]) != 0)
            die("pthread_create failed");
    }
    for (int i = 0; i < cfg.consumers; i++) {
        cargs[i] = i;
        if (pthread_create(&threads[cfg.producers + i], NULL, consumer, &cargs[i]) != 0)
            die("pthread_create failed");
    }

    pthread_barrier_wait(&start_barrier);
    uint64_t start = now_ns();
    double cpu_start = cpu_secs();
    for (int i = 0; i < cfg.producers + cfg.consumers; i++)
        pthread_join(threads[i], NULL);
    double cpu_used = cpu_secs() - cpu_start;

    double secs = (double)(atomic_load(&last_delete_ns) - start) / 1e9;
    qsort(put_lat_ns, (size_t)cfg.jobs, sizeof *put_lat_ns, cmp_u64);
    qsort(e2e_lat_ns, (size_t)cfg.jobs, sizeof *e2e_lat_ns, cmp_u64);
    /* cpu_pct: loadgen's CPU time over the measured interval (100 = one CPU) */
    printf("jobs=%ld producers=%d consumers=%d size=%ld secs=%.3f jobs_per_sec=%.0f "
           "e2e_p50_us=%.1f e2e_p99_us=%.1f put_p50_us=%.1f put_p99_us=%.1f "
           "cpu_pct=%.0f\n",
           cfg.jobs, cfg.producers, cfg.consumers, cfg.size, secs,
           (double)cfg.jobs / secs, pct_us(e2e_lat_ns, cfg.jobs, 0.50),
           pct_us(e2e_lat_ns, cfg.jobs, 0.99), pct_us(put_lat_ns, cfg.jobs, 0.50),
           pct_us(put_lat_ns, cfg.jobs, 0.99), 100.0 * cpu_used / secs);
    return 0;
}
