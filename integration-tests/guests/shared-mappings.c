// Writable MAP_SHARED file mappings (issue 18): writes reach the file on msync, munmap and the
// end of the process, read() sees them afterwards, and the open mode decides what may be
// mapped writable. Run with the directory to work in as argv[1] (/tmp in the sandbox) and,
// optionally, a file on a read-only mount as argv[2].
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096
static char path[256];

static const char *err(int e) {
    switch (e) {
    case EACCES: return "EACCES";
    case EROFS: return "EROFS";
    default: return "other";
    }
}

/* A fresh file of two pages and 100 bytes of '.'. */
static void fresh_file(void) {
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    char dots[2 * PAGE + 100];
    memset(dots, '.', sizeof dots);
    if (fd < 0 || write(fd, dots, sizeof dots) != (ssize_t) sizeof dots) {
        perror("fresh_file");
        exit(1);
    }
    close(fd);
}

/* Maps the whole file (three pages) shared and writable, closing the fd at once. */
static char *map_file(void) {
    int fd = open(path, O_RDWR);
    char *map = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        printf("mmap: %s\n", err(errno));
        exit(1);
    }
    close(fd);
    return map;
}

/* The file's bytes at `offset`, through a new fd. */
static const char *file_at(off_t offset, size_t len) {
    static char buffer[64];
    int fd = open(path, O_RDONLY);
    ssize_t n = pread(fd, buffer, len, offset);
    close(fd);
    buffer[n < 0 ? 0 : n] = 0;
    return buffer;
}

static long long file_size(void) {
    struct stat st;
    return stat(path, &st) == 0 ? (long long) st.st_size : -1;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(path, sizeof path, "%s/shared-mapping", argc > 1 ? argv[1] : "/tmp");

    fresh_file();
    char *map = map_file();
    printf("mapped: %.3s\n", map + PAGE);
    memcpy(map, "hello", 5);
    memcpy(map + PAGE + 10, "world", 5);
    // Past the end of the file but inside its last page: never written to the file.
    memcpy(map + 2 * PAGE + 200, "beyond", 6);
    printf("msync: %d\n", msync(map, 3 * PAGE, MS_SYNC));
    printf("after-msync: %s", file_at(0, 5));
    printf(" %s\n", file_at(PAGE + 10, 5));
    printf("size-kept: %lld\n", file_size());

    memcpy(map + 100, "async", 5);
    int synced = msync(map, PAGE, MS_ASYNC);
    printf("msync-async: %d %s\n", synced, file_at(100, 5));

    // Written, then made read-only: the written page still reaches the file.
    memcpy(map + 200, "protected", 9);
    printf("mprotect: %d\n", mprotect(map, 3 * PAGE, PROT_READ));
    printf("munmap: %d\n", munmap(map, 3 * PAGE));
    printf("after-munmap: %s\n", file_at(200, 9));

    // Two mappings of the file at once see each other's writes.
    char *first = map_file();
    memcpy(first + 300, "first", 5);
    char *second = map_file();
    printf("second-sees-first: %.5s\n", second + 300);
    memcpy(second + PAGE + 300, "second", 6);
    printf("first-sees-second: %.6s\n", first + PAGE + 300);
    munmap(second, 3 * PAGE);
    munmap(first, 3 * PAGE);
    printf("both-written: %s", file_at(300, 5));
    printf(" %s\n", file_at(PAGE + 300, 6));

    // Dropping pages of a shared file mapping: they read back as the file, not as zeros.
    map = map_file();
    memcpy(map + 400, "advised", 7);
    int advised = madvise(map, PAGE, MADV_DONTNEED);
    printf("dontneed: %d %.7s\n", advised, map + 400);
    munmap(map, 3 * PAGE);

    // Bytes the system stores into the mapping (pread into it) reach the file as the
    // program's own writes do.
    map = map_file();
    int source = open(path, O_RDONLY);
    ssize_t stored = pread(source, map + 900, 5, 0);
    close(source);
    munmap(map, 3 * PAGE);
    printf("pread-into: %zd %s\n", stored, file_at(900, 5));

    // A child's writes reach the file when it exits, without msync; it sees its parent's.
    map = map_file();
    memcpy(map + 500, "parent", 6);
    pid_t child = fork();
    if (child == 0) {
        memcpy(map + 600, "child", 5);
        printf("child-sees-parent: %s\n", file_at(500, 6));
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    printf("child-exited: %s\n", file_at(600, 5));
    munmap(map, 3 * PAGE);

    // Grown with the file (as Python's mmap.resize does): the new page reads the file and
    // takes writes; shrunk again, what is left is still the file's.
    map = map_file();
    int fd = open(path, O_RDWR);
    ftruncate(fd, 4 * PAGE);
    pwrite(fd, "grown", 5, 3 * PAGE + 8);
    char *grown = mremap(map, 3 * PAGE, 4 * PAGE, MREMAP_MAYMOVE);
    printf("mremap-grow: %.5s\n", grown == MAP_FAILED ? err(errno) : grown + 3 * PAGE + 8);
    memcpy(grown + 3 * PAGE + 20, "tail", 4);
    memcpy(grown + 700, "moved", 5);
    char *shrunk = mremap(grown, 4 * PAGE, PAGE, 0);
    printf("mremap-shrink: %s", shrunk == grown ? "in place" : "moved");
    printf(" %s", file_at(3 * PAGE + 20, 4));
    printf(" %s\n", file_at(700, 5));
    memcpy(shrunk + 800, "short", 5);
    munmap(shrunk, PAGE);
    printf("after-shrink: %s\n", file_at(800, 5));
    close(fd);

    // The open mode decides, as on Linux.
    int read_only = open(path, O_RDONLY);
    void *refused = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, read_only, 0);
    printf("read-only-fd-writable: %s\n", refused == MAP_FAILED ? err(errno) : "mapped");
    char *readable = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, read_only, 0);
    printf("read-only-fd-readable: %.5s\n", readable == MAP_FAILED ? err(errno) : readable);
    printf("read-only-fd-mprotect: %s\n", mprotect(readable, PAGE, PROT_READ | PROT_WRITE) ? err(errno) : "writable");
    munmap(readable, PAGE);
    close(read_only);
    int append = open(path, O_RDWR | O_APPEND);
    refused = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, append, 0);
    printf("append-fd-writable: %s\n", refused == MAP_FAILED ? err(errno) : "mapped");
    munmap(refused, PAGE);
    close(append);
    if (argc > 2) {
        int image = open(argv[2], O_RDWR);
        printf("image-read-write: %s\n", image < 0 ? err(errno) : "opened");
        image = open(argv[2], O_RDONLY);
        refused = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, image, 0);
        printf("image-writable: %s\n", refused == MAP_FAILED ? err(errno) : "mapped");
    }
    unlink(path);
    return 0;
}
