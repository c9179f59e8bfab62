/* statx(2) agrees with stat(2) on a file it wrote. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

int main(void)
{
    FILE *f = fopen("/tmp/s.txt", "w");
    if (f == NULL || fputs("hello", f) < 0 || fclose(f) != 0) {
        perror("write /tmp/s.txt");
        return 1;
    }
    struct statx sx;
    struct stat st;
    if (statx(AT_FDCWD, "/tmp/s.txt", 0, STATX_BASIC_STATS, &sx) != 0 || stat("/tmp/s.txt", &st) != 0) {
        perror("statx");
        return 1;
    }
    printf("size %llu mode %o nlink %u same inode %d same mtime %d\n", (unsigned long long)sx.stx_size,
           (unsigned)sx.stx_mode, (unsigned)sx.stx_nlink, sx.stx_ino == st.st_ino,
           sx.stx_mtime.tv_sec == st.st_mtime && sx.stx_mtime.tv_nsec == (unsigned)st.st_mtim.tv_nsec);
    return 0;
}
