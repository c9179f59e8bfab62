/* readv, writev, preadv, pwritev and their v2 forms (docs/guest-abi.md: the host reads the iovec
 * array and decides each as the plain read or write): order of the vectors, empty vectors, offsets
 * that leave the file position alone, vectors in pages not touched yet and across page
 * boundaries, a writev to a pipe arriving as one write, and Linux's errors. Passes natively too.
 * Exits with the number of the first check that failed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#define PAGE 4096UL

static int failed(int check, const char *what)
{
    printf("check %d failed: %s (errno %d)\n", check, what, errno);
    return check;
}

int main(void)
{
    int fd = open("/tmp/vectored", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return failed(1, "open");

    char hello[] = "hello", sep[] = ", ", world[] = "world", none[] = "-";
    struct iovec out[] = {{hello, 5}, {none, 0}, {sep, 2}, {world, 5}};
    if (writev(fd, out, 4) != 12)
        return failed(2, "writev");
    if (lseek(fd, 0, SEEK_CUR) != 12)
        return failed(3, "writev moves the position");

    char a[3], b[16];
    memset(b, '#', sizeof b);
    struct iovec in[] = {{a, 3}, {b, sizeof b}};
    if (lseek(fd, 0, SEEK_SET) != 0 || readv(fd, in, 2) != 12)
        return failed(4, "readv");
    if (memcmp(a, "hel", 3) != 0 || memcmp(b, "lo, world####", 13) != 0)
        return failed(5, "readv fills the vectors in turn and leaves the rest");

    char p1[2], p2[3];
    struct iovec at[] = {{p1, 2}, {p2, 3}};
    if (preadv(fd, at, 2, 7) != 5 || memcmp(p1, "wo", 2) != 0 || memcmp(p2, "rld", 3) != 0)
        return failed(6, "preadv at an offset");
    char up[] = "HE";
    struct iovec patch[] = {{up, 2}};
    if (pwritev(fd, patch, 1, 0) != 2)
        return failed(7, "pwritev at an offset");
    if (lseek(fd, 0, SEEK_CUR) != 12)
        return failed(8, "preadv and pwritev leave the position");
    if (pwritev2(fd, patch, 1, -1, 0) != 2 || lseek(fd, 0, SEEK_CUR) != 14)
        return failed(9, "pwritev2 at offset -1 writes at the position");
    char two[2];
    struct iovec back[] = {{two, 2}};
    if (preadv2(fd, back, 1, 0, RWF_HIPRI) != 2 || memcmp(two, "HE", 2) != 0)
        return failed(10, "preadv2 at an offset with RWF_HIPRI");

    /* Vectors in fresh pages, one crossing a page boundary: the kernel maps them on demand. */
    unsigned char *area = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED)
        return failed(11, "mmap");
    struct iovec fresh[] = {{area + PAGE - 3, 6}, {area + 3 * PAGE, 5}};
    if (preadv(fd, fresh, 2, 0) != 11)
        return failed(12, "preadv into untouched pages");
    if (memcmp(area + PAGE - 3, "HEllo,", 6) != 0 || memcmp(area + 3 * PAGE, " worl", 5) != 0)
        return failed(13, "preadv into untouched pages: contents");

    /* A writev of several vectors to a pipe is one write: the reader gets it in one read. */
    int pipefd[2];
    if (pipe(pipefd) != 0)
        return failed(14, "pipe");
    char x[] = "ab", y[] = "cd", z[] = "ef";
    struct iovec parts[] = {{x, 2}, {y, 2}, {z, 2}};
    if (writev(pipefd[1], parts, 3) != 6)
        return failed(15, "writev to a pipe");
    char got[16];
    if (read(pipefd[0], got, sizeof got) != 6 || memcmp(got, "abcdef", 6) != 0)
        return failed(16, "the pipe's reader gets the gathered vectors");

    /* Linux's errors. */
    static struct iovec many[IOV_MAX + 1];
    for (int i = 0; i <= IOV_MAX; i++)
        many[i] = (struct iovec){hello, 1};
    errno = 0;
    if (writev(fd, many, IOV_MAX + 1) != -1 || errno != EINVAL)
        return failed(17, "more than IOV_MAX vectors is EINVAL");
    struct iovec negative[] = {{hello, 1}, {hello, (size_t)-1}};
    errno = 0;
    if (writev(fd, negative, 2) != -1 || errno != EINVAL)
        return failed(18, "a length negative as ssize_t is EINVAL");
    struct iovec *volatile unmapped = (struct iovec *)8;
    errno = 0;
    if (writev(fd, unmapped, 1) != -1 || errno != EFAULT)
        return failed(19, "an unmapped iovec array is EFAULT");
    struct iovec bad[] = {{(void *)8, 4}};
    errno = 0;
    if (lseek(fd, 0, SEEK_SET) != 0 || readv(fd, bad, 1) != -1 || errno != EFAULT)
        return failed(20, "an unmapped vector is EFAULT");
    errno = 0;
    if (readv(99, in, 2) != -1 || errno != EBADF)
        return failed(21, "a bad fd is EBADF");
    errno = 0;
    if (preadv(fd, in, 2, -1) != -1 || errno != EINVAL)
        return failed(22, "a negative offset is EINVAL");
    if (writev(fd, out, 0) != 0)
        return failed(23, "no vectors write nothing");

    printf("vectored: ok\n");
    return 0;
}
