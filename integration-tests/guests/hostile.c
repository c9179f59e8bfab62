/*
 * Hostile guest: tries one kind of escape or abuse, chosen by argv[1], and prints what it got,
 * one "what: result" line per attempt (result: "ok ..." or the errno's name), so the host's
 * test can check that each attempt was contained with its specific answer.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static void report(const char *what, long result)
{
    if (result < 0)
        printf("%s: %s\n", what, strerrorname_np(errno));
    else
        printf("%s: ok %ld\n", what, result);
}

/* Opens each path and reports its first bytes or the errno. */
static int open_paths(int count, char **paths)
{
    for (int i = 0; i < count; i++) {
        int fd = open(paths[i], O_RDONLY);
        if (fd < 0) {
            printf("%s: %s\n", paths[i], strerrorname_np(errno));
            continue;
        }
        char text[64] = {0};
        ssize_t n = read(fd, text, sizeof text - 1);
        text[n > 0 ? n : 0] = 0;
        text[strcspn(text, "\n")] = 0;
        printf("%s: read \"%s\"\n", paths[i], text);
        close(fd);
    }
    return 0;
}

/* Tries to change or create files through links and the names given. */
static int write_paths(int count, char **paths)
{
    for (int i = 0; i < count; i++) {
        int fd = open(paths[i], O_WRONLY | O_TRUNC);
        report(paths[i], fd < 0 ? -1 : write(fd, "pwned\n", 6));
    }
    report("link", syscall(SYS_link, "/app/hostile", "/tmp/hostile-link"));
    report("linkat", syscall(SYS_linkat, AT_FDCWD, "/app/hostile", AT_FDCWD, "/tmp/hostile-link", 0));
    report("symlink", syscall(SYS_symlink, "/", "/tmp/root-link"));
    report("mknod", syscall(SYS_mknod, "/tmp/device", 020600, 0x0103));
    return 0;
}

/* Reads a file's first line through `path`, or reports the errno. */
static void read_through(const char *what, const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("%s: %s\n", what, strerrorname_np(errno));
        return;
    }
    char text[64] = {0};
    ssize_t n = read(fd, text, sizeof text - 1);
    text[n > 0 ? n : 0] = 0;
    text[strcspn(text, "\n")] = 0;
    printf("%s: read \"%s\"\n", what, text);
    close(fd);
}

/*
 * Links the guest makes itself in its writable /tmp, each tried as an escape: `secret` is a host
 * path outside every mount, `inside` a file of the read-only mount at /data.
 */
