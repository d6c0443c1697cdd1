/*
 * tests/unit/test_blk_driver_ring.c - the io_uring block driver's request
 * engine with its real ring (drivers/blk/io_uring/ring.c) against a real
 * image file in $TMPDIR (default /tmp): reads and writes land where they
 * should, FLUSH works, a request past the end of the disk is refused, a
 * read that meets end of file (the image shrank under the driver) is
 * continued and then answered BLK_RESP_ERR_IO with the whole blocks that
 * were read, and a read-only descriptor refuses WRITE but serves READ and
 * FLUSH; the partial block at the end of a disk that is not a multiple of
 * 4 KiB reads as its sectors then zeros and is never written; IO regions
 * larger than RLIMIT_MEMLOCK are not registered (and the mode line says
 * why). Completions are waited for on the ring's eventfd, bounded in time.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../drivers/blk/io_uring/engine.h"
#include "../../drivers/blk/io_uring/ring.h"

#define CAP     8u
#define BLOCKS  16u
#define IO_BASE 0x200000ull
#define IO_SIZE ((size_t)8 * BLK_TRANSFER_SIZE)

static struct {
    blk_engine_t eng;
    blk_ring_t ring;
    blk_queue_handle_t q;
    void *req_mem, *resp_mem;
    uint8_t *data;
    sddf_device_region_resource_t io;
    uint64_t c[8];
    char path[256];
    int fd, efd;
} t;

static uint8_t pattern(uint64_t byte)
{
    return (uint8_t)(byte * 7 + (byte >> 12));
}

static void start_engine(int flags, bool read_only)
{
    t.fd = open(t.path, flags);
    assert_true(t.fd >= 0);
    t.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    assert_true(t.efd >= 0);
    memset(t.req_mem, 0, BLK_REQ_QUEUE_BYTES(CAP));
    memset(t.resp_mem, 0, BLK_RESP_QUEUE_BYTES(CAP));
    assert_int_equal(blk_queue_init(&t.q, t.req_mem, t.resp_mem, CAP), 0);
    int rc = blk_ring_setup(&t.ring, t.fd, t.efd, CAP, &t.io, 1);
    assert_int_equal(rc, 0);
    blk_engine_stats_t st = {&t.c[0], &t.c[1], &t.c[2], &t.c[3],
                             &t.c[4], &t.c[5], &t.c[6], &t.c[7]};
    memset(t.c, 0, sizeof(t.c));
    blk_engine_init(&t.eng, t.q, &t.io, 1, BLOCKS, read_only, st);
    t.eng.ring = &t.ring;
}

static void stop_engine(void)
{
    blk_ring_exit(&t.ring);
    close(t.efd);
    close(t.fd);
}

static int setup(void **state)
{
    (void)state;
    memset(&t, 0, sizeof(t));
    const char *dir = getenv("TMPDIR");
    snprintf(t.path, sizeof(t.path), "%s/sddf-blk-ring-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(t.path);
    assert_true(fd >= 0);
    static uint8_t img[BLOCKS * BLK_TRANSFER_SIZE];
    for (uint64_t i = 0; i < sizeof(img); i++)
        img[i] = pattern(i);
    assert_int_equal(write(fd, img, sizeof(img)), (ssize_t)sizeof(img));
    close(fd);
    t.req_mem = calloc(1, BLK_REQ_QUEUE_BYTES(CAP));
    t.resp_mem = calloc(1, BLK_RESP_QUEUE_BYTES(CAP));
    t.data = aligned_alloc(4096, IO_SIZE);
    memset(t.data, 0, IO_SIZE);
    t.io = (sddf_device_region_resource_t){{(uint64_t)(uintptr_t)t.data, IO_SIZE}, IO_BASE};
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(t.path);
    free(t.req_mem);
    free(t.resp_mem);
    free(t.data);
    return 0;
}

/* Submit one request and wait (at most 5 s) for its response. */
static blk_resp_t run(blk_req_code_t code, uint32_t buf_block, uint64_t block, uint16_t count)
{
    static uint32_t next_id = 1;
    uint32_t id = next_id++;
    assert_int_equal(
        blk_enqueue_req(&t.q, code, IO_BASE + (uint64_t)buf_block * 4096, block, count, id), 0);
    blk_engine_intake(&t.eng);
    blk_resp_t r;
    for (int i = 0; i < 500 && blk_dequeue_resp_entry(&t.q, &r) != 0; i++) {
        struct pollfd p = {t.efd, POLLIN, 0};
        if (!blk_ring_pending(&t.ring))
            poll(&p, 1, 10);
        uint64_t v;
        (void)!read(t.efd, &v, sizeof(v));
        blk_ring_reap(&t.ring, &t.eng);
        if (i == 499)
            fail_msg("no response in 5 s");
    }
    assert_int_equal(r.id, id);
    return r;
}

