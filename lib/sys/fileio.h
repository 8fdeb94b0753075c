/* Whole files: read with a cap, written atomically. */
#ifndef SB_FILEIO_H
#define SB_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

#include "core/buf.h"
#include "core/error.h"

/* Reads a whole file (capped at max bytes).  Missing: SB_E_NOTFOUND. */
int sb_fileio_read(const char *path, size_t max, struct sb_buf *out,
		   struct sb_error **err);
/* Writes a file atomically: temporary in the same directory, fsync,
 * rename. */
int sb_fileio_write(const char *path, const void *data, size_t len, mode_t mode,
		    struct sb_error **err);

#endif
