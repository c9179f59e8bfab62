/* Linux gaps of issue 18: /dev, eventfd, memfd, the id and priority calls, msync, ioctl on a bad fd,
 * FIONREAD and a sparse file in /tmp. Prints one line per check, the same natively (run as an
 * unprivileged user without a controlling terminal) and in the VM. With the argument "fill" it
 * writes real data into /tmp until the quota stops it instead; with "noreserve" it maps 1 GiB with
 * MAP_NORESERVE instead. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static const char *err(int e) {
    switch (e) {
    case 0: return "ok";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case EACCES: return "EACCES";
    case EINVAL: return "EINVAL";
    case ENOTTY: return "ENOTTY";
    case ENOSPC: return "ENOSPC";
    case ENOMEM: return "ENOMEM";
    case ENXIO: return "ENXIO";
    case ENOSYS: return "ENOSYS";
    default: return "other";
    }
}

static const char *result(long r) {
    return r < 0 ? err(errno) : "ok";
}

static void devices(void) {
    char buf[64];
    int fd = open("/dev/null", O_RDWR);
    printf("null: write %zd read %zd\n", write(fd, "hello", 5), read(fd, buf, sizeof buf));
    close(fd);

    fd = open("/dev/zero", O_RDONLY);
    memset(buf, 7, sizeof buf);
    ssize_t n = read(fd, buf, sizeof buf);
    int zeros = 1;
    for (size_t i = 0; i < sizeof buf; i++) zeros &= buf[i] == 0;
    printf("zero: read %zd all-zero %d\n", n, zeros);
    close(fd);

    fd = open("/dev/full", O_WRONLY);
    printf("full: write %s\n", result(write(fd, "x", 1)));
    close(fd);

    char a[32], b[32];
    fd = open("/dev/urandom", O_RDONLY);
    ssize_t ra = read(fd, a, sizeof a), rb = read(fd, b, sizeof b);
    printf("urandom: read %zd %zd differ %d\n", ra, rb, memcmp(a, b, sizeof a) != 0);
    close(fd);

    struct stat st;
    const char *names[] = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        stat(names[i], &st);
        printf("stat %s: %o %u,%u\n", names[i], st.st_mode, major(st.st_rdev), minor(st.st_rdev));
    }
    errno = 0;
    printf("tty: %s\n", result(open("/dev/tty", O_RDWR)));
    lstat("/dev/stdout", &st);
    printf("stdout-is-link: %d\n", S_ISLNK(st.st_mode));

    DIR *dev = opendir("/dev");
    int seen = 0;
    for (struct dirent *e; dev && (e = readdir(dev));) {
        seen += strcmp(e->d_name, "null") == 0 || strcmp(e->d_name, "zero") == 0
                || strcmp(e->d_name, "urandom") == 0 || strcmp(e->d_name, "fd") == 0;
    }
    if (dev) closedir(dev);
    printf("dev-lists: %d\n", seen);

    int p[2];
    pipe(p);
    snprintf(buf, sizeof buf, "/dev/fd/%d", p[1]);
    int writer = open(buf, O_WRONLY);
    write(writer, "x", 1);
    char got = 0;
    read(p[0], &got, 1);
    printf("dev-fd-pipe: %c\n", got);
    close(writer);
    close(p[0]);
    close(p[1]);

    fd = open("/tmp/linux-gaps-file", O_RDWR | O_CREAT | O_TRUNC, 0600);
    write(fd, "hello", 5);
    snprintf(buf, sizeof buf, "/dev/fd/%d", fd);
    int again = open(buf, O_RDONLY);
    memset(buf, 0, sizeof buf);
    read(again, buf, sizeof buf - 1);
    printf("dev-fd-file: %s\n", buf);
    close(again);
    close(fd);
    unlink("/tmp/linux-gaps-file");

    FILE *out = fopen("/dev/stdout", "w");
    if (out == NULL) {
        printf("dev-stdout: %s\n", err(errno));
    } else {
        fprintf(out, "via-dev-stdout\n");
        fclose(out);
    }
}

/* select on `fd` for reading, writing and exceptions at once, without waiting. */
static void select_eventfd(const char *label, int fd) {
    fd_set r, w, x;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_ZERO(&x);
    FD_SET(fd, &r);
    FD_SET(fd, &w);
    FD_SET(fd, &x);
    struct timeval none = {0, 0};
    int n = select(fd + 1, &r, &w, &x, &none);
    if (n < 0) {
        printf("%s: %s\n", label, result(n));
        return;
    }
    printf("%s: %d read %d write %d except %d\n", label, n, !!FD_ISSET(fd, &r), !!FD_ISSET(fd, &w),
           !!FD_ISSET(fd, &x));
}

