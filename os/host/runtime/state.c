/* os/host/runtime/state.c - the runtime's one instance (see runtime.h). */
#include "runtime.h"

struct rt_state rt = {
    .epoll_fd = -1,
    .fault_fd = -1,
};
