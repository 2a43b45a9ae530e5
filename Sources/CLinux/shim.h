// Linux calls that Swift's Glibc/Musl modules leave out because they need _GNU_SOURCE. No library to link.
#ifndef RILL_CLINUX_SHIM_H
#define RILL_CLINUX_SHIM_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>

/// Frees the blocks of [offset, offset + length) of `fd` without changing its size
/// (fallocate with FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE). 0, or -1 with errno set.
static inline int rill_punch_hole(int fd, long long offset, long long length) {
    return fallocate(fd, 0x02 | 0x01, (off_t)offset, (off_t)length);
}
#endif
