/*
 * The vDSO every program finds through AT_SYSINFO_EHDR (docs/guest-abi.md, "vDSO"): the time
 * calls computed in user mode from the TSC and the kernel's clock, which the kernel keeps in the
 * vvar page mapped one page below this image. Clocks it does not serve (the CPU-time ones and
 * unknown ids) go to the real system call, which also gives their errors.
 *
 * The vvar page never changes while a program runs on its one vCPU: no sequence counter.
 * Built with -fPIC and only hidden symbols, so the image needs no relocation.
 */
#include <stddef.h>
#include <stdint.h>

/* The kernel's `Clock` (guest-kernel/src/host/clock.rs), #[repr(C)] at the start of vvar. */
struct clock {
    uint64_t tsc_at_boot;
    uint64_t realtime_at_boot_ns;
    /* Nanoseconds per TSC cycle, SCALE_SHIFT fraction bits. */
    uint64_t ns_per_cycle;
};

#define SCALE_SHIFT 52
#define NANOS_PER_SECOND 1000000000ull
#define PAGE_SIZE 4096
/* Resolution of the coarse clocks, as clock.rs COARSE_RESOLUTION_NS. */
#define COARSE_RESOLUTION_NS 4000000ull

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define CLOCK_TAI 11

#define SYS_gettimeofday 96
#define SYS_time 201
#define SYS_clock_gettime 228
#define SYS_clock_getres 229

struct timespec64 {
    int64_t tv_sec;
    int64_t tv_nsec;
};

struct timeval64 {
    int64_t tv_sec;
    int64_t tv_usec;
};

struct timezone32 {
    int32_t minuteswest;
    int32_t dsttime;
};

/* The first byte of this image, where the kernel mapped it (provided by the linker). */
extern const char __ehdr_start[] __attribute__((visibility("hidden")));

static const struct clock *vvar_clock(void)
{
    /* Through an integer: the page lies outside the object the compiler knows of. */
    uintptr_t image = (uintptr_t)__ehdr_start;
    __asm__("" : "+r"(image));
    return (const struct clock *)(image - PAGE_SIZE);
}

static long system_call2(long nr, long a, long b)
{
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
    return ret;
}

static uint64_t rdtsc(void)
{
    uint32_t low, high;
    __asm__ volatile("rdtsc" : "=a"(low), "=d"(high));
    return ((uint64_t)high << 32) | low;
}

/* Clock::since_boot_ns: the TSC since boot, modulo 2^64 (a clone's host may have moved
 * tsc_at_boot "below 0"), never negative, times the fixed-point scale. */
static uint64_t since_boot_ns(const struct clock *clock)
{
    uint64_t tsc = rdtsc();
    uint64_t cycles = tsc - clock->tsc_at_boot;
    if ((int64_t)cycles < 0) {
        cycles = 0;
    }
    unsigned __int128 ns = ((unsigned __int128)cycles * clock->ns_per_cycle) >> SCALE_SHIFT;
    return ns > UINT64_MAX ? UINT64_MAX : (uint64_t)ns;
}

static uint64_t realtime_ns(const struct clock *clock)
{
    uint64_t since_boot = since_boot_ns(clock);
    uint64_t sum = clock->realtime_at_boot_ns + since_boot;
    return sum < since_boot ? UINT64_MAX : sum;
}

/* Clock::read for the clocks served here; 0 when `id` is not one of them. */
static int read_clock(long id, uint64_t *ns)
{
    const struct clock *clock = vvar_clock();
    switch (id) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_TAI:
        *ns = realtime_ns(clock);
        return 1;
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
        /* Monotonic time starts at one second, as in the kernel. */
        *ns = since_boot_ns(clock) + NANOS_PER_SECOND;
        return 1;
    default:
        return 0;
    }
}

int __vdso_clock_gettime(long id, struct timespec64 *ts)
{
    uint64_t ns;
    if (!read_clock(id, &ns))
        return (int)system_call2(SYS_clock_gettime, id, (long)ts);
    ts->tv_sec = (int64_t)(ns / NANOS_PER_SECOND);
    ts->tv_nsec = (int64_t)(ns % NANOS_PER_SECOND);
    return 0;
}

int __vdso_clock_getres(long id, struct timespec64 *res)
{
    uint64_t ns;
    if (!read_clock(id, &ns))
        return (int)system_call2(SYS_clock_getres, id, (long)res);
    if (res != NULL) {
        int coarse = id == CLOCK_REALTIME_COARSE || id == CLOCK_MONOTONIC_COARSE;
        res->tv_sec = 0;
        res->tv_nsec = coarse ? (int64_t)COARSE_RESOLUTION_NS : 1;
    }
    return 0;
}

int __vdso_gettimeofday(struct timeval64 *tv, struct timezone32 *tz)
{
    if (tv != NULL) {
        uint64_t ns = realtime_ns(vvar_clock());
        tv->tv_sec = (int64_t)(ns / NANOS_PER_SECOND);
        tv->tv_usec = (int64_t)(ns % NANOS_PER_SECOND / 1000);
    }
    if (tz != NULL) {
        tz->minuteswest = 0;
        tz->dsttime = 0;
    }
    return 0;
}

long __vdso_time(long *t)
{
    long seconds = (long)(realtime_ns(vvar_clock()) / NANOS_PER_SECOND);
    if (t != NULL)
        *t = seconds;
    return seconds;
}

/* One vCPU and one NUMA node: always CPU 0 on node 0. */
int __vdso_getcpu(unsigned *cpu, unsigned *node, void *unused)
{
    (void)unused;
    if (cpu != NULL)
        *cpu = 0;
    if (node != NULL)
        *node = 0;
    return 0;
}

/* The names without the prefix, as Linux's vDSO exports both. */
int clock_gettime(long, struct timespec64 *) __attribute__((weak, alias("__vdso_clock_gettime")));
int clock_getres(long, struct timespec64 *) __attribute__((weak, alias("__vdso_clock_getres")));
int gettimeofday(struct timeval64 *, struct timezone32 *) __attribute__((weak, alias("__vdso_gettimeofday")));
long time(long *) __attribute__((weak, alias("__vdso_time")));
int getcpu(unsigned *, unsigned *, void *) __attribute__((weak, alias("__vdso_getcpu")));
