/* File and directory work in the private /tmp; prints what it checks, exits 0 when all hold. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what)
{
    printf("%s: %s\n", ok ? "ok" : "FAILED", what);
    if (!ok)
        failures++;
}

int main(void)
{
    const char text[] = "hello, file\n";
    int fd = open("/tmp/a.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    check(fd >= 3, "open for writing");
    check(write(fd, text, sizeof text - 1) == (ssize_t)(sizeof text - 1), "write");
    check(close(fd) == 0, "close");

    struct stat st;
    check(stat("/tmp/a.txt", &st) == 0 && st.st_size == (off_t)(sizeof text - 1) && S_ISREG(st.st_mode),
          "stat size and type");

    char buffer[64] = {0};
    fd = open("/tmp/a.txt", O_RDONLY);
    check(read(fd, buffer, sizeof buffer) == (ssize_t)(sizeof text - 1) && strcmp(buffer, text) == 0,
          "read back");
    check(lseek(fd, 7, SEEK_SET) == 7 && read(fd, buffer, 4) == 4 && memcmp(buffer, "file", 4) == 0,
          "lseek and read");
    close(fd);

    check(mkdir("/tmp/dir", 0755) == 0, "mkdir");
    check(rename("/tmp/a.txt", "/tmp/dir/b.txt") == 0, "rename into directory");
    check(access("/tmp/a.txt", F_OK) == -1 && errno == ENOENT, "old name gone");

    DIR *dir = opendir("/tmp/dir");
    int seen = 0;
    for (struct dirent *entry; dir != NULL && (entry = readdir(dir)) != NULL;)
        if (strcmp(entry->d_name, "b.txt") == 0)
            seen = 1;
    if (dir != NULL)
        closedir(dir);
    check(seen, "getdents lists the file");

    check(rmdir("/tmp/dir") == -1 && errno == ENOTEMPTY, "rmdir of a full directory fails");
    check(unlink("/tmp/dir/b.txt") == 0, "unlink");
    check(rmdir("/tmp/dir") == 0, "rmdir");

    char cwd[256];
    check(getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd, "/app") == 0, "cwd is /app");
    check(open("/app/new-file", O_CREAT | O_WRONLY, 0644) == -1 && errno == EROFS,
          "program directory is read-only");
    check(open("/etc/passwd", O_RDONLY) == -1 && errno == ENOENT, "no host files outside mounts");

    FILE *file = fopen("/tmp/stdio.txt", "w+");
    check(file != NULL && fprintf(file, "%d\n", 12345) == 6, "stdio write");
    rewind(file);
    int number = 0;
    check(fscanf(file, "%d", &number) == 1 && number == 12345, "stdio read back");
    fclose(file);

    printf("%d failures\n", failures);
    return failures == 0 ? 0 : 1;
}
