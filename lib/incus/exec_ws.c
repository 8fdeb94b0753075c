/* Exec through the websocket API (INCUS-API.md §7b).
 *
 * The choices that matter, all from watching the daemon:
 * - stdin goes as binary frames; any text frame on fd 0 means EOF, so EOF
 *   is an empty text frame and nothing else is ever sent as text there;
 * - the control socket stays open to the end: closing it kills the
 *   command;
 * - in interactive mode the operation completes only once we close the
 *   fd-0 websocket, so it is closed before waiting;
 * - the server hangs up without a close frame, so end of stream after
 *   the barrier is the normal ending. */
#include "incus/exec_ws.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "sys/clock.h"
#include "incus/ws.h"

#define CONNECT_MS 5000 /* Incus's own limit for the whole set */
#define WAIT_S 60       /* for the operation after the streams ended */
#define CHUNK 32768

enum { S_IN, S_OUT, S_ERR, S_CTL, NSOCK };
static const char *const sock_names[NSOCK] = { "0", "1", "2", "control" };

struct pump {
	const struct sb_exec_spec *spec;
	struct sb_ws *ws[NSOCK];
	int done[NSOCK];    /* the stream ended (barrier, close or EOF) */
	int in_open;        /* still reading spec->fd_in */
	int out_fd[NSOCK];  /* where each socket's data goes */
};

static json_object *
build_body(const struct sb_exec_spec *s, struct sb_error **err)
{
	_cleanup_json_ json_object *b = json_object_new_object();
	_cleanup_json_ json_object *cmd = json_object_new_array();
	_cleanup_json_ json_object *env = json_object_new_object();

	for (const char *const *a = s->argv; a && *a; a++)
		json_object_array_add(cmd, json_object_new_string(*a));
	for (const char *const *e = s->env; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		_cleanup_free_ char *k = NULL;

		if (!eq || eq == *e) {
			sb_error_set(err, SB_E_INPUT,
				     "environment entry '%s' is not KEY=VALUE",
				     *e);
			return NULL;
		}
		k = strndup(*e, (size_t)(eq - *e));
		json_object_object_add(env, k, json_object_new_string(eq + 1));
	}
	json_object_object_add(b, "command", TAKE_PTR(cmd));
	json_object_object_add(b, "environment", TAKE_PTR(env));
	json_object_object_add(b, "wait-for-websocket",
			       json_object_new_boolean(1));
	json_object_object_add(b, "interactive",
			       json_object_new_boolean(s->interactive));
	if (s->uid >= 0)
		json_object_object_add(b, "user", json_object_new_int(s->uid));
	if (s->gid >= 0)
		json_object_object_add(b, "group", json_object_new_int(s->gid));
	if (s->cwd)
		json_object_object_add(b, "cwd", json_object_new_string(s->cwd));
	if (s->interactive) {
		json_object_object_add(b, "width", json_object_new_int(
					       s->width > 0 ? s->width : 80));
		json_object_object_add(b, "height", json_object_new_int(
					       s->height > 0 ? s->height : 24));
	}
	return TAKE_PTR(b);
}

