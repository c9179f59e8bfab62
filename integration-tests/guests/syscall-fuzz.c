/*
 * Guest-side system-call fuzzer (docs/security.md, "Fuzzing"):
 *
 *     syscall-fuzz SEED CALLS [trace]
 *
 * issues CALLS system calls chosen by a PRNG seeded with SEED (decimal or 0x hex): mostly the
 * calls the guest kernel implements, weighted, with random and boundary arguments (pointers into
 * the kernel, unmapped, read-only, crossing into a guard page, huge and non-canonical; lengths
 * from 0 to 2^64-1; valid, closed and huge fds, with garbage above the low 32 bits; random flags,
 * paths, structures and I/O vectors), and now and then a number the kernel does not implement.
 * The same SEED gives the same calls. "trace" writes each call to stderr before it is made.
 *
 * What the fuzzer needs to go on is kept out of the calls' reach: pointers lead only into its
 * arena, a read-only page, a guard page and a scratch area for the memory calls, never into its
 * stack, image or heap; a new thread or child process exits at once, on whatever stack it was
 * given. Calls that end the program (exit, exit_group, execve, kill and sigreturn, whose frame is
 * the fuzzer's stack) are rare; blocking calls are interrupted by a 20 ms interval timer. Every
 * 64 calls the fuzzer restores what it relies on (the FS base, SIGALRM and its timer, SIGPIPE
 * ignored), so that a run goes deep rather than ending at the first handler a call replaced.
 *
 * Prints "syscall-fuzz: seed S, N calls" first and, when it gets to the end,
 * "syscall-fuzz: done, N calls, K ok" (through a copy of stdout made at the start: the calls
 * close and replace fd 1 often) and exits 0. How a run may end otherwise (a signal the
 * calls caused, a time-out) is the host's to judge: never a host error or a guest kernel panic.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <fcntl.h>
#include <unistd.h>

/* ---- The PRNG: splitmix64, whose whole state is the seed. ---- */

static uint64_t prng_state;

