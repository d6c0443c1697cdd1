/*
 * os/host/monitor/device_files.c - the devices a PD holds besides its IRQs
 * (sys_device; see sddf/host/device.h), opened by the monitor before the PDs
 * start, so a driver needs no file system reach and no privilege.
 *
 * Block: the path O_RDWR (O_RDONLY when read_only), with O_DIRECT when the
 * file system accepts it; a file system that refuses O_DIRECT fails the open
 * with EINVAL (ramfs; tmpfs before Linux 6.6), and the device is then opened
 * buffered. The driver tells which from fcntl(F_GETFL). Only a regular file
 * or a block device is accepted. One system per disk: an image file is
 * locked with flock (LOCK_EX, or LOCK_SH when read-only, so read-only
 * systems may share it), a block device opened O_EXCL (which also refuses a
 * mounted one); the lock belongs to the open file, which the monitor keeps
 * (and the PD shares) for the whole run. A second system gets a one-line
 * refusal and `sddf run` exits 2. An image its owner may not write is
 * refused unless read_only (the monitor is root: the mode alone would not
 * stop the writes).
 * Tty with a path: a terminal (tty or pty; isatty() after the open, so
 * /dev/null or a FIFO is refused), opened O_RDWR|O_NOCTTY (the system never
 * takes it as its controlling terminal). Without a path anything goes (a
 * file, a pipe, /dev/null: see the always-ready IRQs of sddf/host/device.h).
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
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "monitor_internal.h"

#define DEV_FLAGS    (O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
#define LOCK_WAIT_MS 2000 /* see lock_image */

/* Refuse a file its owner may not write (chmod a-w: meant to stay unchanged) unless read-only:
 * the monitor runs as root, which the mode would not stop. */
static int check_writable(const sys_device *d, const char *pd, const struct stat *st)
{
    if (d->read_only || !S_ISREG(st->st_mode) || (st->st_mode & S_IWUSR) != 0) {
        return 0;
    }
    mon_err("PD '%s': block device %u '%s' is not writable by its owner (mode %04o): give "
            "read_only=\"true\" or make it writable (chmod u+w)",
            pd, d->id, d->path, (unsigned)(st->st_mode & 07777));
    return -1;
}

/* One system per image: a lock on the open file, held as long as the monitor and the PD keep
 * their descriptors (the whole run). Writers exclude everyone; read-only systems may share.
 * A system that just stopped may hold it a little longer: its driver's io_uring keeps the file
 * (a registered file) until the kernel tears the ring down, asynchronously; so wait up to
 * LOCK_WAIT_MS before refusing. */
static int lock_image(const sys_device *d, const char *pd, int fd)
{
    int op = (d->read_only ? LOCK_SH : LOCK_EX) | LOCK_NB;
    int rc = flock(fd, op);
    for (int i = 0; rc != 0 && errno == EWOULDBLOCK && i < LOCK_WAIT_MS / 20; i++) {
        nanosleep(&(struct timespec){0, 20000000L}, NULL); /* 20 ms */
        rc = flock(fd, op);
    }
    if (rc == 0) {
        return 0;
    }
    if (errno == EWOULDBLOCK) {
        mon_err("PD '%s': block device %u '%s' is in use by another running system (it holds a "
                "lock on the image)",
                pd, d->id, d->path);
    } else {
        mon_err("PD '%s': block device %u '%s': cannot lock: %s", pd, d->id, d->path,
                strerror(errno));
    }
    return -1;
}

static int open_block(const sys_device *d, const char *pd)
{
    int flags = (d->read_only ? O_RDONLY : O_RDWR) | DEV_FLAGS;
    struct stat st;
    /* A block device is opened O_EXCL: refused while mounted or held by another system. */
    if (stat(d->path, &st) == 0 && S_ISBLK(st.st_mode)) {
        flags |= O_EXCL;
    }
    int fd = open(d->path, flags | O_DIRECT);
    if (fd < 0 && errno == EINVAL) {
        fd = open(d->path, flags); /* the file system refuses O_DIRECT */
    }
    if (fd < 0 && errno == EBUSY && (flags & O_EXCL) != 0) {
        mon_err("PD '%s': block device %u '%s' is in use (mounted, or held by another running "
                "system)",
                pd, d->id, d->path);
        return -1;
    }
    if (fd < 0) {
        mon_err("PD '%s': block device %u '%s': cannot open %s: %s", pd, d->id, d->path,
                d->read_only ? "read-only" : "read-write", strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) ||
        (S_ISBLK(st.st_mode) && (flags & O_EXCL) == 0)) {
        mon_err("PD '%s': block device %u '%s': not a regular file or block device", pd, d->id,
                d->path);
        close(fd);
        return -1;
    }
    if (check_writable(d, pd, &st) != 0 || (S_ISREG(st.st_mode) && lock_image(d, pd, fd) != 0)) {
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
    if (!isatty(fd)) { /* /dev/null, /dev/zero, a FIFO...: not a serial line */
        mon_err("PD '%s': tty device %u '%s': not a terminal (a tty or pty)", pd, d->id, d->path);
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
