/*
 * notify.c - the notification phase of every lib_sddf_lwip handler
 * (sDDF signalling protocol: a producer signals only if the consumer asked,
 * and clears the request so each request yields at most one signal).
 */
#include "glue.h"

void sddf_lwip_maybe_notify(void)
{
    struct sddf_lwip *s = &sddf_lwip_state;

    /* Rx stopped because every pbuf was in use; some may have been freed by
     * this handler. Each round takes frames off rx active or stops again on
     * an empty pool, so this ends. */
    while (s->rx_blocked && s->rx_pool_free > 0)
        sddf_lwip_process_rx();

    bool rx = s->notify_rx && net_require_signal_free(&s->rx);
    bool tx = s->notify_tx && net_require_signal_active(&s->tx);
    s->notify_rx = false;
    s->notify_tx = false;
    if (rx)
        net_cancel_signal_free(&s->rx);
    if (tx)
        net_cancel_signal_active(&s->tx);

    /* One deferred slot per handler: use it if empty, for one peer only. */
    int pending = sddf_deferred_notify_curr();
    if (tx) {
        if (pending < 0) {
            sddf_deferred_notify(s->tx_ch);
            pending = (int)s->tx_ch;
        } else if (pending != (int)s->tx_ch) {
            sddf_notify(s->tx_ch);
        }
    }
    if (rx) {
        if (pending < 0)
            sddf_deferred_notify(s->rx_ch);
        else if (pending != (int)s->rx_ch)
            sddf_notify(s->rx_ch);
    }
}
