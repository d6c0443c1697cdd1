/*
 * tools/sddf.c - the `sddf` command: check, describe and run a system
 * description (see docs/system-description.md).
 *
 *   sddf check FILE        exit 0 and "FILE: ok", or the errors and exit 1
 *   sddf describe FILE     the expanded low-level description on stdout
 *   sddf run [--quiet] [--stats] [--timeout MS] FILE
 *                          build and run the system under the monitor
 *
 * Program images are looked up next to the running `sddf` binary (every PD
 * program is built flat into the same directory) unless the description
 * names them by absolute path or they are executable in its folder.
 */
#include <libgen.h>
#include <libxml/parser.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "system.h"
#include "../os/host/monitor/monitor.h"

#ifndef SDDF_VERSION
#define SDDF_VERSION "unknown"
#endif

/* Exit codes: 0 ok; 1 description errors (check/describe) or a PD failed
 * (run); 2 usage error or a system that could not be set up. */
enum { EXIT_USAGE = 2 };

static void usage(FILE *out)
{
    fputs("usage: sddf check FILE\n"
          "       sddf describe FILE\n"
          "       sddf run [--quiet] [--stats] [--timeout MS] FILE\n"
          "       sddf --help | --version\n"
          "\n"
          "  check     load, expand and check FILE; print \"FILE: ok\" or each error\n"
          "            as FILE:LINE: message (exit 1)\n"
          "  describe  print the expanded low-level description of FILE\n"
          "  run       check FILE, then build and run it under the monitor until\n"
          "            a stop signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1...),\n"
          "            the timeout, or a PD exits or faults\n"
          "            --quiet       only faults and errors\n"
          "            --stats       print every PD's statistics counters at the end\n"
          "            --timeout MS  stop the system after MS milliseconds\n"
          "\n"
          "Program images are found next to this sddf binary (or by absolute path,\n"
          "or in FILE's folder). The format is described in docs/system-description.md.\n",
          out);
}

/* The directory of the running binary: PD programs are built next to it. */
static char *program_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    return strdup(dirname(buf));
}

static int load(const char *file, sys_system *sys)
{
    char *dir = program_dir();
    if (dir == NULL) {
        fputs("sddf: cannot find the program directory (/proc/self/exe)\n", stderr);
        return -1;
    }
    int rc = sys_load(file, dir, sys, stderr);
    free(dir);
    return rc;
}

static int cmd_check(const char *file)
{
    sys_system sys;
    if (load(file, &sys) != 0)
        return 1;
    printf("%s: ok\n", file);
    sys_free(&sys);
    return 0;
}

static int cmd_describe(const char *file)
{
    sys_system sys;
    if (load(file, &sys) != 0)
        return 1;
    int rc = sys_describe(&sys, stdout);
    sys_free(&sys);
    if (rc != 0) {
        fputs("sddf: write error\n", stderr);
        return 1;
    }
    return 0;
}

static int cmd_check_or_describe(bool check, const char *file)
{
    return check ? cmd_check(file) : cmd_describe(file);
}

static int cmd_run(int argc, char **argv)
{
    bool quiet = false, stats = false;
    unsigned long timeout = 0;
    const char *file = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--quiet") == 0) {
            quiet = true;
        } else if (strcmp(argv[i], "--stats") == 0) {
            stats = true;
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 == argc) {
            fputs("sddf: option '--timeout' needs a value (milliseconds)\n", stderr);
            usage(stderr);
            return EXIT_USAGE;
        } else if (strcmp(argv[i], "--timeout") == 0) {
            char *end;
            const char *v = argv[++i];
            timeout = strtoul(v, &end, 10);
            if (*v < '0' || *v > '9' || *end != '\0' || timeout > UINT32_MAX) {
                fprintf(stderr, "sddf: bad --timeout '%s' (milliseconds)\n", v);
                return EXIT_USAGE;
            }
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "sddf: unknown option '%s' for run\n", argv[i]);
            usage(stderr);
            return EXIT_USAGE;
        } else if (file != NULL) {
            fprintf(stderr, "sddf: one FILE only ('%s' and '%s')\n", file, argv[i]);
            usage(stderr);
            return EXIT_USAGE;
        } else {
            file = argv[i];
        }
    }
    if (file == NULL) {
        fputs("sddf: run needs a FILE\n", stderr);
        usage(stderr);
        return EXIT_USAGE;
    }
    sys_system sys;
    if (load(file, &sys) != 0)
        return EXIT_USAGE;
    monitor_options opts = {.quiet = quiet, .print_stats = stats, .timeout_ms = (unsigned)timeout};
    int rc = monitor_run(&sys, &opts);
    sys_free(&sys);
    return rc;
}

int main(int argc, char **argv)
{
    int rc;
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("sddf %s\n", SDDF_VERSION);
        return 0;
    }
    bool one_file = strcmp(argv[1], "check") == 0 || strcmp(argv[1], "describe") == 0;
    if (one_file && argc == 3 && argv[2][0] != '-')
        rc = cmd_check_or_describe(argv[1][0] == 'c', argv[2]);
    else if (strcmp(argv[1], "run") == 0)
        rc = cmd_run(argc - 2, argv + 2);
    else {
        if (one_file && argc == 3)
            fprintf(stderr, "sddf: unknown option '%s' for %s\n", argv[2], argv[1]);
        else if (one_file)
            fprintf(stderr, "sddf: %s needs exactly one FILE\n", argv[1]);
        else
            fprintf(stderr, "sddf: unknown command '%s'\n", argv[1]);
        usage(stderr);
        rc = EXIT_USAGE;
    }
    xmlCleanupParser();
    return rc;
}
