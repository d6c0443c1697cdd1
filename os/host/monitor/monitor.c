/*
 * os/host/monitor/monitor.c - monitor_run (monitor.h): validate, create every
 * object (PD identities and programs first, then regions, channels, TAPs,
 * devices; terminals go raw), start the PDs in declared order, supervise,
 * stop (the PDs and everything they started), restore the terminals,
 * report, and tear everything down. Any setup failure undoes what was done
 * and returns 2.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include "monitor_internal.h"

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* Allocate the state; every descriptor starts at -1, so teardown is safe at any point. */
static int alloc_state(struct mon *m)
{
    const sys_system *sys = m->sys;
    m->pd = calloc(sys->num_pds + 1, sizeof(*m->pd));
    if (!m->pd) {
        return -1;
    }
    for (size_t i = 0; i < sys->num_pds; i++) {
        struct mon_pd *pd = &m->pd[i];
        pd->fault_rd = pd->fault_wr = pd->stats_fd = pd->config_fd = pd->boot_fd = -1;
        pd->exec_fd = -1;
    }
    for (size_t i = 0; i < sys->num_pds; i++) {
        struct mon_pd *pd = &m->pd[i];
        pd->irq_fd = malloc((sys->pds[i].num_irqs + 1) * sizeof(int));
        if (!pd->irq_fd) {
            return -1;
        }
        for (size_t j = 0; j < sys->pds[i].num_irqs; j++) {
            pd->irq_fd[j] = -1;
        }
    }
    m->region_fd = malloc((sys->num_regions + 1) * sizeof(int));
    m->region_ro_fd = malloc((sys->num_regions + 1) * sizeof(int));
    if (!m->region_fd || !m->region_ro_fd) {
        free(m->region_fd);
        free(m->region_ro_fd);
        m->region_fd = m->region_ro_fd = NULL;
        return -1;
    }
    for (size_t i = 0; i < sys->num_regions; i++) {
        m->region_fd[i] = m->region_ro_fd[i] = -1;
    }
    m->chan = malloc((sys->num_channels + 1) * sizeof(*m->chan));
    if (!m->chan) {
        return -1;
    }
    for (size_t c = 0; c < sys->num_channels; c++) {
        m->chan[c] = (struct mon_channel){{-1, -1}, {{-1, -1}, {-1, -1}}};
    }
    m->tap_fd = malloc((sys->num_taps + 1) * sizeof(int));
    if (!m->tap_fd) {
        return -1;
    }
    for (size_t t = 0; t < sys->num_taps; t++) {
        m->tap_fd[t] = -1;
    }
    m->dev = malloc((sys->num_devices + 1) * sizeof(*m->dev));
    if (!m->dev) {
        return -1;
    }
    for (size_t d = 0; d < sys->num_devices; d++) {
        m->dev[d] = (struct mon_device){-1, -1, {-1, -1}, {0, 0}};
    }
    m->term = malloc((2 * sys->num_devices + 1) * sizeof(*m->term));
    return m->term ? 0 : -1;
}

/* Release everything; PDs must be stopped already. Safe on partial setup. */
static void teardown(struct mon *m)
{
    const sys_system *sys = m->sys;
    mon_terminals_restore(m); /* first: the terminal is the user's again */
    mon_devices_close(m);
    for (size_t i = 0; m->pd && i < sys->num_pds; i++) {
        struct mon_pd *pd = &m->pd[i];
        close_fd(&pd->fault_rd);
        close_fd(&pd->fault_wr);
        close_fd(&pd->stats_fd);
        close_fd(&pd->config_fd);
        close_fd(&pd->boot_fd);
        close_fd(&pd->exec_fd);
        for (size_t j = 0; pd->irq_fd && j < sys->pds[i].num_irqs; j++) {
            close_fd(&pd->irq_fd[j]);
        }
        if (pd->stats) {
            munmap(pd->stats, HOST_STATS_PAGE_SIZE);
        }
        free(pd->irq_fd);
        free(pd->fds);
        free(pd->scratch);
    }
    for (size_t c = 0; m->chan && c < sys->num_channels; c++) {
        for (int k = 0; k < 2; k++) {
            close_fd(&m->chan[c].efd[k]);
            close_fd(&m->chan[c].ppc[k][0]);
            close_fd(&m->chan[c].ppc[k][1]);
        }
    }
    for (size_t t = 0; m->tap_fd && t < sys->num_taps; t++) {
        close_fd(&m->tap_fd[t]); /* not persistent: the interface goes */
    }
    for (size_t r = 0; m->region_fd && r < sys->num_regions; r++) {
        close_fd(&m->region_fd[r]);
        close_fd(&m->region_ro_fd[r]);
    }
    free(m->pd);
    free(m->dev);
    free(m->term);
    free(m->tap_fd);
    free(m->chan);
    free(m->region_ro_fd);
    free(m->region_fd);
    close_fd(&m->sig_fd);
    mon_subreaper_end(m);
    if (m->mask_set) {
        sigprocmask(SIG_SETMASK, &m->old_mask, NULL);
    }
    if (m->pipe_set) {
        sigaction(SIGPIPE, &m->old_pipe, NULL);
    }
}

