/* Times the transitions a program pays inside the micro-VM: a system call the guest kernel
 * answers itself (getppid), one it forwards to the host (lseek), mapping plus first touch of
 * anonymous memory, and reading the clock through the vDSO (no transition) and as a system
 * call (answered in the guest). Prints one line per measurement: name, count, ns per operation. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void report(const char *name, long count, uint64_t start, uint64_t end) {
    printf("%-28s %8ld ops %12.0f ns/op\n", name, count, (double)(end - start) / (double)count);
}

int main(int argc, char **argv) {
    long calls = argc > 1 ? atol(argv[1]) : 2000;
    long pages = argc > 2 ? atol(argv[2]) : 1024;

    /* syscall() rather than the libc wrapper, so that nothing is cached in user space. */
    uint64_t start = now_ns();
    for (long i = 0; i < calls; i++) {
        syscall(SYS_getppid);
    }
    report("getppid (in guest)", calls, start, now_ns());

    start = now_ns();
    for (long i = 0; i < calls; i++) {
        syscall(SYS_lseek, 1, 0L, SEEK_CUR);
    }
    report("lseek (forwarded)", calls, start, now_ns());

    struct timespec t;
    start = now_ns();
    for (long i = 0; i < calls; i++) {
        clock_gettime(CLOCK_MONOTONIC, &t);
    }
    report("clock_gettime (vDSO)", calls, start, now_ns());

    start = now_ns();
    for (long i = 0; i < calls; i++) {
        syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t);
    }
    report("clock_gettime (in guest)", calls, start, now_ns());

    long page = sysconf(_SC_PAGESIZE);
    start = now_ns();
    volatile char *memory = mmap(NULL, (size_t)(pages * page), PROT_READ | PROT_WRITE,
                                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    for (long i = 0; i < pages; i++) {
        memory[i * page] = 1;
    }
    report("mmap + first touch per page", pages, start, now_ns());
    munmap((void *)memory, (size_t)(pages * page));
    return 0;
}
