/* One error object carries a failure from the socket to the user.
 *
 * Functions return 0 or -1 (or a pointer or NULL) and set *err; callers add
 * context on the way up with sb_error_prefix(), so the user reads
 * "starting 'api': creating instance: <Incus's text> (409)".  Library code
 * never prints: lib/cli/cli.c turns the final error into a message and an exit
 * status. */
#ifndef SB_ERROR_H
#define SB_ERROR_H

#include <stdarg.h>

enum sb_error_code {
	SB_E_FAIL = 1,   /* generic failure, exit 1 */
	SB_E_USAGE,      /* bad command line, exit 2 */
	SB_E_INPUT,      /* bad value given by the user, exit 1 */
	SB_E_NOTFOUND,   /* the thing named does not exist */
	SB_E_EXISTS,     /* the thing named already exists */
	SB_E_DAEMON,     /* Incus answered with an error */
	SB_E_NODAEMON,   /* nothing answers on the socket */
	SB_E_PERM,       /* permission denied */
	SB_E_SYSTEM,     /* a system call failed */
	SB_E_NOTIMPL,    /* the feature has not landed yet, exit 69 */
	SB_E_GITHUB,     /* the GitHub API refused */
	SB_E_INTERRUPTED,/* a signal asked us to stop */
};

struct sb_error {
	int code;
	int sys_errno;
	long http_status;
	char *msg;
};

/* Always returns -1 so that "return sb_error_set(...)" is one line.  An
 * error already in *err is replaced.  err is never NULL at a call
 * (tests/lint/err-null checks every call in lib/ and cmd/); a call whose
 * failure is ignored on purpose passes SB_IGNORE.  A NULL err is still
 * survived, so a missed one costs the message, never a crash. */
int sb_error_set(struct sb_error **err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The refusal of a bad option value, in the one shape every program
 * uses: "invalid OPTION 'VALUE': ALLOWED" (SB_E_INPUT).  Returns -1. */
int sb_error_invalid(struct sb_error **err, const char *option,
		     const char *value, const char *allowed);
/* As sb_error_set, appending ": strerror(errno)" and recording errno. */
int sb_error_sys(struct sb_error **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prepends "context: " to the message in *err; returns -1. */
int sb_error_prefix(struct sb_error **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Moves *e into *err (when err is not NULL; otherwise *e is left to its
 * owner to free).  Returns -1. */
int sb_error_pass(struct sb_error **err, struct sb_error **e);
void sb_error_free(struct sb_error *e);
/* A per-thread place for the error of a best-effort call that nobody
 * reads (an undo path, a cleanup, a probe), emptied at each use and freed
 * when the thread ends. */
struct sb_error **sb_error_ignore(void);
#define SB_IGNORE (sb_error_ignore())
/* Whether e is an error of that code; NULL-safe, so a callee that broke
 * the contract (failed without an error) is not a NULL dereference. */
static inline int
sb_error_is(const struct sb_error *e, int code)
{
	return e && e->code == code;
}

#endif
