/* umask on new files and directories, statfs/fstatfs, mkfifo, AF_UNIX sockets and file names
   that are not UTF-8: one "what: answer" line each. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <unistd.h>

static void mode_of(const char *what, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        printf("%s: %s\n", what, strerrorname_np(errno));
    else
        printf("%s: %o\n", what, (unsigned)st.st_mode);
}

int main(void)
{
    umask(027);
    close(open("/tmp/umask-027", O_CREAT | O_WRONLY, 0666));
    mkdir("/tmp/dir-027", 0777);
    mode_of("file-027", "/tmp/umask-027");
    mode_of("dir-027", "/tmp/dir-027");
    printf("umask-was: %o\n", (unsigned)umask(0));
    close(open("/tmp/umask-0", O_CREAT | O_WRONLY, 0666));
    mode_of("file-0", "/tmp/umask-0");

    struct statvfs tmp, root;
    if (statvfs("/tmp", &tmp) != 0 || statvfs("/", &root) != 0) {
        printf("statvfs: %s\n", strerrorname_np(errno));
    } else {
        printf("tmp-bytes: %llu\n", (unsigned long long)tmp.f_blocks * tmp.f_frsize);
        printf("tmp-read-only: %d\n", (tmp.f_flag & ST_RDONLY) != 0);
        printf("root-read-only: %d\n", (root.f_flag & ST_RDONLY) != 0);
    }
    struct statfs by_fd;
    int fd = open("/tmp/umask-0", O_RDONLY);
    printf("fstatfs-tmp: %s\n", fstatfs(fd, &by_fd) == 0 && by_fd.f_type == 0x01021994 ? "tmpfs" : "other");
    close(fd);

    printf("mkfifo: %s\n", mkfifo("/tmp/fifo", 0600) == 0 ? "ok" : strerrorname_np(errno));

    int local = socket(AF_UNIX, SOCK_STREAM, 0);
    struct stat st;
    printf("unix-socket: %s\n", local >= 0 && fstat(local, &st) == 0 && S_ISSOCK(st.st_mode) ? "S_IFSOCK" : "none");
    struct sockaddr_un name = {.sun_family = AF_UNIX};
    strcpy(name.sun_path, "/tmp/sock");
    printf("unix-bind: %s\n", bind(local, (struct sockaddr *)&name, sizeof name) == 0 ? "ok" : strerrorname_np(errno));
    close(local);

    /* A socket pair carries send/recv; FIONBIO makes an end non-blocking. */
    int pair[2], on = 1;
    char got[4] = {0};
    socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
    long sent = send(pair[0], "hi", 2, MSG_NOSIGNAL);
    long received = recv(pair[1], got, sizeof got, 0);
    printf("pair-send-recv: %ld %ld %s\n", sent, received, got);
    ioctl(pair[1], FIONBIO, &on);
    printf("pair-fionbio: %s\n", recv(pair[1], got, sizeof got, 0) < 0 ? strerrorname_np(errno) : "data");

    /* A name that is not UTF-8 (and one holding the host escape's own bytes) round-trips. */
    const char raw[] = "/tmp/@\xe7w\xf0", escape[] = "/tmp/@\xef\xa3\xbf" "E7w\xf0";
    close(open(raw, O_CREAT | O_WRONLY, 0600));
    close(open(escape, O_CREAT | O_WRONLY, 0600));
    int found = 0;
    DIR *dir = opendir("/tmp");
    for (struct dirent *e; dir != NULL && (e = readdir(dir)) != NULL;)
        found += strcmp(e->d_name, raw + 5) == 0 || strcmp(e->d_name, escape + 5) == 0;
    closedir(dir);
    printf("raw-names-listed: %d\n", found);
    char text[64] = {0}, cwd[64] = {0};
    printf("raw-symlink: %s\n", symlink(raw, "/tmp/link") == 0 && readlink("/tmp/link", text, sizeof text) > 0
           && strcmp(text, raw) == 0 ? "same" : "different");
    mkdir("/tmp/d\xff", 0700);
    printf("raw-cwd: %s\n", chdir("/tmp/d\xff") == 0 && getcwd(cwd, sizeof cwd) != NULL
           && strcmp(cwd, "/tmp/d\xff") == 0 ? "same" : "different");
    return 0;
}
