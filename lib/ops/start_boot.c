/* After the container boots: the files sandbox-start injects (the host
 * user's public key, the environment's profile, the workspace) and the
 * wait for sshd's banner that says the sandbox is ready. */
#include "ops/start_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "incus/files.h"
#include "sys/clock.h"
#include "sys/invoker.h"
#include "sys/signals.h"
#include "sys/userfile.h"

/* The host user's public key: ed25519, then ecdsa, then rsa.  Read with
 * the user's rights (lib/sys/userfile.h): one they cannot read (a symlink to
 * a root-only file) is refused, not skipped, so they learn why.  1 found,
 * 0 none, -1 with *err. */
static int
host_pubkey(struct sb_buf *key, char **path, struct sb_error **err)
{
	static const char *const names[] = { "id_ed25519.pub", "id_ecdsa.pub",
					     "id_rsa.pub" };
	_cleanup_free_ char *home = sb_invoker_home();

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		_cleanup_free_ char *p = NULL;

		if (!home || asprintf(&p, "%s/.ssh/%s", home, names[i]) < 0)
			return sb_error_set(err, SB_E_SYSTEM, "out of memory");
		if (sb_userfile_read(p, 16384, key) == 0 && key->len) {
			*path = TAKE_PTR(p);
			return 1;
		}
		if (errno != ENOENT && key->len == 0) {
			sb_error_sys(err, "reading %s", p);
			sb_buf_release(key);
			return -1;
		}
		sb_buf_release(key);
	}
	return 0;
}

/* The host user's public key, when there is one, into ubuntu's and root's
 * authorized_keys; *identity (when asked) gets the private half's path. */
static int
push_pubkey(struct sb_incus *c, const char *inst, char **identity,
	    struct sb_error **err)
{
	_cleanup_buf_ struct sb_buf key = { 0 };
	_cleanup_free_ char *keypath = NULL;
	int found = host_pubkey(&key, &keypath, err);

	if (found <= 0)
		return found;
	if (key.data[key.len - 1] != '\n')
		sb_buf_append(&key, "\n", 1);
	if (sb_file_mkdir(c, inst, SB_USER_HOME "/.ssh", SB_USER_UID,
			  SB_USER_GID, 0700, err) < 0 ||
	    sb_file_push(c, inst, SB_USER_HOME "/.ssh/authorized_keys",
			 key.data, key.len, SB_USER_UID, SB_USER_GID, 0600,
			 err) < 0 ||
	    sb_file_mkdir(c, inst, "/root/.ssh", 0, 0, 0700, err) < 0 ||
	    sb_file_push(c, inst, "/root/.ssh/authorized_keys", key.data,
			 key.len, 0, 0, 0600, err) < 0)
		return -1;
	/* The private half sits beside the .pub. */
	if (identity) {
		keypath[strlen(keypath) - 4] = '\0';
		*identity = TAKE_PTR(keypath);
	}
	return 0;
}

int
sb_start_inject_files(struct sb_incus *c, const char *inst,
		      const struct sb_env *env, int write_env, char **identity,
		      struct sb_error **err)
{
	if (push_pubkey(c, inst, identity, err) < 0)
		return -1;
	if (write_env) {
		_cleanup_free_ char *prof = sb_env_render_profile(env);

		if (!prof)
			return sb_error_set(err, SB_E_SYSTEM, "out of memory");
		if (sb_file_push(c, inst, "/etc/profile.d/sandbox-env.sh", prof,
				 strlen(prof), 0, 0, 0644, err) < 0)
			return -1;
	}
	if (sb_file_mkdir(c, inst, "/workspace", 0, 0, 0755, err) < 0 ||
	    sb_file_mkdir(c, inst, SB_WORKSPACE, SB_USER_UID, SB_USER_GID, 0755,
			  err) < 0)
		return -1;
	return 0;
}

/* One attempt: connects without blocking and waits at most connect_ms
 * for the handshake and 1 s for the banner.  The short connect wait
 * matters: a SYN sent before the container's address is up is lost, and
 * the kernel would only retransmit it a whole second later. */
static int
sshd_banner(const struct sockaddr_in *a, int connect_ms)
{
	_cleanup_close_ int fd = socket(
		AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	char banner[8] = "";
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (fd < 0)
		return 0;
	if (connect(fd, (const struct sockaddr *)a, sizeof(*a)) < 0) {
		if (errno != EINPROGRESS || poll(&p, 1, connect_ms) != 1 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0 ||
		    soerr != 0)
			return 0;
	}
	p.events = POLLIN;
	return poll(&p, 1, 1000) == 1 && read(fd, banner, 4) == 4 &&
	       memcmp(banner, "SSH-", 4) == 0;
}

/* Readiness is sshd answering with its banner on the slot's host port:
 * that is what the user's first ssh needs, through the proxy device. */
int
sb_start_wait_sshd(int port, double timeout, struct sb_error **err)
{
	double deadline = sb_clock_now() + timeout;
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	while (sb_clock_now() < deadline) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (sb_signals_check(err) < 0)
			return -1;
		if (sshd_banner(&a, 50))
			return 0;
		nanosleep(&ts, NULL);
	}
	return sb_error_set(err, SB_E_FAIL,
			    "sshd did not answer on 127.0.0.1:%d within %.0f s",
			    port, timeout);
}
