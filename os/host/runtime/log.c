/*
 * os/host/runtime/log.c - sddf_log and sddf_fatal: one line per call,
 * "[pdname] message", written with a single write(2) to stderr (the monitor's
 * log) so lines of concurrent PDs do not interleave. While stderr is a
 * terminal in raw mode (a tty device of the system), lines end "\r\n".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "../pd_status.h"
#include "runtime.h"

static void vlog(const char *fmt, va_list ap)
{
    char line[1024];
    int n = snprintf(line, sizeof(line), "[%s] ", rt.name[0] ? rt.name : "?");
    if (n < 0) {
        return;
    }
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof(line) - 3) {
        len = sizeof(line) - 3; /* truncated: keep the line end */
    }
    if (rt.log_crlf) { /* the terminal does no output processing while raw */
        line[len++] = '\r';
    }
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w; /* nowhere to report a failing log */
}

void sddf_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(fmt, ap);
    va_end(ap);
}

/*
 * _exit, not exit: no atexit handlers (a sanitizer's leak check would replace
 * the status the monitor reports).
 */
_Noreturn void sddf_fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(fmt, ap);
    va_end(ap);
    fflush(NULL);
    _exit(HOST_EXIT_FATAL);
}