/*
 * The signals that stop the system: every signal whose default action ends
 * the process (signal(7)), so none of them can leave a raw terminal and
 * orphaned PDs behind. Not included: SIGKILL and SIGSTOP (they cannot be
 * caught: after a SIGKILL `stty sane` repairs the terminal); the synchronous
 * fault signals (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS), which mean
 * a bug in the monitor itself and must not be swallowed; SIGPIPE, which is
 * ignored instead (a write to a closed pipe fails with EPIPE, and mon_print
 * drops the line). abort() unblocks SIGABRT first, so blocking it only
 * turns a kill(1) of SIGABRT into a stop.
 */
static void stop_signals(sigset_t *set)
{
    static const int sigs[] = {SIGHUP,  SIGINT,  SIGQUIT,   SIGTERM,   SIGUSR1,
                               SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF,   SIGXCPU,
                               SIGXFSZ, SIGIO,   SIGPWR,    SIGSTKFLT, SIGABRT};
    sigemptyset(set);
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        sigaddset(set, sigs[i]);
    }
    for (int s = SIGRTMIN; s <= SIGRTMAX; s++) {
        sigaddset(set, s);
    }
}

/* The CPU of each PD: its own, or the first CPU this process may use. */
static void place(struct mon *m, const cpu_set_t *allowed)
{
    int first = 0;
    while (first < CPU_SETSIZE - 1 && !CPU_ISSET(first, allowed)) {
        first++;
    }
    for (size_t i = 0; i < m->sys->num_pds; i++) {
        m->pd[i].cpu = m->sys->pds[i].cpu >= 0 ? m->sys->pds[i].cpu : first;
    }
}

static int setup(struct mon *m)
{
    const sys_system *sys = m->sys;
    sigset_t set;
    stop_signals(&set);
    sigaddset(&set, SIGCHLD); /* a PD ended */
    struct sigaction ign;
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    if (sigaction(SIGPIPE, &ign, &m->old_pipe) != 0) {
        mon_err("sigaction: %s", strerror(errno));
        return -1;
    }
    m->pipe_set = true;
    if (sigprocmask(SIG_BLOCK, &set, &m->old_mask) != 0) {
        mon_err("sigprocmask: %s", strerror(errno));
        return -1;
    }
    m->mask_set = true;
    m->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (m->sig_fd < 0) {
        mon_err("signalfd: %s", strerror(errno));
        return -1;
    }
    /* Identities and programs first: a PD that could not run stops the
     * system before any object exists. */
    if (mon_ids_setup(m) != 0) {
        return -1;
    }
    for (size_t i = 0; i < sys->num_pds; i++) {
        if (mon_program_open(m, i) != 0) {
            return -1;
        }
    }
    if (mon_subreaper_start(m) != 0) {
        return -1;
    }
    if (mon_regions_create(m) || mon_channels_create(m) || mon_taps_create(m) ||
        mon_devices_create(m) || mon_terminals_raw(m)) {
        return -1;
    }
    for (size_t i = 0; i < sys->num_pds; i++) {
        if (mon_pd_files_create(m, i) || mon_irqs_create(m, i) || mon_boot_build(m, i)) {
            return -1;
        }
    }
    for (size_t i = 0; i < sys->num_pds; i++) {
        if (mon_launch(m, i)) {
            return -1;
        }
    }
    return 0;
}

int monitor_run(const sys_system *sys, const monitor_options *opts)
{
    static const monitor_options defaults = {false, false, 0};
    struct mon mon;
    memset(&mon, 0, sizeof(mon));
    mon.sys = sys;
    mon.opts = opts ? opts : &defaults;
    mon.self = getpid();
    mon.sig_fd = -1;

    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
        mon_err("sched_getaffinity: %s", strerror(errno));
        return 2;
    }
    if (mon_validate(sys, &allowed) != 0) {
        mon_err("system not started");
        return 2;
    }
    if (alloc_state(&mon) != 0) {
        mon_err("out of memory; system not started");
        teardown(&mon);
        return 2;
    }
    place(&mon, &allowed);
    if (!mon.opts->quiet) { /* whom to signal: Ctrl-C is a byte while a terminal is raw */
        mon_print("sddf: monitor pid %d\n", (int)mon.self);
    }
    int rc;
    if (setup(&mon) != 0) {
        mon_stop(&mon);
        mon_terminals_restore(&mon);
        mon_err("system not started; everything created was removed");
        rc = 2;
    } else {
        rc = mon_supervise(&mon);
        mon_stop(&mon);
        mon_terminals_restore(&mon); /* before the statistics: cooked lines again */
    }
    if (rc != 2 && mon.opts->print_stats) {
        mon_report_stats(&mon);
    }
    teardown(&mon);
    return rc;
}