static void test_read_write_flush(void **state)
{
    (void)state;
    start_engine(O_RDWR, false);
    blk_resp_t r = run(BLK_REQ_READ, 1, 3, 2);
    assert_int_equal(r.status, BLK_RESP_OK);
    assert_int_equal(r.success_count, 2);
    for (uint32_t i = 0; i < 2 * 4096; i++)
        assert_int_equal(t.data[4096 + i], pattern(3 * 4096 + i));
    memset(t.data, 0xA5, 4096);
    r = run(BLK_REQ_WRITE, 0, 7, 1);
    assert_int_equal(r.status, BLK_RESP_OK);
    assert_int_equal(r.success_count, 1);
    r = run(BLK_REQ_FLUSH, 0, 0, 0);
    assert_int_equal(r.status, BLK_RESP_OK);
    uint8_t back[4096];
    assert_int_equal(pread(t.fd, back, sizeof(back), (off_t)7 * 4096), 4096);
    for (uint32_t i = 0; i < 4096; i++)
        assert_int_equal(back[i], 0xA5);
    r = run(BLK_REQ_READ, 0, BLOCKS, 1); /* past the end of the disk: never reaches it */
    assert_int_equal(r.status, BLK_RESP_ERR_INVALID_PARAM);
    assert_int_equal(r.success_count, 0);
    assert_int_equal(t.c[0], 1);
    assert_int_equal(t.c[1], 1);
    assert_int_equal(t.c[2], 1);
    stop_engine();
}

static void test_end_of_file_is_io_error(void **state)
{
    (void)state;
    start_engine(O_RDWR, false);
    /* The image shrinks under the driver to 14.5 blocks: a 4-block read at block 12 gets
       2.5 blocks, is continued, meets end of file and reports the 2 whole blocks. */
    assert_int_equal(ftruncate(t.fd, 14 * 4096 + 2048), 0);
    memset(t.data, 0, IO_SIZE);
    blk_resp_t r = run(BLK_REQ_READ, 0, 12, 4);
    assert_int_equal(r.status, BLK_RESP_ERR_IO);
    assert_int_equal(r.success_count, 2);
    for (uint32_t i = 0; i < 2 * 4096 + 2048; i++)
        assert_int_equal(t.data[i], pattern(12 * 4096 + i));
    assert_true(t.c[6] >= 1); /* counted as a short transfer */
    assert_int_equal(t.c[4], 1);
    /* Wholly past the new end: nothing read. */
    r = run(BLK_REQ_READ, 0, 15, 1);
    assert_int_equal(r.status, BLK_RESP_ERR_IO);
    assert_int_equal(r.success_count, 0);
    stop_engine();
}

static void test_read_only_descriptor(void **state)
{
    (void)state;
    start_engine(O_RDONLY, true);
    blk_resp_t r = run(BLK_REQ_WRITE, 0, 1, 1);
    assert_int_equal(r.status, BLK_RESP_ERR_INVALID_PARAM);
    r = run(BLK_REQ_FLUSH, 0, 0, 0);
    assert_int_equal(r.status, BLK_RESP_OK);
    r = run(BLK_REQ_READ, 0, 1, 1);
    assert_int_equal(r.status, BLK_RESP_OK);
    for (uint32_t i = 0; i < 4096; i++)
        assert_int_equal(t.data[i], pattern(4096 + i));
    stop_engine();
}

