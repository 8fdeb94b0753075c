/* One command run in several sandboxes concurrently, without tmux
 * (sandbox NAME... --cmd CMD): each on its own thread and connection, the
 * results handed back in the order the names were given. */
#ifndef SB_PARALLEL_H
#define SB_PARALLEL_H

#include <stddef.h>

#include "core/error.h"
#include "incus/incus.h"

/* One sandbox's result in sb_parallel_run. */
struct sb_parallel_result {
	const char *name;
	int status;             /* the command's exit status, or 1 */
	int out_fd;             /* stdout and stderr, read from offset 0 */
	struct sb_error *error; /* why it could not run, or NULL */
};

/* Called on the calling thread once per name, in the order given, as
 * soon as that name and all before it are done.  out_fd and error are
 * released after the call. */
typedef void (*sb_parallel_done_fn)(void *ud, size_t i,
				    const struct sb_parallel_result *r);

/* Runs `bash --login -c cmd` as the session user in every named sandbox,
 * at most parallel at a time (0: all at once), each thread on its own
 * connection (sb_incus_dup).  stdin is not passed.  *worst receives the
 * highest exit status.  Returns -1 only when nothing could be started. */
int sb_parallel_run(struct sb_incus *c, char *const *names, size_t n,
		    const char *cmd, int parallel, sb_parallel_done_fn done,
		    void *ud, int *worst, struct sb_error **err);

#endif
