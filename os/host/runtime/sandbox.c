/*
 * os/host/runtime/sandbox.c - the PD's privilege drop (sDDF design: a driver
 * is as unprivileged as a client; whatever needs privilege was done by the
 * monitor, which passed only descriptors).
 *
 * The monitor already started the PD under a uid and gid of its own, with
 * no groups, an empty bounding and ambient set, root's implicit capabilities
 * locked off and no new privileges (os/host/monitor/launch.c). The steps
 * here are defence in depth, and all that holds when `sddf run` could not
 * switch uids (then PDs share the caller's uid):
 *
 * Before init(): no new privileges (execve cannot regain any), not dumpable
 * (a process under the same uid cannot ptrace it or open its /proc/PID/fd or
 * /proc/PID/mem), an empty bounding and ambient set and root's implicit
 * capabilities locked off when still allowed (CAP_SETPCAP; otherwise the
 * monitor did it), and all capabilities dropped with capset.
 *
 * After init(): the seccomp allow-list (libseccomp) is the seam of a later
 * issue; rt_sandbox_enter() is where it goes.
 */
#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "runtime.h"

static void drop_capabilities(void)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {{0, 0, 0}};
    if (syscall(SYS_capset, &hdr, data) != 0) {
        sddf_fatal("capset failed: cannot drop capabilities");
    }
    if (syscall(SYS_capget, &hdr, data) != 0) {
        sddf_fatal("capget failed");
    }
    for (unsigned i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
        if (data[i].effective || data[i].permitted || data[i].inheritable) {
            sddf_fatal("capabilities still held after capset");
        }
    }
}

void rt_sandbox_drop_privileges(void)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        sddf_fatal("PR_SET_NO_NEW_PRIVS failed");
    }
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        sddf_fatal("PR_SET_DUMPABLE failed");
    }
    /* These need CAP_SETPCAP: done when run as root, harmless to skip otherwise. */
    prctl(PR_SET_SECUREBITS,
          SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
              SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED,
          0, 0, 0);
    for (unsigned long cap = 0; cap < 64; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno == EINVAL) {
            break; /* past the kernel's last capability */
        }
    }
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    drop_capabilities();
}

void rt_sandbox_enter(void)
{
    /* Seam: install the seccomp allow-list here (later issue). Not enforced yet. */
}
