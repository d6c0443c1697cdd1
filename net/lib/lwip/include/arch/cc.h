/*
 * arch/cc.h - lwIP's compiler/platform port for sDDF clients.
 *
 * lwIP includes this from lwip/arch.h. Types come from <stdint.h> (lwIP's
 * default); the byte order is the compiler's. Diagnostics and assertion
 * failures go to the PD's log through the OS API (sddf_log / sddf_fatal),
 * never to stdio, so lwIP stays as OS-free as the components.
 */
#ifndef SDDF_LWIP_ARCH_CC_H
#define SDDF_LWIP_ARCH_CC_H

#include <stdint.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define BYTE_ORDER BIG_ENDIAN
#else
#define BYTE_ORDER LITTLE_ENDIAN
#endif

/** printf-style diagnostic from lwIP; one log line per call (trailing newline dropped). */
void sddf_lwip_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** An lwIP assertion failed: an internal invariant of lwIP broke; stops the PD. */
_Noreturn void sddf_lwip_assert_fail(const char *msg, const char *file, int line);

/** A pseudo-random number for lwIP (TCP initial sequence numbers and ports). */
uint32_t sddf_lwip_rand(void);

#define LWIP_PLATFORM_DIAG(x)                                                                      \
    do {                                                                                           \
        sddf_lwip_diag x;                                                                          \
    } while (0)
#define LWIP_PLATFORM_ASSERT(x) sddf_lwip_assert_fail((x), __FILE__, __LINE__)
#define LWIP_RAND()             sddf_lwip_rand()

#endif /* SDDF_LWIP_ARCH_CC_H */
