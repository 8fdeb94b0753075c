/* Keys in a sandbox's ssh-agent: loading one with `ssh-add -` reading its
 * stdin, fed from memory by sys/spawn (which ignores SIGPIPE meanwhile, so
 * an early exit of ssh-add costs an EPIPE, not the process), and asking
 * the agent over its socket how many it holds. */
#include "creds/agent.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "sys/spawn.h"

#define SSH_AGENTC_REQUEST_IDENTITIES 11
#define SSH_AGENT_IDENTITIES_ANSWER 12
#define IO_TIMEOUT_MS 2000

/* The environment for our children: the minimal one (no token, nothing
 * of our caller's: the agent outlives us and holds a key), with
 * SSH_AUTH_SOCK when sock is given. */
static char **
child_env(const char *sock)
{
	char *const *min = sb_spawn_min_env();
	size_t n = 0, j = 0;
	char **env;

	while (min[n])
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		env[j++] = min[i];
	if (sock && asprintf(&env[j], "SSH_AUTH_SOCK=%s", sock) < 0)
		env[j] = NULL;
	return env;
}

static void
child_env_free(char **env, const char *sock)
{
	size_t n = 0;

	if (!env)
		return;
	while (env[n])
		n++;
	if (sock && n)
		free(env[n - 1]);
	free(env);
}

static void
one_line(char *s)
{
	size_t n;

	for (char *p = s; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	n = strlen(s);
	while (n && s[n - 1] == ' ')
		s[--n] = '\0';
}

int
sb_agent_add(const char *name, const char *key, size_t len,
	     struct sb_error **err)
{
	_cleanup_free_ char *sock = sb_agent_socket(name);
	_cleanup_error_ struct sb_error *e = NULL;
	_cleanup_buf_ struct sb_buf errout = { .max = 4096 };
	const char *argv[] = { "ssh-add", "-q", "-", NULL };
	struct sb_spawn s = {
		.argv = argv,
		.in = { .how = SB_SPAWN_DATA, .data = key, .len = len },
		.out = { .how = SB_SPAWN_NULL },
		.err = { .how = SB_SPAWN_CAPTURE, .buf = &errout },
	};
	const char *why;
	char **env;
	int st;

	if (!sock)
		return sb_error_set(err, SB_E_INPUT, "bad sandbox name '%s'",
				    name);
	env = child_env(sock);
	s.envp = env ? env : sb_spawn_min_env();
	st = sb_spawn_run(&s, &e);
	child_env_free(env, sock);
	if (st < 0 && s.pid < 0) {
		errno = e ? e->sys_errno : 0;
		return sb_error_sys(err, "running ssh-add (is OpenSSH's client "
					 "installed?)");
	}
	if (st != 0) {
		if (errout.data)
			one_line(errout.data);
		why = errout.data && *errout.data ? errout.data :
						    "ssh-add gave no reason";
		return sb_error_set(err, SB_E_FAIL,
				    "loading the key into the sandbox's "
				    "ssh-agent failed: %s",
				    why);
	}
	return 0;
}

/* Waits for fd to be ready; 0 on timeout. */
static int
wait_fd(int fd, short ev)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int r;

	do
		r = poll(&p, 1, IO_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	return r > 0;
}

static int
read_full(int fd, unsigned char *b, size_t n)
{
	size_t off = 0;

	while (off < n) {
		ssize_t r;

		if (!wait_fd(fd, POLLIN))
			return -1;
		r = read(fd, b + off, n - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		off += (size_t)r;
	}
	return 0;
}

int
sb_agent_count(const char *name, int *nkeys, struct sb_error **err)
{
	_cleanup_free_ char *sock = sb_agent_socket(name);
	_cleanup_close_ int fd = -1;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static const unsigned char req[5] = { 0, 0, 0, 1,
					      SSH_AGENTC_REQUEST_IDENTITIES };
	unsigned char hdr[9];
	uint32_t len;

	if (!sock || strlen(sock) >= sizeof(sa.sun_path))
		return sb_error_set(err, SB_E_INPUT, "bad sandbox name '%s'",
				    name);
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return sb_error_sys(err, "connecting to %s", sock);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
	    !(errno == EINPROGRESS && wait_fd(fd, POLLOUT)))
		return sb_error_sys(err, "no ssh-agent answers on %s", sock);
	if (!wait_fd(fd, POLLOUT) ||
	    send(fd, req, sizeof(req), MSG_NOSIGNAL) != (ssize_t)sizeof(req))
		return sb_error_sys(err, "no ssh-agent answers on %s", sock);
	/* uint32 length, byte type, uint32 nkeys; the keys follow and are
	 * not needed. */
	if (read_full(fd, hdr, 5) < 0)
		return sb_error_set(err, SB_E_FAIL,
				    "no ssh-agent answers on %s", sock);
	len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	      (uint32_t)hdr[2] << 8 | hdr[3];
	if (hdr[4] != SSH_AGENT_IDENTITIES_ANSWER || len < 5 ||
	    read_full(fd, hdr + 5, 4) < 0)
		return sb_error_set(err, SB_E_FAIL,
				    "the agent on %s gave an unexpected answer",
				    sock);
	*nkeys = (int)((uint32_t)hdr[5] << 24 | (uint32_t)hdr[6] << 16 |
		       (uint32_t)hdr[7] << 8 | hdr[8]);
	return 0;
}

enum sb_agent_state
sb_agent_state(const char *name)
{
	int n = 0;

	if (sb_agent_count(name, &n, SB_IGNORE) < 0)
		return SB_AGENT_NONE;
	return n > 0 ? SB_AGENT_OK : SB_AGENT_NOKEY;
}
