// Processes: fork, pipes, execve (an ELF and a #! script), wait statuses, kill, a fork bomb
// held by the process limit, and pipe end-of-file and EPIPE. Each mode prints what it saw;
// the test compares the whole output.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void fail(const char *what) {
    printf("FAILED: %s: %s\n", what, strerror(errno));
    exit(99);
}

static void describe(const char *name, int status) {
    if (WIFEXITED(status)) {
        printf("%s exited %d\n", name, WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
        printf("%s killed by signal %d\n", name, WTERMSIG(status));
    } else {
        printf("%s status 0x%x\n", name, status);
    }
}

// The child runs this program again ("echo" mode) with its stdout on a pipe; the parent reads
// the pipe to its end, which comes when the child's image exits.
static int fork_exec(const char *self) {
    int out[2];
    if (pipe(out) != 0) fail("pipe");
    pid_t child = fork();
    if (child < 0) fail("fork");
    if (child == 0) {
        dup2(out[1], 1);
        close(out[0]);
        close(out[1]);
        char *argv[] = {"echo-child", "through", "exec", NULL};
        char *envp[] = {"GREETING=hello", NULL};
        execve(self, argv, envp);
        _exit(127);
    }
    close(out[1]);
    char buffer[256];
    size_t got = 0;
    ssize_t n;
    while ((n = read(out[0], buffer + got, sizeof buffer - 1 - got)) > 0) got += n;
    buffer[got] = 0;
    printf("child said: %s", buffer);
    int status;
    if (waitpid(child, &status, 0) != child) fail("waitpid");
    describe("exec child", status);

    // A #! script whose interpreter is this program in "interpreted" mode.
    child = fork();
    if (child == 0) {
        char *argv[] = {"script", "one", NULL};
        char *envp[] = {NULL};
        execve("/app/script.sh", argv, envp);
        _exit(127);
    }
    waitpid(child, &status, 0);
    describe("script child", status);

    // A failed execve changes nothing and says why.
    child = fork();
    if (child == 0) {
        char *argv[] = {"missing", NULL};
        execve("/app/no-such-program", argv, argv + 1);
        printf("execve of a missing file: %s\n", strerror(errno));
        fflush(stdout);
        execve("/app/text-file", argv, argv + 1);
        printf("execve of a text file: %s\n", strerror(errno));
        fflush(stdout);
        _exit(3);
    }
    waitpid(child, &status, 0);
    describe("failed-exec child", status);

    // A child that never ends, killed.
    int ready[2];
    pipe(ready);
    child = fork();
    if (child == 0) {
        write(ready[1], "x", 1);
        for (;;) {
        }
    }
    char byte;
    read(ready[0], &byte, 1);
    if (kill(child, SIGKILL) != 0) fail("kill");
    waitpid(child, &status, 0);
    describe("spinning child", status);
    if (kill(99999, SIGTERM) == 0 || errno != ESRCH) fail("kill of an unknown pid");
    if (waitpid(-1, &status, WNOHANG) != -1 || errno != ECHILD) fail("wait without children");
    printf("no children left\n");
    return 0;
}

// After fork each process has its own memory: a change in one is not seen by the other.
static int memory(void) {
    static int shared_looking = 1;
    int *heap = malloc(sizeof *heap);
    *heap = 10;
    pid_t child = fork();
    if (child == 0) {
        shared_looking = 2;
        *heap = 20;
        printf("child: pid is new %d, parent %d, values %d %d\n", getpid() != 1, getppid() == 1, shared_looking,
               *heap);
        fflush(stdout);
        _exit(shared_looking + *heap);
    }
    int status;
    waitpid(child, &status, 0);
    printf("parent: child returned %d, values %d %d\n", WEXITSTATUS(status), shared_looking, *heap);
    return 0;
}

// Forks until the run's process limit says EAGAIN; the children wait on a pipe the parent
// closes at the end, so they all end.
static int bomb(void) {
    int hold[2];
    pipe(hold);
    int made = 0;
    for (;;) {
        pid_t child = fork();
        if (child < 0) {
            printf("fork stopped with %s after %s\n", errno == EAGAIN ? "EAGAIN" : strerror(errno),
                   made > 4 ? "several children" : "too few children");
            break;
        }
        if (child == 0) {
            char byte;
            close(hold[1]);
            read(hold[0], &byte, 1); // end of file once the parent closes its end
            _exit(0);
        }
        made++;
        if (made > 1000) fail("no limit");
    }
    close(hold[1]);
    int status, reaped = 0;
    while (wait(&status) > 0) reaped++;
    printf("reaped all: %d\n", reaped == made);
    return 0;
}

// End of file comes when the last write end closes in any process; writing with no reader
// left fails with EPIPE (SIGPIPE ignored, as Python does).
static int pipes(void) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) fail("pipe2");
    pid_t child = fork();
    if (child == 0) {
        close(p[0]);
        write(p[1], "from child", 10);
        _exit(0);
    }
    close(p[1]);
    char buffer[32] = {0};
    ssize_t n = read(p[0], buffer, sizeof buffer - 1);
    ssize_t end = read(p[0], buffer + n, sizeof buffer - 1 - n);
    printf("read \"%s\", then %zd (end of file)\n", buffer, end);
    waitpid(child, NULL, 0);

    // With SIGPIPE at its default, such a write ends the writer, killed by SIGPIPE.
    int s[2];
    pipe(s);
    close(s[0]);
    child = fork();
    if (child == 0) {
        write(s[1], "x", 1);
        _exit(0);
    }
    close(s[1]);
    int status;
    waitpid(child, &status, 0);
    describe("writer without reader", status);

    signal(SIGPIPE, SIG_IGN);
    int q[2];
    pipe(q);
    close(q[0]);
    if (write(q[1], "x", 1) != -1) fail("write without reader");
    printf("write without reader: %s\n", strerror(errno));

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) fail("socketpair");
    child = fork();
    if (child == 0) {
        char question[8] = {0};
        read(sv[1], question, sizeof question - 1);
        write(sv[1], strcmp(question, "ping") == 0 ? "pong" : "what", 4);
        _exit(0);
    }
    write(sv[0], "ping", 4);
    char answer[8] = {0};
    read(sv[0], answer, 4);
    printf("socket pair: %s\n", answer);
    waitpid(child, NULL, 0);

    // A full pipe makes a non-blocking write fail with EAGAIN (64 KiB, as Linux).
    int r[2];
    pipe2(r, O_NONBLOCK);
    static char block[4096];
    size_t total = 0;
    while (write(r[1], block, sizeof block) > 0) total += sizeof block;
    printf("pipe holds %zu bytes, then %s\n", total, errno == EAGAIN ? "EAGAIN" : strerror(errno));
    return 0;
}

