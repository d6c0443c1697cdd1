/*
 * os/host/monitor/terminal.c - raw mode for the terminals of tty devices, and
 * the monitor's own output while they are raw.
 *
 * A serial driver must see every byte typed, as typed, and what it writes
 * must reach the terminal unchanged, so before the PDs start every tty
 * device that is a terminal is put in raw mode (cfmakeraw: no echo, no line
 * editing, no ISIG, no input or output translation, 8-bit; VMIN=1 VTIME=0)
 * and its saved termios is restored on every way out of monitor_run (stop by
 * signal or timeout, a PD fault or exit, a setup failure after the change):
 * monitor_run restores right after stopping the PDs, and teardown again.
 * TCSANOW, so a restore never waits for a reader that does not drain.
 * A SIGKILL of the monitor (or a crash of the monitor itself) leaves the
 * terminal raw: `stty sane` (or `reset`) repairs it.
 *
 * With ISIG off, Ctrl-C is the byte 0x03 for the PDs: SIGINT reaches the
 * monitor only from kill(1). While stderr is one of the raw terminals there
 * is no output post-processing either, so mon_print ends the monitor's lines
 * "\r\n" (PDs get HOST_BOOT_F_STDERR_CRLF for their log lines).
 *
 * The one piece of process-wide state here is that flag: a process has one
 * stderr, and mon_err has no monitor to carry it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "monitor_internal.h"

static bool stderr_crlf; /* see the top of the file */

bool mon_stderr_crlf(void)
{
    return stderr_crlf;
}

static void write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return; /* nowhere to report a failing log */
        }
        p += n;
        len -= (size_t)n;
    }
}

void mon_print(const char *fmt, ...)
{
    char *text = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&text, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    if (!stderr_crlf) {
        write_all(STDERR_FILENO, text, (size_t)n);
        free(text);
        return;
    }
    char *out = malloc(2 * (size_t)n + 1);
    if (out == NULL) {
        write_all(STDERR_FILENO, text, (size_t)n);
        free(text);
        return;
    }
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) {
            out[len++] = '\r';
        }
        out[len++] = text[i];
    }
    write_all(STDERR_FILENO, out, len); /* one write: lines of PDs do not cut in */
    free(out);
    free(text);
}

/* Raw mode on @fd if it is a terminal not handled yet. */
static int make_raw(struct mon *m, int fd, const char *pd)
{
    struct stat st;
    if (fd < 0 || !isatty(fd) || fstat(fd, &st) != 0) {
        return 0;
    }
    for (size_t i = 0; i < m->num_term; i++) {
        if (m->term[i].rdev == st.st_rdev) {
            return 0; /* stdin and stdout of one terminal */
        }
    }
    struct mon_term *t = &m->term[m->num_term];
    if (tcgetattr(fd, &t->saved) != 0) {
        mon_err("PD '%s': terminal: tcgetattr: %s", pd, strerror(errno));
        return -1;
    }
    t->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (t->fd < 0) {
        mon_err("PD '%s': terminal: dup: %s", pd, strerror(errno));
        return -1;
    }
    t->rdev = st.st_rdev;
    m->num_term++; /* from here on, restored whatever happens */
    struct termios raw = t->saved;
    cfmakeraw(&raw);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    if (tcsetattr(fd, TCSANOW, &raw) != 0) {
        mon_err("PD '%s': terminal: cannot set raw mode: %s", pd, strerror(errno));
        return -1;
    }
    return 0;
}

int mon_terminals_raw(struct mon *m)
{
    const sys_system *sys = m->sys;
    for (size_t d = 0; d < sys->num_devices; d++) {
        if (sys->devices[d].kind != SYS_DEVICE_TTY) {
            continue;
        }
        const char *pd = sys->pds[sys->devices[d].pd].name;
        if (make_raw(m, m->dev[d].fd, pd) || make_raw(m, m->dev[d].out_fd, pd)) {
            return -1;
        }
    }
    struct stat st;
    if (m->num_term > 0 && isatty(STDERR_FILENO) && fstat(STDERR_FILENO, &st) == 0) {
        for (size_t i = 0; i < m->num_term; i++) {
            stderr_crlf |= m->term[i].rdev == st.st_rdev;
        }
    }
    return 0;
}

void mon_terminals_restore(struct mon *m)
{
    for (size_t i = 0; m->term && i < m->num_term; i++) {
        while (tcsetattr(m->term[i].fd, TCSANOW, &m->term[i].saved) != 0 && errno == EINTR) {
        }
        close(m->term[i].fd);
    }
    m->num_term = 0;
    stderr_crlf = false;
}
