/*
 * tests/host/pd_forker.c - a PD whose processes try to outlive the system
 * (the monitor must kill and reap every one at teardown).
 *
 * In init() it starts:
 *   - a child in a session of its own (setsid) that ignores SIGTERM and
 *     itself forks a grandchild doing the same: a tree below a live parent;
 *   - a child that forks a grandchild (own session, SIGTERM ignored) and
 *     exits at once: the grandchild is orphaned while the system runs, and is
 *     re-parented to the monitor (a child subreaper);
 * then logs "forked: tree and orphan". The processes only wait (pause).
 * A later seccomp allow-list forbids fork in a PD; this tests the defence in
 * depth behind it.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sddf/os.h>

/* In a forked process: a session of its own, deaf to SIGTERM; with
 * @fork_one_more, one more such process below it. Never returns. */
static void linger(bool fork_one_more)
{
    setsid();
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    if (fork_one_more) {
        fork(); /* both the parent and the child go on waiting */
    }
    for (;;) {
        pause();
    }
}

void init(void)
{
    pid_t tree = fork();
    if (tree < 0) {
        sddf_fatal("fork failed");
    }
    if (tree == 0) {
        linger(true);
    }
    pid_t shell = fork();
    if (shell < 0) {
        sddf_fatal("fork failed");
    }
    if (shell == 0) {
        if (fork() == 0) {
            linger(false);
        }
        _exit(0);
    }
    int st;
    waitpid(shell, &st, 0); /* the orphan is the monitor's now */
    sddf_log("forked: tree and orphan");
}

void notified(sddf_channel ch)
{
    (void)ch;
}