static uint64_t next(void)
{
    uint64_t z = (prng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t below(uint64_t bound)
{
    return next() % bound;
}

static int percent(int chance)
{
    return (int)below(100) < chance;
}

/* ---- Memory the arguments point into. ---- */

enum { PAGE = 4096, ARENA_SIZE = 16 * PAGE, SCRATCH_SIZE = 256 * PAGE };

static unsigned char *arena;     /* read-write, followed by the guard page */
static unsigned char *guard;     /* unmapped */
static unsigned char *read_only; /* one page, PROT_READ */
static unsigned char *scratch;   /* what mmap, munmap, mprotect, mremap, madvise and brk get */

/* Addresses that are not the program's: the guest kernel's half, the edges of user space, non-canonical. */
static const uint64_t WILD_ADDRESSES[] = {
    0x0,
    0x1,
    0xfff,
    0x1000,
    0x00007efffffff000ULL, /* the last user page */
    0x00007f0000000000ULL - 1,                       /* USER_TOP - 1 */
    0x00007f0000000000ULL,                           /* USER_TOP */
    0x00007f8000000000ULL,                           /* the direct map: guest physical 0 */
    0x00007f8000200000ULL,                           /* the kernel image */
    0x00007f8000100000ULL,
    0x00007ffffffff000ULL,
    0x0000800000000000ULL, /* the first non-canonical address */
    0xffff800000000000ULL,
    0xffffffff80000000ULL,
    0xffffffffff600000ULL, /* the vsyscall page on Linux */
    0x8000000000000000ULL,
    0xfffffffffffff000ULL,
    0xffffffffffffffffULL,
};
#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

static uint64_t wild_address(void)
{
    uint64_t address = WILD_ADDRESSES[below(COUNT(WILD_ADDRESSES))];
    return percent(20) ? address - below(64) : address;
}

/* Fills `n` bytes of the arena at `at` with random bytes. */
static void scribble(unsigned char *at, size_t n)
{
    for (size_t i = 0; i < n; i += 8) {
        uint64_t word = next();
        memcpy(at + i, &word, n - i < 8 ? n - i : 8);
    }
}

/* A pointer the kernel reads or writes through. */
static uint64_t pointer(void)
{
    switch (below(16)) {
    case 0:
        return 0;
    case 1:
    case 2:
        return wild_address();
    case 3: /* runs into the guard page */
        return (uint64_t)(guard - 1 - below(64));
    case 4:
        return (uint64_t)(guard + below(PAGE));
    case 5:
        return (uint64_t)(read_only + below(PAGE));
    case 6:
        return next();
    default: {
        size_t offset = below(ARENA_SIZE);
        scribble(arena + offset, ARENA_SIZE - offset < 256 ? ARENA_SIZE - offset : 256);
        return (uint64_t)(arena + (percent(50) ? offset & ~7UL : offset));
    }
    }
}

static const uint64_t LENGTHS[] = {
    0, 1, 2, 3, 4, 7, 8, 16, 24, 64, 128, 255, 256, 4095, 4096, 4097, 65535, 65536, 1 << 20,
    0x7fffffff, 0x80000000, 0xffffffff, 1ULL << 32, 1ULL << 40, 1ULL << 62, 0x7fffffffffffffffULL,
    0xffffffffffffffffULL,
};

static uint64_t length(void)
{
    switch (below(4)) {
    case 0:
        return below(64);
    case 1:
        return below(ARENA_SIZE + 64);
    case 2:
        return next() >> below(64);
    default:
        return LENGTHS[below(COUNT(LENGTHS))];
    }
}

/* ---- File descriptors. ---- */

enum { POOL = 24 };
static int fds[POOL]; /* opened at the start, and what calls returned since */
static int fd_count;

static void remember_fd(long fd)
{
    if (fd >= 0 && fd < (1 << 20)) {
        if (fd_count < POOL)
            fds[fd_count++] = (int)fd;
        else
            fds[below(POOL)] = (int)fd;
    }
}

static uint64_t fd(void)
{
    switch (below(10)) {
    case 0:
        return (uint64_t)(int64_t)-100; /* AT_FDCWD */
    case 1:
        return below(3);
    case 2:
        return below(1100);
    case 3: {
        static const uint64_t odd[] = {(uint64_t)-1, 1 << 20, 0x7fffffff, 0x80000000, 0xffffffff, 1ULL << 32,
                                       (uint64_t)-1 << 31};
        return odd[below(COUNT(odd))];
    }
    case 4: /* a valid fd with garbage in the upper half: the kernel reads an int */
        return (next() << 32) | (uint32_t)(fd_count ? fds[below(fd_count)] : 0);
    default:
        return fd_count ? (uint64_t)fds[below(fd_count)] : below(16);
    }
}

/* ---- Numbers, flags and the rest. ---- */

static uint64_t flags(void)
{
    switch (below(6)) {
    case 0:
        return 0;
    case 1:
        return next();
    case 2:
        return (uint32_t)next();
    case 3:
        return (uint64_t)-1;
    default: {
        uint64_t bits = 0;
        for (int i = 1 + below(3); i > 0; i--)
            bits |= 1ULL << below(percent(80) ? 24 : 64);
        return bits;
    }
    }
}

static uint64_t number(void)
{
    switch (below(5)) {
    case 0:
        return below(8);
    case 1:
        return below(70);
    case 2:
        return (uint64_t)-1 - below(4);
    case 3:
        return LENGTHS[below(COUNT(LENGTHS))];
    default:
        return next();
    }
}

static const char *const PATHS[] = {
    "/tmp/fuzz-file", "/tmp/fuzz-dir", "/tmp/fuzz-dir/inner", "/tmp/fuzz-link", "/tmp/fuzz-new", "/tmp",
    "/tmp/", "/app", "/app/syscall-fuzz", "/", ".", "..", "", "/tmp/../../../..", "//tmp//fuzz-file",
    "/proc/self/exe", "/proc/self/fd/0", "/dev/null", "/dev/zero", "/etc/passwd", "/tmp/fuzz-dir/../fuzz-file",
    "fuzz-relative", "/tmp/\xff\xfe", "/nonexistent/x",
};

/* A path: a known name, a long one, one without its NUL before the guard page, or any pointer. */
static uint64_t path(void)
{
    switch (below(10)) {
    case 0: {
        size_t n = below(3) == 0 ? 4096 + below(8) : 200 + below(4000);
        unsigned char *at = arena + PAGE;
        for (size_t i = 0; i < n; i++)
            at[i] = i % 64 == 0 ? '/' : 'a' + i % 26;
        at[n] = 0;
        return (uint64_t)at;
    }
    case 1: { /* no NUL before the guard page */
        size_t n = 1 + below(300);
        memset(guard - n, 'x', n);
        return (uint64_t)(guard - n);
    }
    case 2:
        return pointer();
    default: {
        const char *name = PATHS[below(COUNT(PATHS))];
        size_t n = strlen(name) + 1;
        unsigned char *at = arena + 2 * PAGE + below(PAGE - n);
        memcpy(at, name, n);
        return (uint64_t)at;
    }
    }
}

/* A timespec (or timeval) pointer: mostly short, valid times so that sleeps and waits end. */
static uint64_t time_pointer(void)
{
    if (percent(25))
        return pointer();
    int64_t *at = (int64_t *)(arena + 3 * PAGE + 16 * below(16));
    at[0] = percent(90) ? 0 : (int64_t)number();
    at[1] = percent(90) ? (int64_t)below(2000000) : (int64_t)number();
    return (uint64_t)at;
}

/* An I/O vector array in the arena, each entry an arbitrary pointer and length. */
static uint64_t iovec_pointer(void)
{
    if (percent(20))
        return pointer();
    uint64_t *at = (uint64_t *)(arena + 4 * PAGE);
    for (int i = 0; i < 16; i++) {
        at[2 * i] = percent(70) ? (uint64_t)(arena + 8 * PAGE + below(4 * PAGE)) : pointer();
        at[2 * i + 1] = percent(70) ? below(512) : length();
    }
    return (uint64_t)at;
}

/* A pointer to an array of string pointers (argv, envp): valid ones end in NULL. */
static uint64_t string_array(void)
{
    if (percent(30))
        return pointer();
    uint64_t *at = (uint64_t *)(arena + 5 * PAGE);
    char *text = (char *)(arena + 6 * PAGE);
    snprintf(text, 64, "%llu", (unsigned long long)next());
    memcpy(text + 64, "20", 3);
    at[0] = (uint64_t)"syscall-fuzz";
    at[1] = (uint64_t)text;
    at[2] = (uint64_t)(text + 64);
    at[3] = percent(90) ? 0 : pointer();
    at[4] = 0;
    return (uint64_t)at;
}

/*
 * Addresses and lengths for the memory calls (mmap, munmap, mprotect, mremap, madvise, brk):
 * mostly in the scratch area, whose pages the fuzzer never uses and which lies between two
 * PROT_NONE pads as long as the longest length it gets, so that no call reaches the fuzzer's
 * own memory; or above user space (any length); or at the bottom of it (below the program).
 */
enum { PAD = 64 * PAGE };
static uint64_t last_address; /* the ADDR argument before a MLEN one */
static int last_address_high; /* whether it lies above user space */

static uint64_t memory_address(void)
{
    last_address_high = 0;
    switch (below(10)) {
    case 0:
        last_address = below(4) == 0 ? below(3) : PAGE * below(4);
        break;
    case 1:
    case 2: {
        static const uint64_t high[] = {0x00007f0000000000ULL, 0x00007f8000000000ULL, 0x00007f8000200000ULL,
                                        0x0000800000000000ULL, 0xffff800000000000ULL, 0xfffffffffffff000ULL};
        last_address = high[below(COUNT(high))] + (percent(20) ? below(PAGE) : 0);
        last_address_high = 1;
        break;
    }
    case 3:
        last_address = (uint64_t)(scratch + below(SCRATCH_SIZE));
        break;
    default:
        last_address = (uint64_t)(scratch + PAGE * below(SCRATCH_SIZE / PAGE));
    }
    return last_address;
}

static uint64_t memory_length(void)
{
    if (last_address_high)
        return percent(50) ? PAGE * (1 + below(32)) : length();
    uint64_t pages = last_address < (uint64_t)scratch ? 1 + below(PAD / PAGE) : 1 + below(32);
    return percent(10) ? pages * PAGE - below(PAGE) : pages * PAGE;
}

/* A signal mask: mostly one that leaves SIGALRM, the fuzzer's way out of blocking calls, open. */
static uint64_t mask_pointer(void)
{
    if (percent(20))
        return pointer();
    uint64_t *at = (uint64_t *)(arena + 7 * PAGE + 8 * below(16));
    *at = next() & ~(1ULL << (SIGALRM - 1));
    return (uint64_t)at;
}

/* A signal for a handler to be set: rarely SIGALRM, for the same reason. */
static uint64_t handled_signal(void)
{
    uint64_t signal = below(65);
    return signal == SIGALRM && percent(90) ? SIGUSR1 : signal;
}

static uint64_t signal_number(void)
{
    return percent(90) ? below(65) : number();
}

static uint64_t pid(void)
{
    switch (below(6)) {
    case 0:
        return 0;
    case 1:
        return (uint64_t)-1;
    case 2:
        return (uint64_t)getpid();
    case 3:
        return (uint64_t)getpid() + 1 + below(4);
    case 4:
        return (uint64_t)-(int64_t)getpid();
    default:
        return number();
    }
}

/* ---- The calls. ---- */

/* What each argument is. */
enum kind { ANY, FD, PTR, LEN, FLAGS, NUM, PATH, TIME, IOV, ARGV, ADDR, MLEN, SIG, HSIG, MASK, PID, MODE };

struct call {
    long nr;
    int weight; /* out of the table's total */
    enum kind args[6];
};

/* A call of weight w; R: one that ends the run, whose weight is in hundredths of that. */
#define C(name, w, ...) {SYS_##name, 100 * (w), {__VA_ARGS__}}
#define R(name, w, ...) {SYS_##name, w, {__VA_ARGS__}}

static const struct call CALLS[] = {
    C(read, 10, FD, PTR, LEN), C(write, 10, FD, PTR, LEN), C(open, 8, PATH, FLAGS, MODE), C(close, 6, FD),
    C(stat, 5, PATH, PTR), C(fstat, 5, FD, PTR), C(lstat, 4, PATH, PTR), C(poll, 5, PTR, NUM, NUM),
    C(lseek, 5, FD, NUM, NUM), C(mmap, 8, ADDR, MLEN, NUM, FLAGS, FD, LEN), C(mprotect, 6, ADDR, MLEN, NUM),
    C(munmap, 6, ADDR, MLEN), C(brk, 3, ADDR), C(rt_sigaction, 4, HSIG, PTR, PTR, NUM),
    C(rt_sigprocmask, 5, NUM, MASK, PTR, NUM), R(rt_sigreturn, 2), C(rt_sigpending, 3, PTR, NUM),
    C(rt_sigsuspend, 1, MASK, NUM), C(rt_sigtimedwait, 2, PTR, PTR, TIME, NUM), C(pause, 1), C(alarm, 2, NUM),
    C(setitimer, 3, NUM, PTR, PTR), C(getitimer, 3, NUM, PTR), R(tkill, 2, PID, SIG), R(tgkill, 2, PID, PID, SIG),
    C(ioctl, 6, FD, NUM, PTR), C(pread64, 5, FD, PTR, LEN, LEN), C(pwrite64, 5, FD, PTR, LEN, LEN),
    C(readv, 5, FD, IOV, NUM), C(writev, 5, FD, IOV, NUM), C(access, 3, PATH, MODE),
    C(select, 3, NUM, PTR, PTR, PTR, TIME), C(sched_yield, 2), C(mremap, 4, ADDR, MLEN, MLEN, FLAGS, ADDR),
    C(madvise, 4, ADDR, MLEN, NUM), C(dup, 4, FD), C(dup2, 4, FD, FD), C(nanosleep, 3, TIME, PTR),
    C(getpid, 1), C(socket, 3, NUM, NUM, NUM), C(connect, 3, FD, PTR, LEN), C(shutdown, 2, FD, NUM),
    C(bind, 3, FD, PTR, LEN), C(listen, 2, FD, NUM), C(clone, 4, FLAGS, ADDR, PTR, PTR, PTR), R(exit, 3, NUM),
    C(uname, 2, PTR), C(fcntl, 8, FD, NUM, ANY), C(fsync, 2, FD), C(fdatasync, 2, FD), C(ftruncate, 4, FD, LEN),
    C(getcwd, 3, PTR, LEN), C(chdir, 3, PATH), C(fchdir, 3, FD), C(rename, 4, PATH, PATH), C(mkdir, 4, PATH, MODE),
    C(rmdir, 3, PATH), C(creat, 3, PATH, MODE), C(unlink, 4, PATH), C(readlink, 4, PATH, PTR, LEN),
    C(umask, 2, MODE), C(statfs, 3, PATH, PTR), C(fstatfs, 3, FD, PTR), C(mknod, 2, PATH, MODE, NUM),
    C(mknodat, 2, FD, PATH, MODE, NUM), C(gettimeofday, 2, PTR, PTR), C(getrlimit, 3, NUM, PTR),
    C(getuid, 1), C(getgid, 1), C(geteuid, 1), C(getegid, 1), C(getppid, 1), C(getrusage, 3, NUM, PTR),
    C(sysinfo, 2, PTR), C(times, 2, PTR), C(setuid, 2, NUM), C(setgid, 2, NUM), C(getpgrp, 1),
    C(getgroups, 2, NUM, PTR), C(getresuid, 2, PTR, PTR, PTR), C(getresgid, 2, PTR, PTR, PTR),
    C(getpgid, 2, PID), C(getsid, 2, PID), C(sigaltstack, 3, PTR, PTR), C(futex, 6, PTR, NUM, NUM, TIME, PTR, NUM),
    C(sched_setaffinity, 2, PID, LEN, PTR), C(sched_getaffinity, 2, PID, LEN, PTR), C(chmod, 3, PATH, MODE),
    C(fchmodat, 3, FD, PATH, MODE, FLAGS), C(utimensat, 3, FD, PATH, PTR, FLAGS), C(fchmod, 3, FD, MODE),
    C(symlinkat, 3, PATH, FD, PATH), C(symlink, 3, PATH, PATH), C(linkat, 3, FD, PATH, FD, PATH, FLAGS),
    C(link, 3, PATH, PATH), C(sendfile, 4, FD, FD, PTR, LEN), C(fchownat, 2, FD, PATH, NUM, NUM, FLAGS),
    C(chown, 2, PATH, NUM, NUM), C(lchown, 2, PATH, NUM, NUM), C(fchown, 2, FD, NUM, NUM),
    C(statx, 5, FD, PATH, FLAGS, NUM, PTR), C(setxattr, 1, PATH, PATH, PTR, LEN, FLAGS),
    C(lsetxattr, 1, PATH, PATH, PTR, LEN, FLAGS), C(fsetxattr, 1, FD, PATH, PTR, LEN, FLAGS),
    C(getxattr, 1, PATH, PATH, PTR, LEN), C(lgetxattr, 1, PATH, PATH, PTR, LEN), C(fgetxattr, 1, FD, PATH, PTR, LEN),
    C(listxattr, 1, PATH, PTR, LEN), C(llistxattr, 1, PATH, PTR, LEN), C(flistxattr, 1, FD, PTR, LEN),
    C(removexattr, 1, PATH, PATH), C(lremovexattr, 1, PATH, PATH), C(fremovexattr, 1, FD, PATH),
    C(arch_prctl, 3, NUM, PTR), C(setrlimit, 2, NUM, PTR), C(gettid, 1), C(time, 2, PTR),
    C(getdents64, 5, FD, PTR, LEN), C(set_tid_address, 2, PTR), C(clock_settime, 2, NUM, PTR),
    C(clock_gettime, 4, NUM, PTR), C(clock_getres, 3, NUM, PTR), C(clock_nanosleep, 3, NUM, FLAGS, TIME, PTR),
    R(exit_group, 3, NUM), C(openat, 10, FD, PATH, FLAGS, MODE), C(mkdirat, 3, FD, PATH, MODE),
    C(newfstatat, 5, FD, PATH, PTR, FLAGS), C(unlinkat, 4, FD, PATH, FLAGS), C(renameat, 3, FD, PATH, FD, PATH),
    C(readlinkat, 3, FD, PATH, PTR, LEN), C(faccessat, 3, FD, PATH, MODE), C(pselect6, 3, NUM, PTR, PTR, PTR, TIME, PTR),
    C(ppoll, 3, PTR, NUM, TIME, MASK, NUM), C(set_robust_list, 2, PTR, LEN), C(get_robust_list, 2, PID, PTR, PTR),
    C(dup3, 4, FD, FD, FLAGS), C(prlimit64, 3, PID, NUM, PTR, PTR), C(renameat2, 3, FD, PATH, FD, PATH, FLAGS),
    C(getrandom, 3, PTR, LEN, FLAGS), C(clone3, 3, PTR, LEN), C(faccessat2, 3, FD, PATH, MODE, FLAGS),
    C(accept, 2, FD, PTR, PTR), C(accept4, 2, FD, PTR, PTR, FLAGS), C(sendto, 3, FD, PTR, LEN, FLAGS, PTR, LEN),
    C(recvfrom, 3, FD, PTR, LEN, FLAGS, PTR, PTR), C(sendmsg, 3, FD, PTR, FLAGS), C(recvmsg, 3, FD, PTR, FLAGS),
    C(getsockname, 2, FD, PTR, PTR), C(getpeername, 2, FD, PTR, PTR), C(setsockopt, 2, FD, NUM, NUM, PTR, LEN),
    C(getsockopt, 2, FD, NUM, NUM, PTR, PTR), C(pipe, 3, PTR), C(socketpair, 2, NUM, NUM, NUM, PTR),
    C(vfork, 1), C(fork, 2), R(execve, 2, PATH, ARGV, ARGV), R(execveat, 2, FD, PATH, ARGV, ARGV, FLAGS),
    C(wait4, 4, PID, PTR, FLAGS, PTR), C(waitid, 3, NUM, PID, PTR, FLAGS, PTR), R(kill, 2, PID, SIG),
    C(pipe2, 3, PTR, FLAGS),
};

/* Out of every 1000 calls, this many get a number the kernel does not implement. */
enum { UNIMPLEMENTED_PER_MILLE = 40 };

static uint64_t argument(enum kind kind)
{
    switch (kind) {
    case FD:
        return fd();
    case PTR:
        return pointer();
    case LEN:
        return length();
    case FLAGS:
        return flags();
    case NUM:
        return number();
    case PATH:
        return path();
    case TIME:
        return time_pointer();
    case IOV:
        return iovec_pointer();
    case ARGV:
        return string_array();
    case ADDR:
        return memory_address();
    case MLEN:
        return memory_length();
    case SIG:
        return signal_number();
    case HSIG:
        return handled_signal();
    case MASK:
        return mask_pointer();
    case PID:
        return pid();
    case MODE:
        return percent(80) ? below(010000) : number();
    default:
        return percent(50) ? number() : pointer();
    }
}

/* Whether call `nr` may end the run (or the fuzzer's control of it) when it succeeds. */
static int ends_run(long nr)
{
    return nr == SYS_exit || nr == SYS_exit_group || nr == SYS_execve || nr == SYS_execveat || nr == SYS_kill ||
           nr == SYS_tkill || nr == SYS_tgkill || nr == SYS_rt_sigreturn;
}

/* A system call as the kernel sees it; a new thread or child process exits at once, touching no stack. */
static long raw_syscall(long nr, const uint64_t a[6])
{
    long result;
    register uint64_t r10 __asm__("r10") = a[3];
    register uint64_t r8 __asm__("r8") = a[4];
    register uint64_t r9 __asm__("r9") = a[5];
    __asm__ volatile("syscall\n\t"
                     "test %%rax, %%rax\n\t"
                     "jnz 1f\n\t"
                     "cmp $" "56" ", %%rbx\n\t" /* clone */
                     "je 2f\n\t"
                     "cmp $" "57" ", %%rbx\n\t" /* fork */
                     "je 2f\n\t"
                     "cmp $" "58" ", %%rbx\n\t" /* vfork */
                     "je 2f\n\t"
                     "cmp $" "435" ", %%rbx\n\t" /* clone3 */
                     "jne 1f\n\t"
                     "2:\n\t"
                     "mov $60, %%eax\n\t" /* exit(0): the new thread, or the child's only thread */
                     "xor %%edi, %%edi\n\t"
                     "syscall\n\t"
                     "1:"
                     : "=a"(result)
                     : "0"(nr), "b"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return result;
}

_Static_assert(SYS_clone == 56 && SYS_fork == 57 && SYS_vfork == 58 && SYS_clone3 == 435, "x86-64 numbers");

static int total_weight;

static const struct call *choose(void)
{
    int pick = (int)below(total_weight);
    for (size_t i = 0; i < COUNT(CALLS); i++) {
        pick -= CALLS[i].weight;
        if (pick < 0)
            return &CALLS[i];
    }
    return &CALLS[0];
}

static void on_alarm(int signal)
{
    (void)signal;
}

static uint64_t fs_base;

/* Restores what the fuzzer relies on: its FS base (glibc's thread pointer), SIGALRM and its timer, SIGPIPE ignored. */
static void restore(void)
{
    syscall(SYS_arch_prctl, 0x1002 /* ARCH_SET_FS */, fs_base);
    struct sigaction alarm_action = {.sa_handler = on_alarm};
    sigaction(SIGALRM, &alarm_action, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigset_t alarm_only;
    sigemptyset(&alarm_only);
    sigaddset(&alarm_only, SIGALRM);
    sigprocmask(SIG_UNBLOCK, &alarm_only, NULL);
    struct itimerval every_20_ms = {{0, 20000}, {0, 20000}};
    setitimer(ITIMER_REAL, &every_20_ms, NULL);
}

/* Files, a directory, a link, a pipe and a socket pair for the fds and paths to find. */
static void prepare_files(void)
{
    mkdir("/tmp/fuzz-dir", 0755);
    int file = open("/tmp/fuzz-file", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (file >= 0)
        write(file, "some bytes of a file\n", 21);
    symlink("fuzz-file", "/tmp/fuzz-link");
    remember_fd(file);
    remember_fd(open("/tmp/fuzz-dir", O_RDONLY | O_DIRECTORY));
    remember_fd(open("/app", O_RDONLY | O_DIRECTORY));
    remember_fd(open("/app/syscall-fuzz", O_RDONLY));
    int ends[2];
    if (pipe(ends) == 0) {
        remember_fd(ends[0]);
        remember_fd(ends[1]);
    }
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, ends) == 0) {
        remember_fd(ends[0]);
        remember_fd(ends[1]);
    }
}

/* Where the last line and the trace go: copies of stdout and stderr made at the start. */
enum { REPORT_FD = 1000, TRACE_FD = 1001 };

static void trace_call(long index, long nr, const uint64_t a[6])
{
    char line[200];
    int n = snprintf(line, sizeof line, "#%ld nr %ld (%#llx, %#llx, %#llx, %#llx, %#llx, %#llx)\n", index, nr,
                     (unsigned long long)a[0], (unsigned long long)a[1], (unsigned long long)a[2],
                     (unsigned long long)a[3], (unsigned long long)a[4], (unsigned long long)a[5]);
    syscall(SYS_write, TRACE_FD, line, n);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: syscall-fuzz SEED CALLS [trace]\n");
        return 2;
    }
    uint64_t seed = strtoull(argv[1], NULL, 0);
    long calls = strtol(argv[2], NULL, 0);
    int trace = argc > 3 && strcmp(argv[3], "trace") == 0;
    prng_state = seed;
    printf("syscall-fuzz: seed %#llx, %ld calls\n", (unsigned long long)seed, calls);
    fflush(stdout);
    /* The calls close and replace fds 1 and 2 often, fds this high rarely. */
    dup2(1, REPORT_FD);
    if (trace)
        dup2(2, TRACE_FD);

    arena = mmap(NULL, ARENA_SIZE + PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    read_only = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unsigned char *padded = mmap(NULL, PAD + SCRATCH_SIZE + PAD, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                                 -1, 0);
    scratch = padded + PAD;
    if (arena == MAP_FAILED || read_only == MAP_FAILED || padded == MAP_FAILED) {
        perror("mmap");
        return 3;
    }
    guard = arena + ARENA_SIZE;
    munmap(guard, PAGE);
    scribble(read_only, PAGE);
    mprotect(read_only, PAGE, PROT_READ);
    syscall(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, &fs_base);
    prepare_files();
    for (size_t i = 0; i < COUNT(CALLS); i++)
        total_weight += CALLS[i].weight;
    restore();

    long succeeded = 0;
    for (long i = 0; i < calls; i++) {
        if (i % 64 == 63)
            restore();
        uint64_t a[6];
        long nr;
        if (below(1000) < UNIMPLEMENTED_PER_MILLE) {
            static const long unknown[] = {-1, 134, 135, 153, 155, 156, 169, 175, 180, 212, 248, 321, 323, 334,
                                           335, 387, 450, 461, 462, 511, 512, 1000, 0x40000000 + 1, 1L << 32};
            nr = percent(50) ? unknown[below(COUNT(unknown))] : (long)below(600);
            if (ends_run(nr))
                nr += 1000;
            for (int k = 0; k < 6; k++)
                a[k] = argument(ANY);
        } else {
            const struct call *call = choose();
            nr = call->nr;
            for (int k = 0; k < 6; k++)
                a[k] = argument(call->args[k]);
        }
        if (trace)
            trace_call(i, nr, a);
        long result = raw_syscall(nr, a);
        if (result >= 0) {
            succeeded++;
            if (nr == SYS_open || nr == SYS_openat || nr == SYS_dup || nr == SYS_dup2 || nr == SYS_dup3 ||
                nr == SYS_creat || nr == SYS_socket || nr == SYS_accept || nr == SYS_accept4 ||
                (nr == SYS_fcntl && (a[1] == F_DUPFD || a[1] == F_DUPFD_CLOEXEC)))
                remember_fd(result);
        }
        if (nr == SYS_arch_prctl)
            syscall(SYS_arch_prctl, 0x1002 /* ARCH_SET_FS */, fs_base);
    }
    restore();
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    dprintf(REPORT_FD, "syscall-fuzz: done, %ld calls, %ld ok\n", calls, succeeded);
    return 0;
}
