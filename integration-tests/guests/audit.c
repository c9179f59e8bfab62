/* Calls for the audit to record. "names": names that are not UTF-8, then more calls, exit 3.
   "child": a child makes the call the test's audit refuses while its parent waits for it; the
   parent says so if it is ever let go on. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int names(void)
{
    mkdir("/tmp/bad\xff\xfe", 0700);
    int fd = open("/tmp/bad\xff\xfe/q\"uote\\d\nline", O_CREAT | O_WRONLY, 0600);
    printf("open: %s\n", fd >= 0 ? "ok" : "failed");
    close(fd);
    rename("/tmp/bad\xff\xfe", "/tmp/good-\xc3\xa9");
    mkdir("/tmp/after", 0700);
    printf("after: %s\n", access("/tmp/after", F_OK) == 0 ? "made" : "missing");
    return 3;
}

static int child(void)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        mkdir("/tmp/refused-by-the-audit", 0700);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    mkdir("/tmp/parent-went-on", 0700);
    printf("the parent went on\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0)
        return child();
    return names();
}
