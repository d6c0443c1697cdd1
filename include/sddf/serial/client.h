/*
 * sddf/serial/client.h - the serial client library (sDDF's libsddf_util
 * printf over serial, "Serial clients"): formatted and raw output into the
 * client's tx ring toward the tx virtualiser, and non-blocking input from
 * its rx ring.
 *
 * Output is buffered in the ring under a private tail and published (tail
 * store + notify of virt_tx) on '\n' and when a line without '\n' fills
 * half the ring (virt_tx then moves it in pieces); a prompt (a line
 * without '\n' yet) needs sddf_serial_flush, after which virt_tx shows it
 * once no other client has output pending. Text
 * output (sddf_putchar, sddf_printf) writes "\r\n" for '\n', as a terminal
 * in raw mode needs; sddf_serial_write passes bytes unchanged. Nothing here
 * blocks: text that does not fit is dropped and counted, a whole line at a
 * time (serial_tx_dropped_lines; its bytes in serial_tx_dropped): the
 * terminal never shows the head of a line spliced onto another's tail (only
 * a part already published, a flushed prompt or a line longer than half
 * the ring, can show, and it is then ended with "\r\n"). A PD that must
 * not lose output checks sddf_serial_tx_space first and, if it says no,
 * carries on when virt_tx notifies it on sddf_serial_tx_channel() (the
 * example client stops reading input meanwhile: back-pressure).
 *
 * Single-threaded, like every PD: the library's state is this PD's.
 */
#ifndef SDDF_SERIAL_CLIENT_H
#define SDDF_SERIAL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sddf/os.h>
#include <sddf/serial/config.h>

/** This PD's serial client record, or NULL if its description gives it none. */
const serial_client_config_t *serial_client_config(void);

/**
 * Bind the library to @cfg (from serial_client_config). Returns 0, or -1 if
 * the record's rings are unusable (then every output call is a no-op).
 * Counters: serial_tx_dropped (bytes), serial_tx_dropped_lines, serial_rx_bytes.
 */
int serial_client_init(const serial_client_config_t *cfg);

/** True once serial_client_init succeeded. */
bool serial_client_ready(void);

/** Channel on which virt_tx notifies us (room in the tx ring). */
sddf_channel sddf_serial_tx_channel(void);

/** Channel on which virt_rx notifies us (input); only if rx is enabled. */
sddf_channel sddf_serial_rx_channel(void);

/**
 * Text output of one character ('\n' becomes "\r\n"). If it does not fit,
 * its whole line is dropped (counted once), up to and including its '\n'.
 */
void sddf_putchar(char c);

/** printf into the tx ring through sddf_putchar. Returns the characters formatted (as vsnprintf).
 */
int sddf_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Publish everything written so far and notify virt_tx (no-op if nothing is new). */
void sddf_serial_flush(void);

/**
 * Raw output: copy up to @n bytes unchanged into the ring, publish and notify.
 * Returns the number taken (fewer than @n when the ring is full).
 */
uint32_t sddf_serial_write(const void *buf, uint32_t n);

/**
 * True if @need bytes fit in the tx ring now. If not, asks virt_tx for a
 * signal (with the double check of sDDF's serial protocol) and returns false:
 * a notification on sddf_serial_tx_channel() follows once virt_tx frees room.
 * @need above the ring's capacity is always false.
 */
bool sddf_serial_tx_space(uint32_t need);

/** Next input byte (0..255), or -1 if none is waiting. Never blocks. */
int sddf_getchar(void);

/** Copy up to @max waiting input bytes into @buf. Returns the number copied (0 = none). */
uint32_t sddf_serial_read(void *buf, uint32_t max);

#endif /* SDDF_SERIAL_CLIENT_H */