// Children still running when the first process exits (spinning, blocked on a pipe, asleep)
// are stopped by the host at the end of the run.
static int orphans(void) {
    int never[2];
    pipe(never);
    if (fork() == 0) {
        for (;;) {
        }
    }
    if (fork() == 0) {
        char byte;
        read(never[0], &byte, 1);
        _exit(0);
    }
    if (fork() == 0) {
        sleep(3600);
        _exit(0);
    }
    printf("leaving three children behind\n");
    return 0;
}

static void *block_on_pipe(void *fd) {
    char byte;
    read(*(int *)fd, &byte, 1);
    return NULL;
}

// posix_spawn (glibc's clone with CLONE_VM|CLONE_VFORK and a stack of its own), and a fork
// by a program with a second thread: only the forking thread goes on in the child.
static int spawn(const char *self) {
    char *argv[] = {"echo-child", "via", "posix_spawn", NULL};
    char *envp[] = {"GREETING=spawned", NULL};
    int out[2];
    pipe(out);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    pid_t child;
    int error = posix_spawn(&child, self, &actions, NULL, argv, envp);
    if (error != 0) {
        errno = error;
        fail("posix_spawn");
    }
    close(out[1]);
    char buffer[128] = {0};
    size_t got = 0;
    ssize_t n;
    while ((n = read(out[0], buffer + got, sizeof buffer - 1 - got)) > 0) got += n;
    printf("spawned child said: %s", buffer);
    int status;
    waitpid(child, &status, 0);
    describe("spawned child", status);

    int never[2];
    pipe(never);
    pthread_t thread;
    pthread_create(&thread, NULL, block_on_pipe, &never[0]);
    child = fork();
    if (child == 0) {
        printf("child of a threaded parent runs\n");
        _exit(4);
    }
    waitpid(child, &status, 0);
    describe("child of a threaded parent", status);
    write(never[1], "x", 1);
    pthread_join(thread, NULL);
    printf("parent's thread joined\n");
    return 0;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(argv[0], "echo-child") == 0) {
        printf("%s %s, %s\n", argv[1], argv[2], getenv("GREETING"));
        return 0;
    }
    if (strcmp(mode, "interpreted") == 0) {
        // argv: interpreter, its argument from the #! line, the script, the script's arguments
        printf("interpreter got %s %s %s\n", argv[1], argv[2], argc > 3 ? argv[3] : "-");
        return 5;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    if (strcmp(mode, "fork-exec") == 0) return fork_exec(argv[0]);
    if (strcmp(mode, "memory") == 0) return memory();
    if (strcmp(mode, "bomb") == 0) return bomb();
    if (strcmp(mode, "pipes") == 0) return pipes();
    if (strcmp(mode, "orphans") == 0) return orphans();
    if (strcmp(mode, "spawn") == 0) return spawn(argv[0]);
    if (strcmp(mode, "spinning-child") == 0) {
        // The run's time limits count every process: a child that spins ends the run.
        pid_t child = fork();
        if (child == 0) {
            for (;;) {
            }
        }
        waitpid(child, NULL, 0);
        printf("not reached\n");
        return 0;
    }
    if (strcmp(mode, "self") == 0) {
        printf("%s\n", argv[0]);
        return 0;
    }
    printf("usage: processes fork-exec|memory|bomb|pipes|orphans\n");
    return 2;
}