static int make_links(const char *secret, const char *inside)
{
    char target[4200];
    report("symlink-root", symlink("/", "/tmp/root"));
    snprintf(target, sizeof target, "/tmp/root%s", secret);
    read_through("via-root", target);
    snprintf(target, sizeof target, "../../../../../../..%s", secret);
    report("symlink-relative", symlink(target, "/tmp/relative"));
    read_through("via-relative", "/tmp/relative");
    snprintf(target, sizeof target, "%s", secret);
    report("symlink-absolute", symlink(target, "/tmp/absolute"));
    read_through("via-absolute", "/tmp/absolute");
    char text[4200] = {0};
    report("readlink-absolute", readlink("/tmp/absolute", text, sizeof text - 1));
    printf("readlink-text: %s\n", strcmp(text, secret) == 0 ? "as given" : text);
    report("symlink-directory", symlinkat("/data", AT_FDCWD, "/tmp/data"));
    snprintf(target, sizeof target, "/tmp/data/%s", inside);
    read_through("via-directory", target);
    report("symlink-dotdot", symlink("..", "/tmp/up"));
    read_through("via-dotdot", "/tmp/up/data/inside.txt");
    snprintf(target, sizeof target, "/tmp/up/../../..%s", secret);
    read_through("via-dotdot-secret", target);
    symlink("/tmp/chain2", "/tmp/chain1");
    symlink("data/inside.txt", "/tmp/chain2");
    read_through("via-chain", "/tmp/chain1");
    symlink("/tmp/loop2", "/tmp/loop1");
    symlink("loop1", "/tmp/loop2");
    read_through("via-loop", "/tmp/loop1");
    report("write-through-directory-link", open("/tmp/data/inside.txt", O_WRONLY));
    report("symlink-in-read-only", symlink("x", "/data/new"));
    report("symlink-existing", symlink("x", "/tmp/data"));

    int fd = open("/tmp/file", O_RDWR | O_CREAT | O_TRUNC, 0600);
    write(fd, "file text\n", 10);
    report("link", link("/tmp/file", "/tmp/hard"));
    read_through("via-hard-link", "/tmp/hard");
    report("link-across-mounts", link("/data/inside.txt", "/tmp/stolen"));
    mkdir("/tmp/directory", 0700);
    report("link-directory", link("/tmp/directory", "/tmp/directory2"));
    report("link-into-read-only", linkat(AT_FDCWD, "/tmp/file", AT_FDCWD, "/data/planted", 0));
    symlink("file", "/tmp/to-file");
    report("linkat-follow", linkat(AT_FDCWD, "/tmp/to-file", AT_FDCWD, "/tmp/followed", AT_SYMLINK_FOLLOW));
    read_through("via-followed", "/tmp/followed");
    report("linkat-follow-across-mounts", linkat(AT_FDCWD, "/tmp/chain1", AT_FDCWD, "/tmp/x", AT_SYMLINK_FOLLOW));
    /* A symlink leading out of the mount on the host gets no second name; one staying in does. */
    report("linkat-symlink-itself", linkat(AT_FDCWD, "/tmp/absolute", AT_FDCWD, "/tmp/absolute2", 0));
    read_through("via-linked-symlink", "/tmp/absolute2");
    report("linkat-symlink-inside", linkat(AT_FDCWD, "/tmp/to-file", AT_FDCWD, "/tmp/to-file2", 0));
    read_through("via-linked-inside", "/tmp/to-file2");

    report("fchmod", fchmod(fd, 0640));
    struct stat st;
    stat("/tmp/hard", &st);
    printf("mode-after-fchmod: %o\n", st.st_mode & 0777);
    struct timespec times[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
    report("futimens", futimens(fd, times));
    stat("/tmp/file", &st);
    printf("mtime-after-futimens: %ld\n", (long)st.st_mtime);
    report("fchown-unchanged", fchown(fd, -1, -1));
    report("chown-own-ids", chown("/tmp/file", getuid(), getgid()));
    report("chown-to-root", chown("/tmp/file", 0, 0));
    report("lchown-read-only", lchown("/data/inside.txt", -1, -1));
    lseek(fd, 0, SEEK_SET);
    fflush(stdout);
    report("sendfile-stdout", sendfile(1, fd, NULL, 100));
    int copy = open("/tmp/copy", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    off_t offset = 5;
    report("sendfile-file", sendfile(copy, fd, &offset, 100));
    printf("sendfile-offset: %ld\n", (long)offset);
    read_through("sendfile-copy", "/tmp/copy");
    return 0;
}

/*
 * Symlinks the host planted in a writable mount: each is linked itself (a second host-side name
 * for it), linked with AT_SYMLINK_FOLLOW, and read through the second name.
 */
static int link_planted(int count, char **paths)
{
    for (int i = 0; i < count; i++) {
        char second[256], followed[256], what[300];
        snprintf(second, sizeof second, "%s-2", paths[i]);
        snprintf(followed, sizeof followed, "%s-followed", paths[i]);
        report(paths[i], link(paths[i], second));
        snprintf(what, sizeof what, "follow %s", paths[i]);
        report(what, linkat(AT_FDCWD, paths[i], AT_FDCWD, followed, AT_SYMLINK_FOLLOW));
        snprintf(what, sizeof what, "via %s", second);
        read_through(what, second);
    }
    return 0;
}

static int network(int port, const char *unix_path)
{
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    report("socket", fd);
    report("socket-udp", socket(AF_INET, SOCK_DGRAM, 0));
    /* Local IPC is no network: an AF_UNIX socket exists, but reaches no socket of the host,
       not even one whose file lies in a mount (unix_path). */
    int local = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    report("socket-unix", local < 0 ? -1 : 0);
    if (unix_path != NULL) {
        struct sockaddr_un host_socket = {.sun_family = AF_UNIX};
        strncpy(host_socket.sun_path, unix_path, sizeof host_socket.sun_path - 1);
        report("unix-connect-host", connect(local, (struct sockaddr *)&host_socket, sizeof host_socket));
        report("unix-bind", bind(local, (struct sockaddr *)&host_socket, sizeof host_socket));
        report("unix-send", send(local, "x", 1, MSG_NOSIGNAL));
    }
    close(local);
    /* Whatever fd the guest names, connecting must not reach the listener. */
    for (int guess = 0; guess < 8; guess++)
        if (connect(guess, (struct sockaddr *)&to, sizeof to) == 0)
            printf("connect %d: CONNECTED\n", guess);
    report("connect", connect(fd, (struct sockaddr *)&to, sizeof to));
    report("connect-bad-address", connect(3, (struct sockaddr *)8, sizeof to));
    report("bind", bind(fd, (struct sockaddr *)&to, sizeof to));
    report("listen", listen(fd, 1));
    /* Whatever fd the guest names, sending must not reach the listener either. */
    for (int guess = 0; guess < 8; guess++)
        if (sendto(guess, "x", 1, MSG_NOSIGNAL, (struct sockaddr *)&to, sizeof to) == 1)
            printf("sendto %d: SENT\n", guess);
    char buffer[64];
    struct sockaddr_in from;
    socklen_t from_len = sizeof from;
    struct iovec iov = {.iov_base = buffer, .iov_len = sizeof buffer};
    struct msghdr message = {.msg_name = &to, .msg_namelen = sizeof to, .msg_iov = &iov, .msg_iovlen = 1};
    int one = 1;
    report("sendto", sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof to));
    report("send-stdout", send(1, "x", 1, 0));
    report("sendto-bad-buffer", sendto(fd, (void *)8, 16, 0, NULL, 0));
    report("recvfrom", recvfrom(fd, buffer, sizeof buffer, MSG_DONTWAIT, (struct sockaddr *)&from, &from_len));
    report("recvfrom-bad-buffer", recvfrom(fd, (void *)8, 16, 0, NULL, NULL));
    report("sendmsg", sendmsg(fd, &message, 0));
    report("recvmsg", recvmsg(fd, &message, MSG_DONTWAIT));
    report("accept", accept(fd, NULL, NULL));
    report("accept4", accept4(fd, (struct sockaddr *)&from, &from_len, SOCK_CLOEXEC));
    report("getsockname", getsockname(fd, (struct sockaddr *)&from, &from_len));
    report("getpeername", getpeername(fd, (struct sockaddr *)&from, &from_len));
    report("setsockopt", setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    report("getsockopt", getsockopt(fd, SOL_SOCKET, SO_ERROR, &one, &from_len));
    report("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, (int[2]){0}));
    return 0;
}

/* Kernel addresses, unmapped buffers, huge lengths and unknown numbers. */
static int wild(void)
{
    char buffer[16];
    void *kernel = (void *)0xffff800000000000UL;
    report("write-kernel-buffer", syscall(SYS_write, 1, kernel, 16));
    report("read-into-kernel", syscall(SYS_read, 0, kernel, 16));
    report("write-null", syscall(SYS_write, 1, NULL, 16));
    report("write-huge-length", syscall(SYS_write, 1, buffer, 1UL << 40));
    report("read-huge-length", syscall(SYS_read, 0, buffer, 1UL << 40));
    report("open-kernel-path", syscall(SYS_openat, AT_FDCWD, kernel, O_RDONLY));
    report("open-unmapped-path", syscall(SYS_openat, AT_FDCWD, (void *)0x1000, O_RDONLY));
    report("stat-into-kernel", syscall(SYS_newfstatat, AT_FDCWD, "/app", kernel, 0));
    report("getcwd-huge", syscall(SYS_getcwd, buffer, 1UL << 40));
    report("getrandom-huge", syscall(SYS_getrandom, buffer, 1UL << 40, 0));
    report("mmap-fixed-kernel", (long)syscall(SYS_mmap, kernel, 4096, PROT_READ | PROT_WRITE,
                                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) < 0 ? -1 : 0);
    report("mmap-huge", (long)syscall(SYS_mmap, NULL, 1UL << 46, PROT_READ | PROT_WRITE,
                                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0) < 0 ? -1 : 0);
    report("munmap-kernel", syscall(SYS_munmap, kernel, 4096));
    report("mprotect-kernel", syscall(SYS_mprotect, kernel, 4096, PROT_READ | PROT_WRITE));
    printf("brk-kernel: %s\n", syscall(SYS_brk, kernel) == (long)kernel ? "moved" : "refused");
    report("unknown-1000", syscall(1000));
    report("unknown-335", syscall(335));
    report("unknown-negative", syscall(-1L));
    report("unknown-huge", syscall(1L << 40));
    report("fd-huge", syscall(SYS_read, 1L << 40, buffer, 1));
    report("still-alive", 0);
    return 0;
}

static int fd_flood(void)
{
    int opened = 0;
    while (open("/app", O_RDONLY | O_DIRECTORY) >= 0)
        opened++;
    printf("opened %d then %s\n", opened, strerrorname_np(errno));
    for (int fd = 3; fd < 3 + opened; fd++)
        close(fd);
    report("after-closing", open("/app", O_RDONLY | O_DIRECTORY));
    return 0;
}

static int memory_flood(void)
{
    size_t mib = 0;
    for (;;) {
        char *block = malloc(1 << 20);
        if (block == NULL)
            break;
        memset(block, 0xa5, 1 << 20);
        mib++;
    }
    printf("allocated %zu MiB then %s\n", mib, strerrorname_np(errno));
    return 0;
}

/*
 * Reserves far more than the guest's RAM in 1 MiB mappings (reservations cost nothing until
 * touched), then touches them: the page fault the kernel cannot serve ends the program.
 */
static int memory_touch(void)
{
    enum { BLOCKS = 256 };
    static char *blocks[BLOCKS];
    for (int i = 0; i < BLOCKS; i++) {
        blocks[i] = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (blocks[i] == MAP_FAILED) {
            printf("mmap: %s\n", strerrorname_np(errno));
            return 3;
        }
    }
    printf("reserved %d MiB\n", BLOCKS);
    for (int i = 0; i < BLOCKS; i++)
        memset(blocks[i], 0xa5, 1 << 20);
    printf("touched all of it\n");
    return 0;
}

/* Writes `total` bytes to stdout (forever when 0), then exits 0. */
static int output_flood(long total)
{
    static char line[4096];
    memset(line, 'x', sizeof line - 1);
    line[sizeof line - 1] = '\n';
    for (long done = 0; total == 0 || done < total; done += sizeof line)
        if (write(1, line, sizeof line) < 0) {
            fprintf(stderr, "write: %s\n", strerrorname_np(errno));
            return 3;
        }
    return 0;
}

/*
 * Keeps the guest kernel busy: system calls are served inside the VM with interrupts disabled
 * and without a VM exit, so only the host's kick can stop this loop.
 */
static int kernel_busy(void)
{
    size_t size = (size_t)1 << 36;
    char *map = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (map == MAP_FAILED)
        return 3;
    for (;;) {
        mprotect(map, size, PROT_READ);
        mprotect(map, size, PROT_NONE);
    }
}

static int tmp_fill(void)
{
    static char chunk[65536];
    int fd = open("/tmp/fill", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    long total = 0;
    for (;;) {
        ssize_t n = write(fd, chunk, sizeof chunk);
        if (n < 0)
            break;
        total += n;
    }
    printf("wrote %ld bytes then %s\n", total, strerrorname_np(errno));
    close(fd);
    report("unlink", unlink("/tmp/fill"));
    fd = open("/tmp/again", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    report("write-after-unlink", write(fd, chunk, sizeof chunk));
    return 0;
}

/* Blocks until the host answers on stdin: the host measures the run's /tmp meanwhile. */
static void let_the_host_measure(void)
{
    char line[8];
    fflush(stdout);
    read(0, line, sizeof line);
}

/*
 * Issue 19's quota bypass: write 1 MiB to a file, link it, remove both names and keep the fd;
 * `rounds` times. Each round says what it could write; then, with every fd still held, the host
 * measures, and after closing them all a new file must get the quota back.
 */
static int tmp_links(int rounds)
{
    static char chunk[65536];
    static int held[256];
    int count = 0;
    for (int round = 0; round < rounds && count < 256; round++) {
        char name[32], second[32];
        snprintf(name, sizeof name, "/tmp/held-%d", round);
        snprintf(second, sizeof second, "/tmp/second-%d", round);
        int fd = open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
        if (fd < 0) {
            report(name, -1);
            return 1;
        }
        long total = 0;
        ssize_t n = 0;
        while (total < (1L << 20) && (n = write(fd, chunk, sizeof chunk)) > 0)
            total += n;
        int error = n < 0 ? errno : 0;
        if (link(name, second) != 0 || unlink(name) != 0 || unlink(second) != 0) {
            report("link-and-unlink", -1);
            return 1;
        }
        held[count++] = fd;
        printf("round %d: wrote %ld%s%s\n", round, total, error ? " then " : "", error ? strerrorname_np(error) : "");
    }
    let_the_host_measure();
    for (int i = 0; i < count; i++)
        close(held[i]);
    int fd = open("/tmp/after", O_WRONLY | O_CREAT | O_EXCL, 0600);
    long total = 0;
    ssize_t n;
    while (total < (1L << 20) && (n = write(fd, chunk, sizeof chunk)) > 0)
        total += n;
    printf("after-closing: wrote %ld\n", total);
    return 0;
}

/*
 * Names that hold bytes without a regular file: symlinks with 4000-byte targets until ENOSPC
 * (issue 19: 8 MB of them under a 1 MiB quota), then, once they are removed, directories.
 */
static int tmp_names(void)
{
    static char target[4001];
    memset(target, 'x', 4000);
    char name[32];
    int links = 0;
    int error = 0;
    for (; links < 4096; links++) {
        snprintf(name, sizeof name, "/tmp/s%d", links);
        if (symlink(target, name) != 0) {
            error = errno;
            break;
        }
    }
    printf("symlinks: %d then %s\n", links, error ? strerrorname_np(error) : "none");
    let_the_host_measure();
    for (int i = 0; i < links; i++) {
        snprintf(name, sizeof name, "/tmp/s%d", i);
        unlink(name);
    }
    int directories = 0;
    error = 0;
    for (; directories < 1024; directories++) {
        snprintf(name, sizeof name, "/tmp/d%d", directories);
        if (mkdir(name, 0700) != 0) {
            error = errno;
            break;
        }
    }
    printf("directories: %d then %s\n", directories, error ? strerrorname_np(error) : "none");
    let_the_host_measure();
    return 0;
}

/* Privileged instructions in user mode; each must end the run as a fault. */
static int privileged(const char *which)
{
    static const uint16_t limit_and_base[5];
    if (strcmp(which, "in") == 0)
        __asm__ volatile("inb $0x80, %%al" : : : "al");
    else if (strcmp(which, "wrmsr") == 0)
        __asm__ volatile("wrmsr" : : "c"(0xc0000082), "a"(0), "d"(0));
    else if (strcmp(which, "rdmsr") == 0)
        __asm__ volatile("rdmsr" : : "c"(0xc0000082) : "eax", "edx");
    else if (strcmp(which, "lgdt") == 0)
        __asm__ volatile("lgdt %0" : : "m"(limit_and_base));
    else if (strcmp(which, "lidt") == 0)
        __asm__ volatile("lidt %0" : : "m"(limit_and_base));
    else if (strcmp(which, "mov-cr3") == 0)
        __asm__ volatile("mov %0, %%cr3" : : "r"(0UL));
    else if (strcmp(which, "invlpg") == 0)
        __asm__ volatile("invlpg (%0)" : : "r"(0UL) : "memory");
    else
        return 2;
    printf("%s: executed\n", which);
    return 0;
}

/*
 * clone(2) by hand, so that the new thread or process runs no C: it pushes and pops (a bad stack
 * faults there, as any code's first call would), writes one byte to `fd` and exits.
 */
static long clone_writer(unsigned long flags, void *stack, void *parent_tid, void *child_tid, unsigned long tls,
                         int fd)
{
    static const char byte = 'C';
    long result;
    register long r10 __asm__("r10") = (long)child_tid;
    register long r8 __asm__("r8") = (long)tls;
    register long r9 __asm__("r9") = fd;
    __asm__ volatile("syscall\n\t"
                     "test %%rax, %%rax\n\t"
                     "jnz 1f\n\t"
                     "push %%rax\n\t"
                     "pop %%rax\n\t"
                     "mov $1, %%eax\n\t" /* write(fd, &byte, 1) */
                     "mov %%r9, %%rdi\n\t"
                     "mov %%rbx, %%rsi\n\t"
                     "mov $1, %%edx\n\t"
                     "syscall\n\t"
                     "mov $60, %%eax\n\t" /* exit(0): the thread, or the process's only thread */
                     "xor %%edi, %%edi\n\t"
                     "syscall\n\t"
                     "1:"
                     : "=a"(result)
                     : "0"((long)SYS_clone), "D"(flags), "S"(stack), "d"(parent_tid), "r"(r10), "r"(r8), "r"(r9),
                       "b"(&byte)
                     : "rcx", "r11", "memory");
    return result;
}

/* "ok" or the errno's name of a raw call's result. */
static const char *outcome(long result)
{
    return result >= 0 ? "ok" : strerrorname_np(-result);
}

/* The parent's tid word the clones below pass when it is not a bad address, and its value before. */
static int parent_tid_word;
#define PARENT_TID_UNSET 0x5a5a5a5a

/* ", tid word ..." saying what a clone did to `parent_tid_word`, or nothing when it was not passed. */
static const char *tid_word_after(const void *parent_tid, long result)
{
    if (parent_tid != &parent_tid_word)
        return "";
    if (parent_tid_word == PARENT_TID_UNSET)
        return ", tid word unchanged";
    return parent_tid_word == result ? ", tid word = result" : ", tid word WRONG";
}

/*
 * A process clone: what it returned, whether a child ran (it writes to a pipe whose other writer
 * the parent closes, so the read ends at once when there is none), what wait4 then says, and
 * whether the parent's tid word is unchanged or holds the child's pid.
 */
static void process_clone(const char *what, unsigned long flags, void *stack, void *parent_tid, void *child_tid,
                          unsigned long tls)
{
    int ends[2];
    if (pipe(ends) != 0) {
        report(what, -1);
        return;
    }
    parent_tid_word = PARENT_TID_UNSET;
    long pid = clone_writer(flags | SIGCHLD, stack, parent_tid, child_tid, tls, ends[1]);
    close(ends[1]);
    char byte;
    ssize_t ran = read(ends[0], &byte, 1);
    close(ends[0]);
    int status = 0;
    pid_t reaped = wait4(-1, &status, 0, NULL);
    char waited[64];
    if (reaped < 0)
        snprintf(waited, sizeof waited, "wait %s", strerrorname_np(errno));
    else if (WIFSIGNALED(status))
        snprintf(waited, sizeof waited, "child killed by %s", sigabbrev_np(WTERMSIG(status)));
    else
        snprintf(waited, sizeof waited, "child exited %d", WEXITSTATUS(status));
    printf("%s: %s, %s, %s%s\n", what, outcome(pid), ran == 1 ? "a child ran" : "no child ran", waited,
           tid_word_after(parent_tid, pid));
}

/*
 * A thread clone: what it returned and whether a thread ran (the caller yields and sleeps, then
 * looks at the pipe without waiting), and the parent's tid word as above.
 */
static void thread_clone(const char *what, unsigned long extra_flags, void *parent_tid, void *child_tid,
                         unsigned long tls)
{
    static char stack[16384] __attribute__((aligned(16)));
    const unsigned long thread = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
    int ends[2];
    if (pipe2(ends, O_NONBLOCK) != 0) {
        report(what, -1);
        return;
    }
    parent_tid_word = PARENT_TID_UNSET;
    long tid = clone_writer(thread | extra_flags, stack + sizeof stack, parent_tid, child_tid, tls, ends[1]);
    for (int i = 0; i < 10; i++)
        sched_yield();
    nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL);
    char byte;
    ssize_t ran = read(ends[0], &byte, 1);
    close(ends[0]);
    close(ends[1]);
    printf("%s: %s, %s%s\n", what, outcome(tid), ran == 1 ? "a thread ran" : "no thread ran",
           tid_word_after(parent_tid, tid));
}

/*
 * Issue 19: clones whose tid pointers are kernel, unmapped or read-only addresses fail with EFAULT
 * (a TLS base outside user space with EPERM) before anything is created; a bad stack is not
 * checked (as on Linux) and faults in the child.
 */
static int clone_pointers(void)
{
    /* A kernel address whose page below is canonical too, so that a push there page-faults. */
    void *kernel = (void *)0xffff800000100000UL;
    char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *read_only = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED || read_only == MAP_FAILED || munmap(page, 4096) != 0) {
        report("mmap", -1);
        return 1;
    }
    void *unmapped = page;
    static int child_tid;
    const unsigned long both = CLONE_PARENT_SETTID | CLONE_CHILD_SETTID;

    process_clone("process-kernel-tids", both, NULL, kernel, kernel, 0);
    process_clone("process-unmapped-parent-tid", CLONE_PARENT_SETTID, NULL, unmapped, NULL, 0);
    process_clone("process-read-only-child-tid", both, NULL, &parent_tid_word, read_only, 0);
    process_clone("process-kernel-tls", CLONE_SETTLS, NULL, NULL, NULL, (unsigned long)kernel);
    process_clone("process-valid-tids", both, NULL, &parent_tid_word, &child_tid, 0);
    process_clone("process-kernel-stack", 0, kernel, NULL, NULL, 0);

    thread_clone("thread-kernel-parent-tid", CLONE_PARENT_SETTID, kernel, NULL, 0);
    thread_clone("thread-kernel-child-tid", both, &parent_tid_word, kernel, 0);
    thread_clone("thread-unmapped-child-tid", both, &parent_tid_word, unmapped, 0);
    thread_clone("thread-kernel-tls", CLONE_SETTLS, NULL, NULL, (unsigned long)kernel);
    thread_clone("thread-valid-tids", both, &parent_tid_word, &child_tid, 0);
    report("still-alive", 0);
    return 0;
}

/*
 * 256 functions of 32 bytes, one per vector N: save the callee-saved registers, `int N` with
 * EAX = -1 (no 32-bit system call, where `int 0x80` is one), restore, return. The registers are
 * saved because a hypervisor under the host may answer an `int N` itself and change them.
 */
__asm__(".pushsection .text\n"
        ".balign 32\n"
        "int_stubs:\n"
        ".set vector, 0\n"
        ".rept 256\n"
        ".balign 32\n"
        "push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
        "mov $-1, %eax\n"
        ".byte 0xcd, vector\n"
        "pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
        "ret\n"
        ".set vector, vector + 1\n"
        ".endr\n"
        ".popsection");
extern const unsigned char int_stubs[];

static sigjmp_buf after_int;
static volatile int caught_signal;
static volatile long caught_trapno;
static volatile long caught_error;

static void on_int_fault(int signal, siginfo_t *info, void *context)
{
    (void)info;
    ucontext_t *uc = context;
    caught_signal = signal;
    caught_trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
    caught_error = uc->uc_mcontext.gregs[REG_ERR];
    siglongjmp(after_int, 1);
}

static void int_caught(int vector)
{
    caught_signal = 0;
    if (sigsetjmp(after_int, 1) == 0)
        ((void (*)(void))(int_stubs + 32 * vector))();
    if (caught_signal == 0)
        printf("int %d: returned\n", vector);
    else
        printf("int %d: SIG%s trapno %ld err %#lx\n", vector, sigabbrev_np(caught_signal), caught_trapno,
               caught_error);
}

/*
 * Issue 19: `int N` from user mode for every vector, caught: one line each with the signal, the
 * trap number and the error code the sigcontext reports, or "returned" when no signal came.
 */
static int int_vectors(void)
{
    struct sigaction action = {.sa_sigaction = on_int_fault, .sa_flags = SA_SIGINFO};
    for (int signal = 1; signal < 32; signal++)
        if (signal != SIGKILL && signal != SIGSTOP)
            sigaction(signal, &action, NULL);
    for (int vector = 0; vector < 256; vector++)
        int_caught(vector);
    return 0;
}

/* `int N` with no handler: the run ends as the fault it raises. */
static int int_uncaught(int vector)
{
    ((void (*)(void))(int_stubs + 32 * (vector & 0xff)))();
    printf("int %d: returned\n", vector);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *what = argc > 1 ? argv[1] : "";
    if (strcmp(what, "open") == 0)
        return open_paths(argc - 2, argv + 2);
    if (strcmp(what, "write") == 0)
        return write_paths(argc - 2, argv + 2);
    if (strcmp(what, "links") == 0 && argc > 3)
        return make_links(argv[2], argv[3]);
    if (strcmp(what, "planted") == 0)
        return link_planted(argc - 2, argv + 2);
    if (strcmp(what, "network") == 0)
        return network(argc > 2 ? atoi(argv[2]) : 9, argc > 3 ? argv[3] : NULL);
    if (strcmp(what, "wild") == 0)
        return wild();
    if (strcmp(what, "fds") == 0)
        return fd_flood();
    if (strcmp(what, "memory") == 0)
        return memory_flood();
    if (strcmp(what, "memory-touch") == 0)
        return memory_touch();
    if (strcmp(what, "output") == 0)
        return output_flood(argc > 2 ? atol(argv[2]) : 0);
    if (strcmp(what, "kernel-busy") == 0)
        return kernel_busy();
    if (strcmp(what, "tmp") == 0)
        return tmp_fill();
    if (strcmp(what, "tmp-links") == 0)
        return tmp_links(argc > 2 ? atoi(argv[2]) : 20);
    if (strcmp(what, "tmp-names") == 0)
        return tmp_names();
    if (strcmp(what, "privileged") == 0)
        return privileged(argc > 2 ? argv[2] : "");
    if (strcmp(what, "clone-pointers") == 0)
        return clone_pointers();
    if (strcmp(what, "int-vectors") == 0)
        return int_vectors();
    if (strcmp(what, "int") == 0 && argc > 2)
        return int_uncaught(atoi(argv[2]));
    fprintf(stderr, "usage: hostile open|write|links|planted|network|wild|fds|memory|memory-touch|output|kernel-busy"
                    "|tmp|tmp-links|tmp-names|privileged|clone-pointers|int-vectors|int ...\n");
    return 2;
}
