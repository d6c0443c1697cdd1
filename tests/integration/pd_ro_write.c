/*
 * tests/integration/pd_ro_write.c - a test PD that writes to a read-only map.
 *
 * Used by ro_write.system (test_fault.sh). One program, two roles chosen by
 * the PD's name:
 *   "owner"  maps the page rw at RO_TEST_VADDR, writes RO_TEST_MAGIC into it
 *            and notifies channel 0 (the writer);
 *   "writer" maps the same page r. On the notification it first reads the
 *            magic (a read-only map must be readable and shared), then
 *            stores to the page. The store must fault (SIGSEGV), and the
 *            monitor must report it with the PD's name and the address.
 * If the writer reads a wrong value, or its store does NOT fault, it stops
 * with sddf_fatal, so the test sees a failure report instead of a fault.
 */
#include <stdint.h>

#include <sddf/os.h>

/** Where ro_write.system maps the test page in both PDs. */
#define RO_TEST_VADDR 0x30000000ul

/** The value the owner leaves in the page for the writer to read. */
#define RO_TEST_MAGIC 0x5344444652304f4eull

/** Channel between owner and writer (id 0 in both PDs). */
#define RO_TEST_CH 0u

static volatile uint64_t *test_page(void)
{
    return (volatile uint64_t *)RO_TEST_VADDR;
}

static int is_writer(void)
{
    const char *n = sddf_get_pd_name();
    return n[0] == 'w';
}

void init(void)
{
    if (is_writer()) {
        return; /* waits for the owner's notification */
    }
    test_page()[0] = RO_TEST_MAGIC;
    sddf_log("wrote the magic into the shared page; notifying the writer");
    sddf_notify(RO_TEST_CH);
}

void notified(sddf_channel ch)
{
    if (!is_writer() || ch != RO_TEST_CH) {
        return; /* the owner ignores everything, including its TAP IRQ (left masked) */
    }
    uint64_t v = test_page()[0];
    if (v != RO_TEST_MAGIC) {
        sddf_fatal("read 0x%llx from the read-only map, expected the owner's magic",
                   (unsigned long long)v);
    }
    sddf_log("read the magic through the read-only map; now storing to it");
    test_page()[1] = v; /* must raise SIGSEGV */
    sddf_fatal("a store to a read-only map did not fault");
}