/* A disk of BLOCKS blocks and 3 sectors (O_DIRECT when the file system takes it): the partial
 * tail block reads as its 3 sectors then zeros; it cannot be written. */
static void test_partial_tail_block(void **state)
{
    (void)state;
    int fd = open(t.path, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    uint8_t tail[1536];
    for (uint32_t i = 0; i < sizeof(tail); i++)
        tail[i] = pattern((uint64_t)BLOCKS * 4096 + i);
    assert_int_equal(write(fd, tail, sizeof(tail)), (ssize_t)sizeof(tail));
    close(fd);
    int probe = open(t.path, O_RDWR | O_DIRECT);
    start_engine(probe >= 0 ? O_RDWR | O_DIRECT : O_RDWR, false);
    if (probe >= 0)
        close(probe);
    t.eng.tail = sizeof(tail);
    memset(t.data, 0xEE, IO_SIZE);
    blk_resp_t r = run(BLK_REQ_READ, 0, BLOCKS - 1, 2);
    assert_int_equal(r.status, BLK_RESP_OK);
    assert_int_equal(r.success_count, 2);
    for (uint32_t i = 0; i < 4096 + sizeof(tail); i++)
        assert_int_equal(t.data[i], pattern((uint64_t)(BLOCKS - 1) * 4096 + i));
    for (uint32_t i = 4096 + sizeof(tail); i < 2 * 4096; i++)
        assert_int_equal(t.data[i], 0);
    r = run(BLK_REQ_WRITE, 0, BLOCKS, 1);
    assert_int_equal(r.status, BLK_RESP_ERR_INVALID_PARAM);
    struct stat st;
    assert_int_equal(fstat(t.fd, &st), 0);
    assert_int_equal(st.st_size, (off_t)BLOCKS * 4096 + (off_t)sizeof(tail)); /* not extended */
    stop_engine();
}

/* IO regions larger than RLIMIT_MEMLOCK: registration is not tried (it would pin every page
 * first), the mode line says why in full, and plain buffers work. */
static void test_memlock_too_small(void **state)
{
    (void)state;
    struct rlimit old;
    assert_int_equal(getrlimit(RLIMIT_MEMLOCK, &old), 0);
    struct rlimit low = {4096, old.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_MEMLOCK, &low), 0);
    start_engine(O_RDWR, false);
    assert_int_equal(setrlimit(RLIMIT_MEMLOCK, &old), 0);
    assert_false(t.ring.fixed_buf);
    assert_int_equal(t.ring.buf_limit, 4096);
    char mode[256];
    blk_ring_mode(&t.ring, mode, sizeof(mode));
    if (strstr(mode, "plain buffers (fixed buffers skipped: 32 KiB of IO regions, RLIMIT_MEMLOCK "
                     "4 KiB)") == NULL)
        fail_msg("mode '%s'", mode);
    blk_resp_t r = run(BLK_REQ_READ, 0, 2, 1);
    assert_int_equal(r.status, BLK_RESP_OK);
    assert_int_equal(t.data[5], pattern(2 * 4096 + 5));
    stop_engine();
    /* A refusal by the kernel is reported with its reason, parenthesis closed. */
    blk_ring_t refused = {.buf_err = -ENOMEM};
    blk_ring_mode(&refused, mode, sizeof(mode));
    if (strstr(mode, "plain buffers (fixed buffers refused: Cannot allocate memory)") == NULL)
        fail_msg("mode '%s'", mode);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_read_write_flush, setup, teardown),
        cmocka_unit_test_setup_teardown(test_end_of_file_is_io_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_descriptor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_tail_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memlock_too_small, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
