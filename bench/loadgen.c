/*
 * loadgen: a load generator for the beanstalkd protocol, and for Redis lists
 * as the same workload.
 *
 * Producers (one thread and connection each) do `put`; consumers (one thread
 * and connection each) do `reserve-with-timeout` + `delete` until --jobs jobs
 * have been consumed. Each consumer claims one of the --jobs slots before it
 * waits for a job, so consumers stop once all jobs were received and never
 * take more than --jobs (which matters with --producers 0, when the jobs come
 * from a backlog left by an earlier run: use the same --tube). The first 8
 * bytes of every body carry the CLOCK_MONOTONIC time (ns) at which the put was
 * sent, so a consumer can compute the end-to-end latency of each job.
 *
 * --pipeline N: each producer keeps up to N puts in flight on its connection
 * (it writes puts while fewer than N wait for their reply, collecting the
 * replies that have arrived after each write, and blocks for a reply only with
 * N outstanding). The put latency is still from the write of each put to the
 * read of its reply. N = 1 is the synchronous put of the default.
 *
 * --protocol redis: the same workload on a Redis list named after the tube: a
 * producer does `LPUSH <tube> <body>` (RESP, binary safe; integer reply), a
 * consumer `BRPOP <tube> 1` (a 2-element array, or a null array after 1 s
 * without a job, when it waits again), which takes the job off the list as
 * reserve + delete do. Bodies, timestamps and latencies are as for beanstalkd.
 *
 * --producers 0 only consumes (drains --jobs jobs already queued in --tube);
 * --consumers 0 only puts (fills the tube). jobs_per_sec is over the time
 * from the start to the last delete, or to the last put reply when there are
 * no consumers; puts_per_sec over the time to the last put reply (what the
 * producers alone sustained); values not measured are printed as "-".
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
#define MAX_PIPELINE 4096  /* replies of this many puts fit in a socket buffer */

/* ---------- configuration and shared state ---------- */

enum protocol { PROTO_BEANSTALKD, PROTO_REDIS };

static struct {
    const char *addr;
    enum protocol protocol;
    int producers, consumers;
    int pipeline;
    long jobs;
    long size;
    char tube[201];
    int timeout;
} cfg = {.addr = NULL, .protocol = PROTO_BEANSTALKD, .producers = 1,
         .consumers = 1, .pipeline = 1, .jobs = 100000, .size = 64,
         .timeout = 120};

static pthread_barrier_t start_barrier; /* all connections set up -> go */
static atomic_long claimed;             /* job slots claimed by consumers */
static uint64_t *put_lat_ns;            /* [jobs], each producer its own range */
static uint64_t *e2e_lat_ns;            /* [jobs], indexed by claimed slot */
static _Atomic uint64_t last_delete_ns; /* max over consumers */
static _Atomic uint64_t last_put_ns;    /* max over producers: last put reply */

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

