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

long syscall(long number, ...);

/// Restarts the machine passing `argument` to the kernel's restart handler (reboot(2) with
/// LINUX_REBOOT_CMD_RESTART2): "0 tryboot" makes the Raspberry Pi firmware try the [tryboot] section once.
/// Needs CAP_SYS_BOOT; returns only on failure (-1 with errno set). The numbers are the kernel's ABI.
static inline int rill_reboot_with_argument(const char *argument) {
#if defined(__x86_64__)
    const long reboot_syscall = 169;
#elif defined(__aarch64__)
    const long reboot_syscall = 142;
#else
#error "rill_reboot_with_argument: unknown architecture"
#endif
    return (int)syscall(reboot_syscall, 0xfee1deadL, 672274793L, 0xA1B2C3D4L, argument);
}

/// Restarts the machine (reboot(2) with LINUX_REBOOT_CMD_RESTART). As above: CAP_SYS_BOOT, returns only on failure.
static inline int rill_reboot_restart(void) {
#if defined(__x86_64__)
    const long reboot_syscall = 169;
#elif defined(__aarch64__)
    const long reboot_syscall = 142;
#endif
    return (int)syscall(reboot_syscall, 0xfee1deadL, 672274793L, 0x01234567L, 0L);
}
#endif
