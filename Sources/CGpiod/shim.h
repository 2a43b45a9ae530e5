#ifndef RILL_CGPIOD_SHIM_H
#define RILL_CGPIOD_SHIM_H
// libgpiod 1.6.x: the v1 API (gpiod_chip_open_by_name, gpiod_line_request_output, ...).
#include <gpiod.h>
#endif