static void eventfds(void) {
    int fd = eventfd(3, EFD_NONBLOCK);
    uint64_t v = 4;
    printf("eventfd-write: %zd\n", write(fd, &v, 8));
    v = 0;
    ssize_t n = read(fd, &v, 8);
    printf("eventfd-read: %zd %llu\n", n, (unsigned long long) v);
    printf("eventfd-empty: %s\n", result(read(fd, &v, 8)));
    printf("eventfd-short: %s\n", result(read(fd, &v, 4)));
    v = UINT64_MAX;
    printf("eventfd-max: %s\n", result(write(fd, &v, 8)));

    struct pollfd pfd = {.fd = fd, .events = POLLIN | POLLOUT};
    poll(&pfd, 1, 0);
    printf("eventfd-poll-empty: in %d out %d\n", !!(pfd.revents & POLLIN), !!(pfd.revents & POLLOUT));
    select_eventfd("eventfd-select-empty", fd);
    struct timeval brief = {0, 20000};
    fd_set readable;
    FD_ZERO(&readable);
    FD_SET(fd, &readable);
    printf("eventfd-select-wait: %d\n", select(fd + 1, &readable, NULL, NULL, &brief));
    v = 1;
    write(fd, &v, 8);
    select_eventfd("eventfd-select", fd);
    v = UINT64_MAX - 2;
    write(fd, &v, 8);
    select_eventfd("eventfd-select-full", fd);
    close(fd);
    select_eventfd("eventfd-select-closed", fd);

    fd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    uint64_t s1 = 0, s2 = 0;
    read(fd, &s1, 8);
    read(fd, &s2, 8);
    printf("eventfd-semaphore: %llu %llu %s\n", (unsigned long long) s1, (unsigned long long) s2,
           result(read(fd, &v, 8)));
    close(fd);

    fd = eventfd(0, 0);
    pid_t child = fork();
    if (child == 0) {
        usleep(100 * 1000);
        uint64_t five = 5;
        write(fd, &five, 8);
        _exit(0);
    }
    v = 0;
    n = read(fd, &v, 8);
    waitpid(child, NULL, 0);
    printf("eventfd-across-fork: %zd %llu\n", n, (unsigned long long) v);
    close(fd);
}

static void memfds(void) {
    int fd = memfd_create("linux-gaps", MFD_CLOEXEC);
    printf("memfd: %s cloexec %d\n", result(fd), fcntl(fd, F_GETFD) == FD_CLOEXEC);
    printf("memfd-ftruncate: %s\n", result(ftruncate(fd, 4096)));
    printf("memfd-write: %zd\n", pwrite(fd, "memfd", 5, 0));
    struct stat st;
    fstat(fd, &st);
    printf("memfd-size: %lld regular %d\n", (long long) st.st_size, S_ISREG(st.st_mode));
    char *map = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    printf("memfd-mmap: %.5s\n", map == MAP_FAILED ? "failed" : map);
    close(fd);
}

static void identity(void) {
    uid_t uid = getuid();
    gid_t gid = getgid();
    printf("setreuid-unchanged: %s\n", result(setreuid(-1, -1)));
    printf("setregid-unchanged: %s\n", result(setregid(-1, -1)));
    printf("setreuid-own: %s\n", result(setreuid(uid, uid)));
    printf("setresuid-own: %s\n", result(setresuid(-1, uid, -1)));
    printf("setresgid-own: %s\n", result(setresgid(gid, -1, gid)));
    printf("setreuid-root: %s\n", result(setreuid(0, -1)));
    printf("setregid-other: %s\n", result(setregid(-1, gid + 1)));

    errno = 0;
    int nice = getpriority(PRIO_PROCESS, 0);
    printf("getpriority: %d %s\n", nice, err(errno));
    printf("setpriority-up: %s\n", result(setpriority(PRIO_PROCESS, 0, 5)));
    printf("getpriority-after: %d\n", getpriority(PRIO_PROCESS, 0));
    printf("setpriority-down: %s\n", result(setpriority(PRIO_PROCESS, 0, 0)));
    printf("getpriority-bad-which: %s\n", result(getpriority(7, 0)));
}

static void memory(void) {
    char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = 1;
    printf("msync: %s\n", result(msync(p, 4 * 4096, MS_SYNC)));
    printf("msync-async-partial-page: %s\n", result(msync(p + 4096, 1, MS_ASYNC)));
    printf("msync-unaligned: %s\n", result(msync(p + 1, 4096, MS_SYNC)));
    munmap(p + 2 * 4096, 4096);
    printf("msync-hole: %s\n", result(msync(p, 4 * 4096, MS_SYNC)));
}

