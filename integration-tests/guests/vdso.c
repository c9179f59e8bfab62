/* The vDSO: present in the auxv, a valid ELF image; glibc's clock_gettime, gettimeofday and
   time agree with the system calls and go forward; and they run in the vDSO, reading the vvar
   page below it: with that page unmapped they fault there, while a CPU-time clock, which the
   vDSO leaves to the system call, still works. Prints one line per check, "FAILED" on failure. */
#define _GNU_SOURCE
#include <elf.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

/* The system call and the vDSO read the same TSC and calibration; a tolerance only for the
   time between the reads. */
#define TOLERANCE_NS (50LL * 1000 * 1000)

static int failures;

static void check(int ok, const char *what)
{
    printf("%s: %s\n", what, ok ? "ok" : "FAILED");
    failures += !ok;
}

static long long ns_of(struct timespec ts)
{
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The vDSO's reading (through glibc) brackets the system call's, give or take the tolerance. */
static void agrees_with_the_system_call(clockid_t id, const char *name)
{
    struct timespec before, by_syscall, after;
    clock_gettime(id, &before);
    long rc = syscall(SYS_clock_gettime, id, &by_syscall);
    clock_gettime(id, &after);
    long long b = ns_of(before), s = ns_of(by_syscall), a = ns_of(after);
    char what[96];
    snprintf(what, sizeof what, "%s agrees with the system call", name);
    check(rc == 0 && b <= a && s >= b - TOLERANCE_NS && s <= a + TOLERANCE_NS, what);
    if (!(s >= b - TOLERANCE_NS && s <= a + TOLERANCE_NS))
        printf("  vdso %lld .. %lld, syscall %lld\n", b, a, s);
}

static sigjmp_buf fault_return;
static volatile uintptr_t fault_address;

static void on_fault(int signo, siginfo_t *info, void *context)
{
    (void)signo;
    (void)context;
    fault_address = (uintptr_t)info->si_addr;
    siglongjmp(fault_return, 1);
}

/* Whether `read_time` faults, and where. */
static int faults_at(void (*read_time)(void), uintptr_t page)
{
    fault_address = 0;
    if (sigsetjmp(fault_return, 1) == 0) {
        read_time();
        return 0;
    }
    return fault_address >= page && fault_address < page + 4096;
}

static void read_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
}

static void read_timeofday(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
}

static void read_time(void)
{
    time(NULL);
}

int main(void)
{
    uintptr_t vdso = getauxval(AT_SYSINFO_EHDR);
    check(vdso != 0 && vdso % 4096 == 0, "AT_SYSINFO_EHDR is a page");
    if (vdso == 0)
        return 1;
    const Elf64_Ehdr *ehdr = (const Elf64_Ehdr *)vdso;
    check(memcmp(ehdr->e_ident, ELFMAG, SELFMAG) == 0 && ehdr->e_type == ET_DYN, "the vDSO is an ELF shared object");

    agrees_with_the_system_call(CLOCK_MONOTONIC, "CLOCK_MONOTONIC");
    agrees_with_the_system_call(CLOCK_REALTIME, "CLOCK_REALTIME");
    agrees_with_the_system_call(CLOCK_BOOTTIME, "CLOCK_BOOTTIME");

    struct timeval tv_before, tv_syscall, tv_after;
    gettimeofday(&tv_before, NULL);
    syscall(SYS_gettimeofday, &tv_syscall, NULL);
    gettimeofday(&tv_after, NULL);
    long long tb = tv_before.tv_sec * 1000000LL + tv_before.tv_usec, ts = tv_syscall.tv_sec * 1000000LL + tv_syscall.tv_usec,
              ta = tv_after.tv_sec * 1000000LL + tv_after.tv_usec;
    check(ts >= tb - TOLERANCE_NS / 1000 && ts <= ta + TOLERANCE_NS / 1000 && tv_syscall.tv_usec < 1000000,
          "gettimeofday agrees with the system call");

    time_t t_before = time(NULL), t_syscall = syscall(SYS_time, NULL), t_after = time(NULL);
    check(t_syscall >= t_before - 1 && t_syscall <= t_after + 1 && t_before > 1704067200, "time agrees with the system call");

    struct timespec resolution;
    check(clock_getres(CLOCK_MONOTONIC, &resolution) == 0 && resolution.tv_sec == 0 && resolution.tv_nsec == 1,
          "clock_getres(CLOCK_MONOTONIC) is 1 ns");
    check(sched_getcpu() == 0, "sched_getcpu is CPU 0");

    struct timespec previous, now;
    clock_gettime(CLOCK_MONOTONIC, &previous);
    int forward = 1;
    for (int i = 0; i < 100000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        forward &= ns_of(now) >= ns_of(previous);
        previous = now;
    }
    struct timespec pause = {0, 10 * 1000 * 1000}, later;
    nanosleep(&pause, NULL);
    clock_gettime(CLOCK_MONOTONIC, &later);
    check(forward && ns_of(later) - ns_of(previous) >= pause.tv_nsec, "CLOCK_MONOTONIC goes forward, across a sleep too");

    check(mprotect((void *)(vdso - 4096), 4096, PROT_READ | PROT_WRITE) != 0, "the vvar page cannot be made writable");

    /* Last: without the vvar page the vDSO's clocks fault there, so glibc calls the vDSO. */
    struct sigaction action = {0};
    action.sa_sigaction = on_fault;
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &action, NULL);
    uintptr_t vvar = vdso - 4096;
    check(munmap((void *)vvar, 4096) == 0, "the vvar page unmapped");
    check(faults_at(read_monotonic, vvar), "clock_gettime(CLOCK_MONOTONIC) reads the vvar page");
    check(faults_at(read_timeofday, vvar), "gettimeofday reads the vvar page");
    check(faults_at(read_time, vvar), "time reads the vvar page");
    struct timespec cpu;
    check(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu) == 0, "CLOCK_PROCESS_CPUTIME_ID goes to the system call");

    printf("%d failures\n", failures);
    return failures != 0;
}
