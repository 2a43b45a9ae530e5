#ifndef RILL_CFUSE3_SHIM_H
#define RILL_CFUSE3_SHIM_H
// The FUSE 3.1 high-level API; the version must be set before fuse.h is included.
#define FUSE_USE_VERSION 31
#include <fuse.h>
#endif