static void ioctls(void) {
    printf("ioctl-bad-fd: %s\n", result(ioctl(999, 0x5490, 0)));
    int fd = eventfd(0, 0);
    printf("ioctl-unknown: %s\n", result(ioctl(fd, 0x5490, 0)));
    close(fd);
    int p[2];
    pipe(p);
    write(p[1], "abc", 3);
    int count = -1;
    const char *answer = result(ioctl(p[0], FIONREAD, &count));
    printf("fionread-pipe: %s %d\n", answer, count);
    close(p[0]);
    close(p[1]);
}

static void sparse(void) {
    int fd = open("/tmp/linux-gaps-sparse", O_RDWR | O_CREAT | O_TRUNC, 0600);
    off_t far = 2LL << 30;
    printf("sparse-seek: %lld\n", (long long) lseek(fd, far, SEEK_SET));
    printf("sparse-write: %zd\n", write(fd, "x", 1));
    struct stat st;
    fstat(fd, &st);
    printf("sparse-size: %lld\n", (long long) st.st_size);
    close(fd);
    unlink("/tmp/linux-gaps-sparse");
}

/* A writable MAP_NORESERVE mapping of 1 GiB, larger than the guest's RAM under --memory 256M
 * (V8 reserves its heap so): Linux accepts it and fails only when touched pages run out. */
static void noreserve(void) {
    size_t len = (size_t) 1 << 30;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    printf("noreserve: %s\n", p == MAP_FAILED ? err(errno) : "ok");
    if (p == MAP_FAILED) {
        return;
    }
    p[0] = 42;
    p[len - 1] = 43;
    printf("noreserve-touched: %d %d\n", p[0], p[len - 1]);
    printf("noreserve-munmap: %s\n", munmap(p, len) == 0 ? "ok" : err(errno));
}

/* Real data past the quota: write 1 MiB blocks until the write is short or fails. */
static void fill(void) {
    static char block[1 << 20];
    memset(block, 'd', sizeof block);
    int fd = open("/tmp/linux-gaps-fill", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    long long total = 0;
    for (;;) {
        ssize_t n = write(fd, block, sizeof block);
        if (n < 0) {
            printf("fill: %s after %lld MiB\n", err(errno), total >> 20);
            break;
        }
        total += n;
        if (n < (ssize_t) sizeof block) {
            printf("fill: short\n");
        }
    }
    close(fd);
    unlink("/tmp/linux-gaps-fill");
}

/* A pseudo-terminal from openpty (/dev/ptmx, TIOCGPTN, TIOCSPTLCK, TIOCGPTPEER) in raw mode:
   bytes pass unchanged both ways. */
static void ptys(void) {
    int master, terminal;
    if (openpty(&master, &terminal, NULL, NULL, NULL) != 0) {
        printf("openpty: %s\n", err(errno));
        return;
    }
    printf("openpty: isatty %d %d cloexec %d\n", isatty(master), isatty(terminal),
           fcntl(terminal, F_GETFD) & FD_CLOEXEC);
    struct stat st;
    fstat(master, &st);
    printf("ptmx: chr %d %u,%u\n", S_ISCHR(st.st_mode), major(st.st_rdev), minor(st.st_rdev));
    fstat(terminal, &st);
    printf("pts: chr %d major %u\n", S_ISCHR(st.st_mode), major(st.st_rdev));
    struct termios settings;
    tcgetattr(terminal, &settings);
    cfmakeraw(&settings);
    printf("raw: %s\n", result(tcsetattr(terminal, TCSANOW, &settings)));
    char buf[16];
    write(master, "ping\n", 5);
    ssize_t n = read(terminal, buf, sizeof buf);
    printf("to-terminal: %zd %.4s\n", n, buf);
    write(terminal, "pong\n", 5);
    n = read(master, buf, sizeof buf);
    printf("to-master: %zd %.4s\n", n, buf);
    int number;
    printf("ptn-on-terminal: %s\n", result(ioctl(terminal, TIOCGPTN, &number)));
    printf("ptn-on-file: %s\n", result(ioctl(0, TIOCGPTN, &number)));
    close(terminal);
    close(master);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "fill") == 0) {
        fill();
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "noreserve") == 0) {
        noreserve();
        return 0;
    }
    devices();
    eventfds();
    memfds();
    identity();
    memory();
    ioctls();
    ptys();
    sparse();
    return 0;
}
