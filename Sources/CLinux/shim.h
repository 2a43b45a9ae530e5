// Linux calls that Swift's Glibc/Musl modules leave out because they need _GNU_SOURCE. No library to link.
//
// Deliberately includes no system header: a module that re-includes libc headers with _GNU_SOURCE becomes a
// second "defining module" of their types (sockaddr_in, …), which breaks MemberImportVisibility in targets that
// use those types through Glibc. The prototype below is the one glibc and musl declare (off_t is `long` on every
// 64-bit Linux ABI Rill targets).
#ifndef RILL_CLINUX_SHIM_H
#define RILL_CLINUX_SHIM_H

int fallocate(int fd, int mode, long offset, long length);

/// Frees the blocks of [offset, offset + length) of `fd` without changing its size
/// (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE). 0, or -1 with errno set.
static inline int rill_punch_hole(int fd, long long offset, long long length) {
    return fallocate(fd, 0x02 | 0x01, (long)offset, (long)length);
}
#endif