static void
write_out(int *fd, const unsigned char *p, size_t n)
{
	while (*fd >= 0 && n) {
		ssize_t w = write(*fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			/* The reader went away (a closed pipe): drop the
			 * rest rather than stall the command. */
			*fd = -1;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

static int
send_control(struct pump *p, json_object *msg)
{
	const char *s = json_object_to_json_string_ext(msg,
						       JSON_C_TO_STRING_PLAIN);

	if (!p->ws[S_CTL] || p->done[S_CTL])
		return 0;
	return sb_ws_queue_frame(p->ws[S_CTL], 1, SB_WS_TEXT, s, strlen(s),
				 SB_IGNORE);
}

static void
send_resize(struct pump *p)
{
	struct winsize w;
	char ws_[16], hs[16];
	_cleanup_json_ json_object *m = json_object_new_object();
	_cleanup_json_ json_object *args = json_object_new_object();

	if (ioctl(p->spec->fd_out, TIOCGWINSZ, &w) < 0 &&
	    ioctl(p->spec->fd_in, TIOCGWINSZ, &w) < 0)
		return;
	/* The args are strings (INCUS-API.md §7b). */
	snprintf(ws_, sizeof(ws_), "%u", (unsigned)w.ws_col);
	snprintf(hs, sizeof(hs), "%u", (unsigned)w.ws_row);
	json_object_object_add(args, "width", json_object_new_string(ws_));
	json_object_object_add(args, "height", json_object_new_string(hs));
	json_object_object_add(m, "command",
			       json_object_new_string("window-resize"));
	json_object_object_add(m, "args", TAKE_PTR(args));
	send_control(p, m);
}

static void
send_signal(struct pump *p, int sig)
{
	_cleanup_json_ json_object *m = json_object_new_object();

	json_object_object_add(m, "command", json_object_new_string("signal"));
	json_object_object_add(m, "signal", json_object_new_int(sig));
	send_control(p, m);
}

/* Reads everything a socket has ready; returns -1 on a protocol error. */
static int
drain(struct pump *p, int i, struct sb_error **err)
{
	for (;;) {
		struct sb_ws_msg m;
		int r;

		if (!p->ws[i] || p->done[i])
			return 0;
		r = sb_ws_read(p->ws[i], &m, err);
		if (r < 0)
			return sb_error_prefix(err, "exec stream %s",
					       sock_names[i]);
		if (r == 0)
			return 0;
		switch (m.opcode) {
		case SB_WS_BINARY:
			write_out(&p->out_fd[i], m.data, m.len);
			break;
		case SB_WS_TEXT:
			/* The end-of-stream barrier (control messages on
			 * the control socket are of no interest to us). */
			if (i != S_CTL)
				p->done[i] = 1;
			break;
		default: /* CLOSE, EOF */
			p->done[i] = 1;
		}
	}
}

static void
read_stdin(struct pump *p)
{
	unsigned char buf[CHUNK];
	ssize_t n = read(p->spec->fd_in, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0) {
		/* Queued, not sent: the pump flushes it while it keeps
		 * reading output, so a command that writes before it reads
		 * cannot deadlock against us. */
		if (!p->done[S_IN] &&
		    sb_ws_queue_frame(p->ws[S_IN], 1, SB_WS_BINARY, buf,
				      (size_t)n, SB_IGNORE) == 0)
			return;
		p->in_open = 0; /* the command no longer takes input */
		return;
	}
	/* End of file (or a terminal that went away). */
	p->in_open = 0;
	if (!p->spec->interactive && !p->done[S_IN])
		sb_ws_queue_frame(p->ws[S_IN], 1, SB_WS_TEXT, "", 0, SB_IGNORE);
}

static void
read_signals(struct pump *p)
{
	unsigned char sig[16];
	ssize_t n = read(p->spec->signal_fd, sig, sizeof(sig));

	for (ssize_t k = 0; k < n; k++) {
		if (sig[k] == SIGWINCH) {
			if (p->spec->interactive)
				send_resize(p);
		} else {
			send_signal(p, sig[k]);
		}
	}
}

static int
finished(const struct pump *p)
{
	if (p->spec->interactive)
		return p->done[S_IN];
	return p->done[S_OUT] && p->done[S_ERR];
}

static int
run_pump(struct pump *p, struct sb_error **err)
{
	while (!finished(p)) {
		struct pollfd pf[NSOCK + 2];
		int n = 0, in_at = -1, sig_at = -1;

		/* Drain first: bytes may already sit in a socket's buffer
		 * (after the handshake, or inside a TLS layer later). */
		for (int i = 0; i < NSOCK; i++)
			if (drain(p, i, err) < 0)
				return -1;
		if (finished(p))
			break;
		for (int i = 0; i < NSOCK; i++) {
			short ev = 0;

			if (!p->ws[i])
				continue;
			/* A peer that hung up takes no more; drop its queue. */
			if (sb_ws_pending(p->ws[i]) &&
			    sb_ws_flush(p->ws[i], SB_IGNORE) == 0 && !p->done[i])
				ev |= POLLOUT;
			if (!p->done[i])
				ev |= POLLIN;
			if (ev)
				pf[n++] = (struct pollfd){
					.fd = sb_ws_fd(p->ws[i]),
					.events = ev };
		}
		/* Read stdin only once the last chunk is on its way. */
		if (p->in_open && !sb_ws_pending(p->ws[S_IN])) {
			in_at = n;
			pf[n++] = (struct pollfd){ .fd = p->spec->fd_in,
						   .events = POLLIN };
		}
		if (p->spec->signal_fd >= 0) {
			sig_at = n;
			pf[n++] = (struct pollfd){ .fd = p->spec->signal_fd,
						   .events = POLLIN };
		}
		if (poll(pf, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return sb_error_sys(err, "exec: poll");
		}
		if (sig_at >= 0 && pf[sig_at].revents)
			read_signals(p);
		if (in_at >= 0 && pf[in_at].revents)
			read_stdin(p);
	}
	return 0;
}

static void
close_all(struct pump *p)
{
	for (int i = 0; i < NSOCK; i++) {
		if (!p->ws[i])
			continue;
		sb_ws_close(p->ws[i], 1000);
		sb_ws_free(p->ws[i]);
		p->ws[i] = NULL;
	}
}

static int
connect_all(struct sb_incus *c, struct pump *p, const char *op_path,
	    json_object *op, struct sb_error **err)
{
	json_object *md, *fds;
	long deadline = sb_clock_now_ms() + CONNECT_MS;
	/* Control first, as the Go client does. */
	static const int order[NSOCK] = { S_CTL, S_IN, S_OUT, S_ERR };

	if (!json_object_object_get_ex(op, "metadata", &md) ||
	    !json_object_object_get_ex(md, "fds", &fds))
		return sb_error_set(err, SB_E_DAEMON,
				    "exec: operation %s has no websockets",
				    op_path);
	for (int k = 0; k < NSOCK; k++) {
		int i = order[k];
		json_object *sec;
		_cleanup_free_ char *path = NULL, *esc = NULL;
		long left = deadline - sb_clock_now_ms();

		if (!json_object_object_get_ex(fds, sock_names[i], &sec))
			continue;
		esc = sb_incus_escape(json_object_get_string(sec));
		if (!esc || asprintf(&path, "%s/websocket?secret=%s", op_path,
				     esc) < 0)
			return sb_error_set(err, SB_E_SYSTEM, "out of memory");
		if (left <= 0)
			return sb_error_set(err, SB_E_DAEMON,
					    "exec: websockets not connected "
					    "within %d ms", CONNECT_MS);
		p->ws[i] = sb_ws_connect(c, path, (int)left, err);
		if (!p->ws[i])
			return sb_error_prefix(err, "exec: connecting "
					       "stream %s", sock_names[i]);
	}
	if (!p->ws[S_IN] || (!p->spec->interactive &&
			     (!p->ws[S_OUT] || !p->ws[S_ERR])))
		return sb_error_set(err, SB_E_DAEMON,
				    "exec: operation %s lacks a stream",
				    op_path);
	return 0;
}

int
sb_exec_stream(struct sb_incus *c, const char *instance,
	       const struct sb_exec_spec *spec, int *exit_status,
	       struct sb_error **err)
{
	_cleanup_json_ json_object *body = NULL, *op = NULL, *res = NULL;
	_cleanup_free_ char *inst = sb_incus_escape(instance);
	_cleanup_free_ char *path = NULL, *op_path = NULL;
	struct pump p = { .spec = spec };
	json_object *ret;
	int r;

	*exit_status = -1;
	if (!spec->argv || !spec->argv[0])
		return sb_error_set(err, SB_E_INPUT, "exec: empty command");
	if (!(body = build_body(spec, err)))
		return -1;
	if (!inst || asprintf(&path, "/1.0/instances/%s/exec", inst) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	op_path = sb_incus_start(c, "POST", path, body, &op, err);
	if (!op_path)
		return sb_error_prefix(err, "running '%s' in %s",
				       spec->argv[0], instance);
	p.in_open = spec->fd_in >= 0;
	p.out_fd[S_IN] = spec->fd_out; /* the pty, when interactive */
	p.out_fd[S_OUT] = spec->fd_out;
	p.out_fd[S_ERR] = spec->fd_err;
	p.out_fd[S_CTL] = -1;
	r = connect_all(c, &p, op_path, op, err);
	if (r == 0 && !p.in_open && !spec->interactive)
		r = sb_ws_queue_frame(p.ws[S_IN], 1, SB_WS_TEXT, "", 0, err);
	if (r == 0 && spec->interactive)
		send_resize(&p); /* the size may have changed since the POST */
	if (r == 0)
		r = run_pump(&p, err);
	/* The interactive operation completes only once fd 0 is closed. */
	close_all(&p);
	if (r < 0)
		return sb_error_prefix(err, "running '%s' in %s",
				       spec->argv[0], instance);
	res = sb_incus_wait(c, op_path, WAIT_S, err);
	if (!res)
		return sb_error_prefix(err, "running '%s' in %s",
				       spec->argv[0], instance);
	if (!json_object_object_get_ex(res, "return", &ret))
		return sb_error_set(err, SB_E_DAEMON,
				    "running '%s' in %s: no exit status in "
				    "the operation", spec->argv[0], instance);
	*exit_status = json_object_get_int(ret);
	return 0;
}
