/*
 * os/host/monitor/device_files.c - the devices a PD holds besides its IRQs
 * (sys_device; see sddf/host/device.h), opened by the monitor before the PDs
 * start, so a driver needs no file system reach and no privilege.
 *
 * Block: the path O_RDWR (O_RDONLY when read_only), with O_DIRECT when the
 * file system accepts it; a file system that refuses O_DIRECT fails the open
 * with EINVAL (ramfs; tmpfs before Linux 6.6), and the device is then opened
 * buffered. The driver tells which from fcntl(F_GETFL). Only a regular file
 * or a block device is accepted.
 * Tty with a path: a terminal, pty, other character device or FIFO, opened
 * O_RDWR|O_NOCTTY (the system never takes it as its controlling terminal).
 * Tty without a path: the stdin (input) and stdout (output) of `sddf run`,
 * reopened through /proc/self/fd so that the PD's O_NONBLOCK is set on a
 * file of its own, not on the one the shell shares; a regular file is
 * reopened O_APPEND so the PD cannot overwrite it from offset 0. What cannot
 * be reopened (a socket) is duplicated instead, and its status flags are
 * restored at the end.
 * Every descriptor is non-blocking and close-on-exec (the PD gets its own
 * copy at a fixed number).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "monitor_internal.h"

#define DEV_FLAGS (O_NONBLOCK | O_CLOEXEC | O_NOCTTY)

static int open_block(const sys_device *d, const char *pd)
{
    int flags = (d->read_only ? O_RDONLY : O_RDWR) | DEV_FLAGS;
    int fd = open(d->path, flags | O_DIRECT);
    if (fd < 0 && errno == EINVAL) {
        fd = open(d->path, flags); /* the file system refuses O_DIRECT */
    }
    if (fd < 0) {
        mon_err("PD '%s': block device %u '%s': cannot open %s: %s", pd, d->id, d->path,
                d->read_only ? "read-only" : "read-write", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
        mon_err("PD '%s': block device %u '%s': not a regular file or block device", pd, d->id,
                d->path);
        close(fd);
        return -1;
    }
    return fd;
}

static int open_tty(const sys_device *d, const char *pd)
{
    int fd = open(d->path, O_RDWR | DEV_FLAGS);
    if (fd < 0) {
        mon_err("PD '%s': tty device %u '%s': cannot open: %s", pd, d->id, d->path,
                strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
        mon_err("PD '%s': tty device %u '%s': not a terminal, character device or FIFO", pd, d->id,
                d->path);
        close(fd);
        return -1;
    }
    return fd;
}

/* A non-blocking descriptor of the file @std (0 or 1) of this process is open on. */
static int reopen_std(struct mon_device *md, int std, const sys_device *d, const char *pd)
{
    static const char *const what[] = {"stdin", "stdout"};
    struct stat st;
    if (fstat(std, &st) != 0) {
        mon_err("PD '%s': tty device %u: the terminal's %s is closed", pd, d->id, what[std]);
        return -1;
    }
    char path[32];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", std);
    int flags = (std == 0 ? O_RDONLY : O_WRONLY) | DEV_FLAGS;
    if (std == 1 && S_ISREG(st.st_mode)) {
        flags |= O_APPEND;
    }
    int fd = open(path, flags);
    if (fd >= 0) {
        return fd;
    }
    /* A socket cannot be reopened: share its open file and undo the flag later. */
    int old = fcntl(std, F_GETFL);
    fd = fcntl(std, F_DUPFD_CLOEXEC, 3);
    if (old < 0 || fd < 0) {
        mon_err("PD '%s': tty device %u: cannot reopen %s: %s", pd, d->id, what[std],
                strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    md->fl_fd[std] = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    md->fl_old[std] = old;
    if (md->fl_fd[std] < 0 || fcntl(fd, F_SETFL, old | O_NONBLOCK) != 0) {
        mon_err("PD '%s': tty device %u: cannot make %s non-blocking: %s", pd, d->id, what[std],
                strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int mon_devices_create(struct mon *m)
{
    const sys_system *sys = m->sys;
    for (size_t i = 0; i < sys->num_devices; i++) {
        const sys_device *d = &sys->devices[i];
        struct mon_device *md = &m->dev[i];
        const char *pd = sys->pds[d->pd].name;
        if (d->kind == SYS_DEVICE_BLOCK) {
            md->fd = open_block(d, pd);
        } else if (d->path != NULL) {
            md->fd = open_tty(d, pd);
        } else {
            md->fd = reopen_std(md, 0, d, pd);
            if (md->fd >= 0) {
                md->out_fd = reopen_std(md, 1, d, pd);
                if (md->out_fd < 0) {
                    return -1;
                }
            }
        }
        if (md->fd < 0) {
            return -1;
        }
    }
    return 0;
}

void mon_devices_close(struct mon *m)
{
    for (size_t i = 0; m->dev && i < m->sys->num_devices; i++) {
        struct mon_device *md = &m->dev[i];
        for (int k = 0; k < 2; k++) {
            if (md->fl_fd[k] >= 0) {
                fcntl(md->fl_fd[k], F_SETFL, md->fl_old[k]);
                close(md->fl_fd[k]);
                md->fl_fd[k] = -1;
            }
        }
        if (md->fd >= 0) {
            close(md->fd);
            md->fd = -1;
        }
        if (md->out_fd >= 0) {
            close(md->out_fd);
            md->out_fd = -1;
        }
    }
}
