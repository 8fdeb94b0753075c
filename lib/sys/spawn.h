/* Running another program, or a function in a child process: the one
 * place in the tree that forks, execs and waits.
 *
 * The caller says everything the child gets: argv (looked up in PATH as
 * execvp does), the environment (never implicit: pass environ to hand on
 * ours), what its stdin, stdout and stderr are, which descriptors above 2
 * it keeps (every other one is closed at exec, the same way for every
 * child), the user it runs as, a session of its own, and a time limit.
 * Blocks for the fork, and for the exec (an exec failure is reported as
 * an error, as posix_spawn does); sb_spawn_wait blocks until the child
 * ends. */
#ifndef SB_SPAWN_H
#define SB_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

#include "core/buf.h"
#include "core/error.h"

enum sb_spawn_how {
	SB_SPAWN_INHERIT = 0, /* our own descriptor */
	SB_SPAWN_NULL,        /* /dev/null */
	SB_SPAWN_FD,          /* .fd (above 2; the caller still owns it) */
	SB_SPAWN_DATA,        /* stdin only: .data/.len, then end of file */
	SB_SPAWN_CAPTURE,     /* stdout/stderr only: read into .buf */
};

struct sb_spawn_io {
	enum sb_spawn_how how;
	int fd;
	const void *data;
	size_t len;
	struct sb_buf *buf; /* capped by its max; the rest is drained */
	int pipe;           /* ours: the parent's end while running */
};

struct sb_spawn {
	const char *const *argv;
	char *const *envp; /* required: environ, sb_spawn_min_env(), ... */
	const char *file;  /* the program when not argv[0] (no PATH) */
	struct sb_spawn_io in, out, err;
	const int *keep; /* descriptors above 2 the child keeps */
	size_t nkeep;
	int timeout_ms;  /* > 0: killed after that, and an error */
	int new_session; /* setsid(): a daemon, away from our terminal */
	/* Run as uid/gid with these supplementary groups (all of them
	 * checked, and root not regained), instead of as we are. */
	int drop;
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t ngroups;
	/* In the child instead of an exec: its return is the exit status.
	 * Our stdio buffers are flushed before the fork. */
	int (*fn)(void *arg);
	void *arg;
	/* Results. */
	pid_t pid;
	int exec_errno; /* the exec failed with this (start returns -1) */
	int timed_out;
};

/* Starts the child.  Returns 0 with s->pid set, or -1 with *err (and
 * s->exec_errno when the program could not be executed). */
int sb_spawn_start(struct sb_spawn *s, struct sb_error **err);

/* Feeds stdin and reads both outputs together (so no pipe fills and
 * stalls), then reaps the child.  Returns its exit status (0..255, or
 * 128+signal), or -1 with *err (a timeout: killed, s->timed_out). */
int sb_spawn_wait(struct sb_spawn *s, struct sb_error **err);

/* sb_spawn_start and sb_spawn_wait. */
int sb_spawn_run(struct sb_spawn *s, struct sb_error **err);

/* Reaps pid (-1: any child), *reaped says which.  Returns its status as
 * sb_spawn_wait does, or -1 with errno. */
int sb_spawn_reap(pid_t pid, pid_t *reaped);

/* Runs argv (no shell) with our environment, feeding stdin_data (may be
 * NULL), collecting stdout and stderr into out/errout (either may be
 * NULL: then inherited stderr / discarded stdout).  Returns the exit
 * status (0..255, 128+sig; 127 with "ARGV0: command not found" in errout
 * when it could not be executed), or -1 with *err when it could not be
 * run at all. */
int sb_spawn_cmd(const char *const *argv, const void *stdin_data,
		 size_t stdin_len, struct sb_buf *out, struct sb_buf *errout,
		 struct sb_error **err);

/* The environment every long-lived helper we start gets (Squid,
 * ssh-agent, incusd): a fixed PATH and the C locale, never a token or
 * anything else of the caller's.  Static storage. */
char *const *sb_spawn_min_env(void);

#endif
