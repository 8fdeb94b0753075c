/* Running a stack's script inside its golden instance: the script pushed
 * in and run as root, its output kept in the stack's log, the versions it
 * reports collected, and the log's tail shown when it fails. */
#include "ops/golden.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "incus/exec.h"
#include "incus/files.h"
#include "ops/golden_internal.h"
#include "sys/fileio.h"

/* Where the script goes inside the instance. */
#define SCRIPT "/root/sandbox-stack.sh"

/* Shows the last lines of a failed step's log, so the cause is on screen
 * without opening the file. */
static void
show_tail(const struct sb_progress *pr, const char *path, int lines)
{
	_cleanup_buf_ struct sb_buf b = { 0 };
	const char *p;
	int n = 0;

	if (sb_fileio_read(path, 64 << 20, &b, SB_IGNORE) < 0 || !b.len)
		return;
	p = b.data + b.len;
	if (p > b.data && p[-1] == '\n')
		p--;
	while (p > b.data && n <= lines)
		if (*--p == '\n')
			n++;
	if (*p == '\n')
		p++;
	sb_report_note(pr, "--- last lines of %s:\n%.*s---", path,
		       (int)(b.data + b.len - p), p);
}

/* The host's CA bundle goes in so base.sh can trust what the host trusts
 * beyond the distribution (see stacks/base.sh). */
static int
push_host_cas(struct sb_incus *c, const char *inst, struct sb_error **err)
{
	_cleanup_buf_ struct sb_buf b = { 0 };

	if (sb_fileio_read("/etc/ssl/certs/ca-certificates.crt", 16 << 20, &b,
			   SB_IGNORE) < 0)
		return 0;
	return sb_file_push(c, inst, "/root/sandbox-host-ca.crt", b.data, b.len,
			    0, 0, 0644, err);
}

/* The "== version: TOOL VERSION" lines a stack script prints, joined by
 * newlines and capped, for --list-stacks (NULL when there are none). */
static char *
collect_versions(const char *out, size_t len)
{
	static const char tag[] = "== version: ";
	struct sb_buf v = { 0 };
	const char *p = out, *end = out + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t n = (size_t)(le - p);

		if (n > sizeof(tag) - 1 &&
		    memcmp(p, tag, sizeof(tag) - 1) == 0 && v.len + n < 4096) {
			/* The container wrote these: printable bytes only. */
			if (v.len)
				sb_buf_appendf(&v, "\n");
			for (const char *q = p + sizeof(tag) - 1; q < le; q++) {
				char ch = *q >= ' ' && *q < 0x7f ? *q : '?';

				sb_buf_appendf(&v, "%c", ch);
			}
		}
		p = le + 1;
	}
	return v.data;
}

int
sb_golden_run_script(struct sb_incus *c, const char *inst,
		     const struct sb_stack *st, const struct sb_progress *pr,
		     char **versions, struct sb_error **err)
{
	const char *stack = st->name, *path = sb_golden_log_path(stack);
	_cleanup_buf_ struct sb_buf body = { 0 }, out = { 0 };
	const char *env[] = { "DEBIAN_FRONTEND=noninteractive", "HOME=/root",
			      "SANDBOX_STACK=", NULL };
	/* Merge stderr into stdout inside so the log keeps their order. */
	const char *sh[] = { "/bin/sh", "-c", "exec /bin/bash " SCRIPT " 2>&1",
			     NULL };
	char envstack[96];
	_cleanup_close_ int log = -1;
	int base = strcmp(stack, "base") == 0, status = -1, ret;

	if (sb_fileio_read(st->path, 1 << 20, &body, err) < 0)
		return -1;
	snprintf(envstack, sizeof(envstack), "SANDBOX_STACK=%s", stack);
	env[2] = envstack;
	if (sb_file_push(c, inst, SCRIPT, body.data, body.len, 0, 0, 0700,
			 err) < 0)
		return -1;
	if ((log = sb_golden_open_log(stack, base, err)) < 0)
		return -1;
	if (dprintf(log, "== %s (%s stack, built on %s%s%s)\n", st->path,
		    sb_stack_origin_name(st->origin),
		    st->parent ? sb_golden_prefix() : "the base image",
		    st->parent ? st->parent : "",
		    st->parent ? "/ready" : "") < 0)
		return sb_error_sys(err, "writing %s", path);
	if (base && push_host_cas(c, inst, err) < 0)
		return -1;
	ret = sb_exec_recorded(c, inst, sh, env, 0, 0, "/root", NULL, 0,
			       &status, &out, NULL, err);
	if (out.len && write(log, out.data, out.len) < 0)
		ret = sb_error_sys(err, "writing %s", path);
	if (ret == 0 && status == 0)
		*versions = collect_versions(out.data ? out.data : "", out.len);
	if (ret < 0)
		return -1;
	sb_file_delete(c, inst, SCRIPT, SB_IGNORE);
	if (status != 0) {
		show_tail(pr, path, 15);
		return sb_error_set(err, SB_E_FAIL,
				    "%s failed with exit status %d (log %s)",
				    st->path, status, path);
	}
	return 0;
}
