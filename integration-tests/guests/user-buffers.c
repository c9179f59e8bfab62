/* Buffers, paths and stat structures the host reads and writes in the program's own pages
 * (docs/guest-abi.md, "User addresses"): across page boundaries, in pages not touched yet (the
 * kernel maps them on demand), larger than a 2 MiB page, and into read-only and unmapped pages,
 * which are EFAULT with nothing written. That last part is the sandbox's rule, stricter than
 * Linux, which copies up to the bad page and returns the partial count (checks 7, 8, 11, 12 and
 * 16 fail natively). Exits with the number of the first check that failed. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096UL
#define MIB (1024UL * 1024)
#define LARGE_LEN (5 * MIB + 123)

static int failed(int check, const char *what)
{
    printf("check %d failed: %s (errno %d)\n", check, what, errno);
    return check;
}

static unsigned char *pages(size_t count)
{
    unsigned char *map = mmap(NULL, count * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return map == MAP_FAILED ? NULL : map;
}

static int all(const unsigned char *bytes, size_t len, unsigned char value)
{
    for (size_t i = 0; i < len; i++)
        if (bytes[i] != value)
            return 0;
    return 1;
}

int main(void)
{
    const char *file = "/tmp/user-buffers";
    unsigned char *area = pages(4);
    if (!area)
        return failed(1, "mmap");

    /* A write and a read whose buffers cross a page boundary. */
    unsigned char *across = area + PAGE - 100;
    for (int i = 0; i < 300; i++)
        across[i] = (unsigned char)i;
    int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return failed(2, "open");
    if (write(fd, across, 300) != 300)
        return failed(3, "write across a page boundary");
    memset(area + 2 * PAGE, 0, 2 * PAGE);
    unsigned char *back = area + 3 * PAGE - 7;
    if (pread(fd, back, 300, 0) != 300 || memcmp(back, across, 300) != 0)
        return failed(4, "pread across a page boundary");

    /* A read into pages never touched: the kernel maps them, no EFAULT. */
    unsigned char *fresh = pages(3);
    if (!fresh || pread(fd, fresh + PAGE - 50, 300, 0) != 300 || memcmp(fresh + PAGE - 50, across, 300) != 0)
        return failed(5, "pread into pages not touched yet");

    /* Into a read-only page: EFAULT, nothing written, even in the writable page before it. */
    unsigned char *guarded = pages(2);
    if (!guarded)
        return failed(6, "mmap");
    memset(guarded, 0xee, 2 * PAGE);
    if (mprotect(guarded + PAGE, PAGE, PROT_READ) != 0)
        return failed(6, "mprotect");
    errno = 0;
    if (pread(fd, guarded + PAGE - 100, 200, 0) != -1 || errno != EFAULT)
        return failed(7, "pread into a read-only page is not EFAULT");
    if (!all(guarded, 2 * PAGE, 0xee))
        return failed(8, "a failed pread wrote bytes");
    errno = 0;
    if (pread(fd, guarded + PAGE, 10, 0) != -1 || errno != EFAULT)
        return failed(9, "pread into a read-only page only is not EFAULT");

    /* Into and from an unmapped page: EFAULT, the file unchanged. */
    unsigned char *hole = pages(2);
    if (!hole || munmap(hole + PAGE, PAGE) != 0)
        return failed(10, "munmap");
    memset(hole, 0x11, PAGE);
    errno = 0;
    if (pread(fd, hole + PAGE - 10, 20, 0) != -1 || errno != EFAULT || !all(hole, PAGE, 0x11))
        return failed(11, "pread into an unmapped page is not EFAULT with nothing written");
    errno = 0;
    if (pwrite(fd, hole + PAGE - 10, 20, 0) != -1 || errno != EFAULT)
        return failed(12, "pwrite from an unmapped page is not EFAULT");
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size != 300)
        return failed(13, "fstat after failed writes");

    /* Paths and stat structures across page boundaries, in unmapped and read-only pages. */
    char *path = (char *)area + PAGE - 8;
    strcpy(path, file);
    struct stat *split = (struct stat *)(area + 2 * PAGE - 40);
    if (stat(path, split) != 0 || split->st_size != 300 || !S_ISREG(split->st_mode))
        return failed(14, "stat with path and struct across page boundaries");
    errno = 0;
    if (stat((char *)hole + PAGE, &st) != -1 || errno != EFAULT)
        return failed(15, "a path in an unmapped page is not EFAULT");
    memset(guarded, 0xee, PAGE);
    errno = 0;
    if (stat(file, (struct stat *)(guarded + PAGE - 40)) != -1 || errno != EFAULT || !all(guarded, PAGE, 0xee))
        return failed(16, "a stat into a read-only page is not EFAULT with nothing written");
    errno = 0;
    if (open((char *)hole + PAGE, O_RDONLY) != -1 || errno != EFAULT)
        return failed(17, "open of a path in an unmapped page is not EFAULT");

    /* A buffer larger than a 2 MiB page, written and read back whole. */
    unsigned char *large = mmap(NULL, LARGE_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unsigned char *copy = mmap(NULL, LARGE_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (large == MAP_FAILED || copy == MAP_FAILED)
        return failed(18, "mmap of the large buffers");
    for (size_t i = 0; i < LARGE_LEN; i++)
        large[i] = (unsigned char)(i * 7 + i / 4096);
    if (pwrite(fd, large, LARGE_LEN, 0) != (ssize_t)LARGE_LEN)
        return failed(19, "pwrite of a buffer larger than a 2 MiB page");
    size_t got = 0;
    while (got < LARGE_LEN) {
        ssize_t n = pread(fd, copy + got, LARGE_LEN - got, got);
        if (n <= 0)
            return failed(20, "pread of a buffer larger than a 2 MiB page");
        got += (size_t)n;
    }
    if (memcmp(large, copy, LARGE_LEN) != 0)
        return failed(21, "the large buffer read back differs");

    /* A directory listing into pages not touched yet. */
    int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
    unsigned char *listing = pages(2);
    int seen = 0;
    long n = 1;
    while (!seen && n > 0) {
        n = dir < 0 || !listing ? -1 : syscall(SYS_getdents64, dir, listing + PAGE - 24, 4096);
        for (long at = 0; at < n;) {
            struct dirent64 *entry = (struct dirent64 *)(listing + PAGE - 24 + at);
            seen |= strcmp(entry->d_name, "user-buffers") == 0;
            at += entry->d_reclen;
        }
    }
    if (!seen)
        return failed(22, "getdents64 across a page boundary does not list the file");

    close(fd);
    unlink(file);
    printf("user buffers: ok\n");
    return 0;
}