/* Raise *max to v if v is larger (a running maximum across threads). */
static void publish_max(_Atomic uint64_t *max, uint64_t v) {
    uint64_t seen = atomic_load(max);
    while (v > seen && !atomic_compare_exchange_weak(max, &seen, v))
        ;
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

/* Read more bytes into the buffer, compacting it first if needed. With wait
 * 0 the read does not block: returns 0 when no byte has arrived. */
static int conn_read_more(conn_t *c, int wait) {
    if (c->start > 0) {
        memmove(c->buf, c->buf + c->start, c->end - c->start);
        c->end -= c->start;
        c->start = 0;
    }
    if (c->end == sizeof c->buf)
        die("%s: read buffer full", c->who);
    for (;;) {
        ssize_t r = recv(c->fd, c->buf + c->end, sizeof c->buf - c->end,
                         wait ? 0 : MSG_DONTWAIT);
        if (r > 0) {
            c->end += (size_t)r;
            return 1;
        }
        if (r == 0)
            die("%s: server closed the connection", c->who);
        if (!wait && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (errno != EINTR)
            die("%s: read: %s", c->who, strerror(errno));
    }
}

static void conn_fill(conn_t *c) { conn_read_more(c, 1); }

/* If the buffer holds a whole reply line, take it: NUL-terminated, without
 * the "\r\n". Returns 0 (taking nothing) when the line is incomplete. */
static int conn_take_line(conn_t *c, char line[MAX_LINE]) {
    char *p = c->buf + c->start;
    size_t avail = c->end - c->start;
    char *crlf = memmem(p, avail, "\r\n", 2);
    if (!crlf) {
        if (avail >= MAX_LINE + 1)
            die("%s: reply line too long", c->who);
        return 0;
    }
    size_t len = (size_t)(crlf - p);
    if (len >= MAX_LINE)
        die("%s: reply line too long", c->who);
    memcpy(line, p, len);
    line[len] = '\0';
    c->start += len + 2;
    return 1;
}

/* Read one reply line; returns it NUL-terminated without the "\r\n". */
static void conn_read_line(conn_t *c, char line[MAX_LINE]) {
    while (!conn_take_line(c, line))
        conn_fill(c);
}

/* Take one reply line if it has arrived, without blocking; 0 if not. */
static int conn_poll_line(conn_t *c, char line[MAX_LINE]) {
    return conn_take_line(c, line) ||
           (conn_read_more(c, 0) && conn_take_line(c, line));
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

/* Check the reply to one put (beanstalkd) or LPUSH (redis). */
static void check_put_reply(const char *who, const char *line) {
    if (cfg.protocol == PROTO_REDIS) {
        if (line[0] != ':')
            die("%s: LPUSH: expected an integer reply, got \"%s\"", who, line);
    } else if (strncmp(line, "INSERTED ", 9) != 0) {
        die("%s: put: expected \"INSERTED <id>\", got \"%s\"", who, line);
    }
}

static void *producer(void *argp) {
    producer_arg_t *arg = argp;
    char who[32], cmd[512], line[MAX_LINE];
    snprintf(who, sizeof who, "producer %d", arg->index);
    conn_t *c = conn_open(who);

    /* the command before the body, and "\r\n" after it, for either protocol */
    int hdr;
    if (cfg.protocol == PROTO_REDIS) {
        hdr = snprintf(cmd, sizeof cmd, "*3\r\n$5\r\nLPUSH\r\n$%zu\r\n%s\r\n$%ld\r\n",
                       strlen(cfg.tube), cfg.tube, cfg.size);
    } else {
        snprintf(cmd, sizeof cmd, "use %s\r\n", cfg.tube);
        command(c, cmd, "USING ");
        hdr = snprintf(cmd, sizeof cmd, "put 0 0 %d %ld\r\n", JOB_TTR, cfg.size);
    }
    /* header + body + "\r\n" in one buffer, sent with one write */
    size_t msg_len = (size_t)hdr + (size_t)cfg.size + 2;
    char *msg = malloc(msg_len);
    uint64_t *sent_at = calloc((size_t)cfg.pipeline, sizeof *sent_at);
    if (!msg || !sent_at)
        die("out of memory");
    memcpy(msg, cmd, (size_t)hdr);
    char *body = msg + hdr;
    memset(body, 'x', (size_t)cfg.size);
    memcpy(body + cfg.size, "\r\n", 2);

    /* Up to cfg.pipeline puts in flight; their replies come in order. With
     * room in the window, write the next put and then collect the replies that
     * have already arrived (never blocking, so replies cannot pile up in the
     * socket while a write waits); with a full window, wait for one reply. */
    const long window = cfg.pipeline;
    long sent = 0, acked = 0;
    pthread_barrier_wait(&start_barrier);
    while (acked < arg->count) {
        if (sent < arg->count && sent - acked < window) {
            uint64_t t0 = now_ns();
            memcpy(body, &t0, TS_BYTES);
            conn_write(c, msg, msg_len);
            sent_at[sent % window] = t0;
            sent++;
            if (window == 1)
                continue; /* the window is full: wait for the reply below */
            while (acked < sent && conn_poll_line(c, line)) {
                check_put_reply(who, line);
                put_lat_ns[arg->first + acked] = now_ns() - sent_at[acked % window];
                acked++;
            }
            continue;
        }
        conn_read_line(c, line);
        check_put_reply(who, line);
        put_lat_ns[arg->first + acked] = now_ns() - sent_at[acked % window];
        acked++;
    }
    publish_max(&last_put_ns, now_ns());
    free(sent_at);
    free(msg);
    conn_close(c);
    return NULL;
}

/* ---------- consumers ---------- */

/* Wait up to 1 s for one job: its body (size + 2 bytes, "\r\n" included) into
 * body. Returns 0 on a timeout; else 1, with the job done (redis: popped) or
 * to be deleted (beanstalkd: *id set). */
static int take_job(conn_t *c, char *body, unsigned long long *id) {
    char line[MAX_LINE];
    long bytes;
    if (cfg.protocol == PROTO_REDIS) {
        /* BRPOP <tube> 1 -> *2 $<n> <tube> $<bytes> <body>, or *-1 */
        char cmd[512], key[sizeof cfg.tube + 2];
        snprintf(cmd, sizeof cmd, "*3\r\n$5\r\nBRPOP\r\n$%zu\r\n%s\r\n$1\r\n1\r\n",
                 strlen(cfg.tube), cfg.tube);
        conn_write(c, cmd, strlen(cmd));
        conn_read_line(c, line);
        if (strcmp(line, "*-1") == 0)
            return 0;
        if (strcmp(line, "*2") != 0)
            die("%s: BRPOP: expected a 2-element array, got \"%s\"", c->who, line);
        conn_read_line(c, line);
        if (line[0] != '$' || strtoul(line + 1, NULL, 10) != strlen(cfg.tube))
            die("%s: BRPOP: expected the key \"$%zu\", got \"%s\"", c->who,
                strlen(cfg.tube), line);
        conn_read_exact(c, key, strlen(cfg.tube) + 2);
        conn_read_line(c, line);
        if (sscanf(line, "$%ld", &bytes) != 1)
            die("%s: BRPOP: expected a bulk string, got \"%s\"", c->who, line);
        *id = 0;
    } else {
        static const char reserve[] = "reserve-with-timeout 1\r\n";
        conn_write(c, reserve, sizeof reserve - 1);
        conn_read_line(c, line);
        if (strcmp(line, "TIMED_OUT") == 0)
            return 0;
        if (sscanf(line, "RESERVED %llu %ld", id, &bytes) != 2)
            die("%s: reserve: expected \"RESERVED <id> <bytes>\", got \"%s\"",
                c->who, line);
    }
    if (bytes != cfg.size)
        die("%s: job %llu has %ld bytes, expected %ld", c->who, *id, bytes,
            cfg.size);
    conn_read_exact(c, body, (size_t)bytes + 2);
    if (memcmp(body + bytes, "\r\n", 2) != 0)
        die("%s: job %llu body not terminated by \\r\\n", c->who, *id);
    return 1;
}

static void *consumer(void *argp) {
    int index = *(int *)argp;
    char who[32], cmd[MAX_LINE];
    snprintf(who, sizeof who, "consumer %d", index);
    conn_t *c = conn_open(who);
    char *body = malloc((size_t)cfg.size + 2);
    if (!body)
        die("out of memory");

    if (cfg.protocol == PROTO_BEANSTALKD) {
        snprintf(cmd, sizeof cmd, "watch %s\r\n", cfg.tube);
        command(c, cmd, "WATCHING ");
        command(c, "ignore default\r\n", "WATCHING 1");
    }

    uint64_t last = 0;
    pthread_barrier_wait(&start_barrier);
    /* Claim a slot, then wait for a job for it: exactly --jobs jobs are taken,
     * and no consumer waits for a job that will not come. A timeout just
     * waits again (a lost job ends the run at --timeout). */
    for (long n; (n = atomic_fetch_add(&claimed, 1)) < cfg.jobs;) {
        unsigned long long id;
        while (!take_job(c, body, &id))
            ;
        uint64_t received = now_ns();
        uint64_t sent;
        memcpy(&sent, body, TS_BYTES);
        if (cfg.protocol == PROTO_BEANSTALKD) {
            snprintf(cmd, sizeof cmd, "delete %llu\r\n", id);
            command(c, cmd, "DELETED");
        }
        last = now_ns();
        e2e_lat_ns[n] = received - sent;
    }

    publish_max(&last_delete_ns, last);
    free(body);
    conn_close(c);
    return NULL;
}

/* ---------- statistics and main ---------- */

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array, in µs, into out ("-" for none). */
static const char *pct_us(char out[32], const uint64_t *sorted, long n, double q) {
    if (!sorted) {
        strcpy(out, "-");
        return out;
    }
    long rank = (long)(q * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    snprintf(out, 32, "%.1f", (double)sorted[rank - 1] / 1000.0);
    return out;
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
            "               [--pipeline N] [--protocol beanstalkd|redis]\n"
            "               [--tube NAME] [--timeout SECS]\n"
            "  --producers 0: only consume --jobs jobs already in --tube\n"
            "  --consumers 0: only put --jobs jobs into --tube\n"
            "  --pipeline N:  puts in flight per producer (default 1, at most %d)\n"
            "  --protocol:    beanstalkd (default), or redis: LPUSH / BRPOP on the\n"
            "                 list named --tube\n",
            MAX_PIPELINE);
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
            cfg.producers = (int)parse_long(opt, val, 0, 1024);
        else if (strcmp(opt, "--consumers") == 0)
            cfg.consumers = (int)parse_long(opt, val, 0, 1024);
        else if (strcmp(opt, "--pipeline") == 0)
            cfg.pipeline = (int)parse_long(opt, val, 1, MAX_PIPELINE);
        else if (strcmp(opt, "--jobs") == 0)
            cfg.jobs = parse_long(opt, val, 1, 1000000000);
        else if (strcmp(opt, "--size") == 0)
            cfg.size = parse_long(opt, val, TS_BYTES, 16 * 1024 * 1024);
        else if (strcmp(opt, "--timeout") == 0)
            cfg.timeout = (int)parse_long(opt, val, 1, 86400);
        else if (strcmp(opt, "--protocol") == 0) {
            if (strcmp(val, "beanstalkd") == 0)
                cfg.protocol = PROTO_BEANSTALKD;
            else if (strcmp(val, "redis") == 0)
                cfg.protocol = PROTO_REDIS;
            else
                die("--protocol: want beanstalkd or redis, got \"%s\"", val);
        } else if (strcmp(opt, "--tube") == 0) {
            if (strlen(val) >= sizeof cfg.tube || val[0] == '\0')
                die("--tube: name must be 1-200 bytes");
            strcpy(cfg.tube, val);
        } else
            usage();
    }
    if (!cfg.addr)
        usage();
    if (cfg.producers + cfg.consumers == 0)
        die("--producers and --consumers are both 0");
    if (cfg.tube[0] == '\0')
        snprintf(cfg.tube, sizeof cfg.tube, "loadgen.%ld.%llu", (long)getpid(),
                 (unsigned long long)now_ns());
}

int main(int argc, char **argv) {
    parse_args(argc, argv);
    signal(SIGALRM, on_alarm);
    alarm((unsigned)cfg.timeout);

    /* latencies only of the sides that run */
    put_lat_ns = cfg.producers ? calloc((size_t)cfg.jobs, sizeof *put_lat_ns) : NULL;
    e2e_lat_ns = cfg.consumers ? calloc((size_t)cfg.jobs, sizeof *e2e_lat_ns) : NULL;
    pthread_t *threads = calloc((size_t)(cfg.producers + cfg.consumers), sizeof *threads);
    producer_arg_t *pargs = calloc((size_t)cfg.producers + 1, sizeof *pargs);
    int *cargs = calloc((size_t)cfg.consumers + 1, sizeof *cargs);
    if ((cfg.producers && !put_lat_ns) || (cfg.consumers && !e2e_lat_ns) ||
        !threads || !pargs || !cargs)
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

    uint64_t end = atomic_load(cfg.consumers ? &last_delete_ns : &last_put_ns);
    double secs = (double)(end - start) / 1e9;
    if (put_lat_ns)
        qsort(put_lat_ns, (size_t)cfg.jobs, sizeof *put_lat_ns, cmp_u64);
    if (e2e_lat_ns)
        qsort(e2e_lat_ns, (size_t)cfg.jobs, sizeof *e2e_lat_ns, cmp_u64);
    char e50[32], e99[32], p50[32], p99[32], puts[32] = "-";
    /* puts_per_sec: the put rate alone, up to the last put reply (with few
     * consumers, or a pipeline, the producers finish well before them) */
    if (cfg.producers)
        snprintf(puts, sizeof puts, "%.0f",
                 (double)cfg.jobs * 1e9 / (double)(atomic_load(&last_put_ns) - start));
    /* cpu_pct: loadgen's CPU time over the measured interval (100 = one CPU) */
    printf("jobs=%ld protocol=%s producers=%d consumers=%d pipeline=%d size=%ld "
           "secs=%.3f jobs_per_sec=%.0f puts_per_sec=%s e2e_p50_us=%s e2e_p99_us=%s "
           "put_p50_us=%s put_p99_us=%s cpu_pct=%.0f\n",
           cfg.jobs, cfg.protocol == PROTO_REDIS ? "redis" : "beanstalkd",
           cfg.producers, cfg.consumers, cfg.pipeline, cfg.size, secs,
           (double)cfg.jobs / secs, puts, pct_us(e50, e2e_lat_ns, cfg.jobs, 0.50),
           pct_us(e99, e2e_lat_ns, cfg.jobs, 0.99),
           pct_us(p50, put_lat_ns, cfg.jobs, 0.50),
           pct_us(p99, put_lat_ns, cfg.jobs, 0.99), 100.0 * cpu_used / secs);
    return 0;
}
