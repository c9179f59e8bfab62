/* Makes forwarded system calls in a loop until the VM is stopped, which the JMH benchmarks count
 * on the host as they arrive:
 *   forwarded-calls             lseek on fd 1 (a host handler answers it at once: a null call)
 *   forwarded-calls read FILE   a 64 KiB pread64 at offset 0 of FILE, served by the host's file */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static char buffer[64 * 1024];

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "read") == 0) {
        int fd = open(argv[2], O_RDONLY);
        if (fd < 0) {
            perror(argv[2]);
            return 1;
        }
        for (;;) {
            if (syscall(SYS_pread64, fd, buffer, sizeof buffer, 0L) != (long)sizeof buffer) {
                perror("pread64");
                return 1;
            }
        }
    }
    for (;;) {
        /* syscall() rather than the libc wrapper, so that nothing is cached in user space. */
        syscall(SYS_lseek, 1, 0L, SEEK_CUR);
    }
}
