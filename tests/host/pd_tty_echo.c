/*
 * tests/host/pd_tty_echo.c - a serial-driver-like PD: device 0 is a tty,
 * IRQ 1 = device_in on it, IRQ 2 = device_out on it. In init it records what
 * the monitor set up (kind, non-blocking descriptors, the terminal in raw
 * mode) and writes TEST_TTY_GREETING; then it echoes every byte it reads,
 * unchanged, waiting for device_out when the terminal has no room. Counters:
 * in, out (bytes), eof (input ended), out_waits (device_out acks), and the
 * init checks.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sddf/host/device.h>
#include <sddf/os.h>
#include "test_layout.h"

#define IRQ_IN  1u
#define IRQ_OUT 2u

static uint8_t pending[8192];
static size_t head, tail; /* pending[head..tail) still to write */
static bool held;         /* input left unread (and device_in masked): pending was full */
static uint64_t *in_bytes, *out_bytes, *eof, *out_waits;

static void flag(const char *name, bool value)
{
    sddf_stat_add(sddf_stat_counter(name), value ? 1 : 0);
}

/* Write what is pending; true if all of it went. */
static bool flush(void)
{
    while (head < tail) {
        ssize_t n = write(sddf_host_device_out_fd(0), pending + head, tail - head);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false; /* EAGAIN: wait for device_out */
        }
        head += (size_t)n;
        sddf_stat_add(out_bytes, (uint64_t)n);
    }
    head = tail = 0;
    return true;
}

void init(void)
{
    in_bytes = sddf_stat_counter("in");
    out_bytes = sddf_stat_counter("out");
    eof = sddf_stat_counter("eof");
    out_waits = sddf_stat_counter("out_waits");
    int in = sddf_host_device_fd(0), out = sddf_host_device_out_fd(0);
    flag("kind_ok", sddf_host_device_kind(0) == SDDF_HOST_DEVICE_TTY);
    flag("nonblock", (fcntl(in, F_GETFL) & O_NONBLOCK) && (fcntl(out, F_GETFL) & O_NONBLOCK) &&
                         (fcntl(sddf_host_irq_fd(IRQ_IN), F_GETFL) & O_NONBLOCK));
    struct termios t;
    flag("raw_at_init", tcgetattr(in, &t) == 0 && !(t.c_lflag & (ICANON | ECHO | ISIG | IEXTEN)) &&
                            !(t.c_oflag & OPOST) && !(t.c_iflag & (ICRNL | IXON | ISTRIP)) &&
                            t.c_cc[VMIN] == 1 && t.c_cc[VTIME] == 0);
    memcpy(pending, TEST_TTY_GREETING, sizeof(TEST_TTY_GREETING) - 1); /* the bytes, no NUL */
    tail = strlen(TEST_TTY_GREETING);
    flush(); /* device_out starts armed: a short write is retried when it fires */
}

static void rx(void)
{
    for (;;) {
        if (tail == sizeof(pending)) {
            held = true; /* read more once the output drained */
            return;
        }
        ssize_t n = read(sddf_host_device_fd(0), pending + tail, sizeof(pending) - tail);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n == 0 || (n < 0 && errno == EIO)) {
            sddf_stat_add(eof, 1); /* input ended: leave device_in masked */
            return;
        }
        if (n < 0) {
            sddf_irq_ack(IRQ_IN); /* EAGAIN: drained, wait for more */
            return;
        }
        sddf_stat_add(in_bytes, (uint64_t)n);
        tail += (size_t)n;
    }
}

void notified(sddf_channel ch)
{
    if (ch == IRQ_IN) {
        rx();
    }
    while (flush() && held) {
        held = false;
        rx(); /* room again: take the input held back */
    }
    if (tail != 0) {
        sddf_stat_add(out_waits, 1);
        sddf_irq_ack(IRQ_OUT); /* the terminal is full: tell me when it has room */
    }
}
