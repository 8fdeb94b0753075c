/* The dedicated Squid instance (see squid.h). */
#include "net/squid.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "sys/clock.h"
#include "sys/fileio.h"
#include "sys/paths.h"
#include "sys/spawn.h"
#include "model/sandbox.h"

#define CONF SB_SQUID_DIR "/squid.conf"
#define PIDFILE SB_SQUID_RUNDIR "/squid.pid"
#define CACHELOG SB_SQUID_DIR "/log/cache.log"
#define CERTGEN "/usr/lib/squid/security_file_certgen"
#define WAIT_SECONDS 15.0
/* Destinations Squid never connects to: "this network", private, CGNAT,
 * loopback, link-local (cloud metadata), multicast and reserved. */
#define SB_SQUID_BAD_DST "0.0.0.0/8 10.0.0.0/8 100.64.0.0/10 127.0.0.0/8 " \
	"169.254.0.0/16 172.16.0.0/12 192.168.0.0/16 224.0.0.0/3 ::1 " \
	"fc00::/7 fe80::/10 ff00::/8"

static int
check_addr(const char *a)
{
	struct in_addr x;

	return a && inet_pton(AF_INET, a, &x) == 1 ? 0 : -1;
}

char *
sb_squid_config_text(const char *dir, const char *rundir, const char *b4,
		     const char *user, struct sb_error **err)
{
	_cleanup_buf_ struct sb_buf b = { 0 };

	if (check_addr(b4) < 0) {
		sb_error_set(err, SB_E_INPUT, "invalid bridge address '%s'",
			     b4 ? b4 : "");
		return NULL;
	}
	sb_buf_appendf(&b,
		"# sandbox: the egress filter for restricted sandboxes "
		"(generated; edits are lost)\n"
		"pid_filename %2$s/squid.pid\n"
		"cache_effective_user %4$s\n"
		"visible_hostname sandbox-filter\n"
		"# Names are resolved by the bridge's resolver, the one the "
		"sandboxes use,\n# so both see the same addresses; no hosts "
		"file of the host's.\n"
		"dns_nameservers %3$s\n"
		"hosts_file none\n"
		"# An intercepted request is served only when its destination "
		"is an address\n# of the name it asks for (HTTP Host header, "
		"TLS SNI); otherwise 409.\n"
		"host_verify_strict on\n"
		"# Squid needs one forward-proxy port; this one serves nobody.\n"
		"http_port 127.0.0.1:%5$d\n"
		"http_port %3$s:%6$d intercept name=sb_http\n"
		"https_port %3$s:%7$d intercept ssl-bump "
		"tls-cert=%1$s/tls/cert.pem tls-key=%1$s/tls/key.pem "
		"name=sb_https\n"
		"# ssl-bump ports need the helper even though nothing is "
		"bumped.\n"
		"sslcrtd_program " CERTGEN " -s %1$s/tls/db -M 4MB\n"
		"sslcrtd_children 1 startup=1 idle=1\n"
		"cache deny all\n"
		"cache_mem 0 MB\n"
		"cache_store_log none\n"
		"netdb_filename none\n"
		"pinger_enable off\n"
		"coredump_dir %2$s\n"
		"shutdown_lifetime 1 seconds\n"
		"logformat sandbox %%ts.%%03tu %%>a %%Ss/%%03>Hs %%<st %%rm "
		"%%ru sni=%%ssl::>sni bump=%%ssl::bump_mode\n"
		"access_log stdio:%1$s/log/access.log sandbox\n"
		"cache_log %1$s/log/cache.log\n"
		"acl step1 at_step SslBump1\n"
		"acl sb_https myportname sb_https\n"
		"# Never a way into the host or the LAN, whatever a name "
		"resolves to.\n"
		"acl sb_bad_dst dst " SB_SQUID_BAD_DST "\n"
		"http_access deny sb_bad_dst\n"
		"ssl_bump terminate sb_bad_dst\n"
		"ssl_bump peek step1\n"
		"# One file per restricted sandbox: splice and allow lines.\n"
		"include %1$s/acl/*.conf\n"
		"ssl_bump terminate all\n"
		"http_access deny all\n",
		dir, rundir, b4, user, SB_SQUID_LOCAL_PORT,
		SB_SQUID_HTTP_PORT, SB_SQUID_HTTPS_PORT);
	if (b.overflow || !b.data) {
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
		return NULL;
	}
	return sb_buf_take(&b);
}

/* "10.87.20.5" -> "10_87_20_5", for ACL names. */
static void
acl_id(const char *addr, char *out, size_t n)
{
	snprintf(out, n, "%s", addr);
	for (char *p = out; *p; p++)
		if (*p == '.')
			*p = '_';
}

char *
sb_squid_acl_text(const char *dir, const char *name, const char *addr,
		  struct sb_error **err)
{
	_cleanup_buf_ struct sb_buf b = { 0 };
	char id[64];

	if (check_addr(addr) < 0 || sb_name_check(name, err) < 0) {
		if (check_addr(addr) < 0)
			sb_error_set(err, SB_E_INPUT, "invalid sandbox "
				     "address '%s'", addr ? addr : "");
		return NULL;
	}
	acl_id(addr, id, sizeof(id));
	sb_buf_appendf(&b,
		"# sandbox %2$s\n"
		"acl sb_src_%3$s src %4$s\n"
		"acl sb_dom_%3$s dstdomain \"%1$s/acl/sb-%4$s.domains\"\n"
		"acl sb_sni_%3$s ssl::server_name "
		"\"%1$s/acl/sb-%4$s.domains\"\n"
		"# TLS is let through to ssl_bump, which splices allowed "
		"names\n"
		"http_access allow sb_src_%3$s sb_https\n"
		"http_access allow sb_src_%3$s sb_dom_%3$s\n"
		"ssl_bump splice sb_src_%3$s sb_sni_%3$s\n",
		dir, name, id, addr);
	if (b.overflow || !b.data) {
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
		return NULL;
	}
	return sb_buf_take(&b);
}

static const char *
squid_user(uid_t *uid, gid_t *gid)
{
	struct passwd *pw = getpwnam("proxy");

	if (!pw)
		pw = getpwnam("nobody");
	*uid = pw ? pw->pw_uid : 65534;
	*gid = pw ? pw->pw_gid : 65534;
	return pw ? (pw->pw_uid == 65534 ? "nobody" : "proxy") : "nobody";
}

/* Sets owner and mode through a descriptor opened without following a
 * symbolic link: the Squid user owns these directories and could have
 * replaced one with a link to a file of root's. */
static int
own_nofollow(const char *path, int dir, mode_t mode, uid_t uid, gid_t gid,
	     struct sb_error **err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
				      O_NONBLOCK | (dir ? O_DIRECTORY : 0));
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0 ||
	    (!dir && !S_ISREG(st.st_mode)))
		return sb_error_set(err, SB_E_SYSTEM, "setting owner of %s: "
				    "not a plain %s (a link?)", path,
				    dir ? "directory" : "file");
	if (fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0)
		return sb_error_sys(err, "setting owner of %s", path);
	return 0;
}

static int
mkdir_owned(const char *dir, mode_t mode, uid_t uid, gid_t gid,
	    struct sb_error **err)
{
	if (sb_paths_mkdirs(dir, mode, err) < 0)
		return -1;
	return own_nofollow(dir, 1, mode, uid, gid, err);
}

static int
run_quiet(const char *const *argv, const char *what, struct sb_error **err)
{
	_cleanup_buf_ struct sb_buf out = { .max = 1 << 16 };
	_cleanup_buf_ struct sb_buf errs = { .max = 1 << 16 };
	int r = sb_spawn_cmd(argv, NULL, 0, &out, &errs, err);

	if (r < 0)
		return sb_error_prefix(err, "%s", what);
	if (r != 0) {
		char *nl = errs.data ? strrchr(errs.data, '\n') : NULL;

		/* The last line is the one that says why. */
		while (nl && nl[1] == '\0' && nl > errs.data) {
			*nl = '\0';
			nl = strrchr(errs.data, '\n');
		}
		sb_error_set(err, SB_E_SYSTEM, "%s: %s exited with %d%s%s",
			     what, argv[0], r, errs.data ? ": " : "",
			     errs.data ? (nl ? nl + 1 : errs.data) : "");
	}
	return r == 0 ? 0 : -1;
}

static int
make_tls(uid_t uid, gid_t gid, struct sb_error **err)
{
	struct stat st;

	if (mkdir_owned(SB_SQUID_DIR "/tls", 0700, uid, gid, err) < 0)
		return -1;
	if (stat(SB_SQUID_DIR "/tls/key.pem", &st) < 0) {
		const char *argv[] = {
			"openssl", "req", "-x509", "-newkey", "rsa:2048",
			"-nodes", "-days", "3650",
			"-subj", "/CN=sandbox-filter-never-used",
			"-keyout", SB_SQUID_DIR "/tls/key.pem",
			"-out", SB_SQUID_DIR "/tls/cert.pem", NULL,
		};

		if (run_quiet(argv, "making Squid's throwaway certificate",
			      err) < 0)
			return -1;
	}
	if (own_nofollow(SB_SQUID_DIR "/tls/key.pem", 0, 0600, uid, gid,
			 err) < 0 ||
	    own_nofollow(SB_SQUID_DIR "/tls/cert.pem", 0, 0644, uid, gid,
			 err) < 0)
		return -1;
	if (stat(SB_SQUID_DIR "/tls/db", &st) < 0) {
		const char *argv[] = { CERTGEN, "-c", "-s",
				       SB_SQUID_DIR "/tls/db", "-M", "4MB",
				       NULL };

		if (run_quiet(argv, "making Squid's certificate database",
			      err) < 0)
			return -1;
		/* Squid's helper runs as the Squid user. */
		char owner[64];
		/* -h -P: never through a link. */
		const char *chown_argv[] = { "chown", "-hRP", owner,
					     SB_SQUID_DIR "/tls/db", NULL };

		snprintf(owner, sizeof(owner), "%u:%u", (unsigned)uid,
			 (unsigned)gid);
		if (run_quiet(chown_argv, "setting owner of Squid's "
			      "certificate database", err) < 0)
			return -1;
	}
	return 0;
}

int
sb_squid_pid(void)
{
	char buf[64], path[64], cmd[4096];
	FILE *f = fopen(PIDFILE, "r");
	long pid;
	size_t n;

	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return 0;
	}
	fclose(f);
	pid = strtol(buf, NULL, 10);
	if (pid <= 1 || kill((pid_t)pid, 0) < 0)
		return 0;
	/* A stale pid file may name some other process by now. */
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	if (!(f = fopen(path, "r")))
		return 0;
	n = fread(cmd, 1, sizeof(cmd) - 1, f);
	fclose(f);
	for (size_t i = 0; i < n; i++)
		if (cmd[i] == '\0')
			cmd[i] = ' ';
	cmd[n] = '\0';
	return strstr(cmd, CONF) ? (int)pid : 0;
}

static long
log_size(void)
{
	struct stat st;

	return stat(CACHELOG, &st) == 0 ? (long)st.st_size : 0;
}

/* Waits until Squid says, after offset in cache.log, that it accepts
 * intercepted TLS again (the last port it opens), or dies. */
static int
wait_listening(long offset, struct sb_error **err)
{
	const char *ready = "Accepting NAT intercepted SSL bumped";
	double deadline = sb_clock_now() + WAIT_SECONDS;
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	while (sb_clock_now() < deadline) {
		_cleanup_fclose_ FILE *f = fopen(CACHELOG, "r");
		char line[1024];
		int ok = 0;

		if (f && fseek(f, offset, SEEK_SET) == 0)
			while (fgets(line, sizeof(line), f))
				if (strstr(line, ready))
					ok = 1;
		if (ok)
			return 0;
		if (!sb_squid_pid() && access(PIDFILE, F_OK) < 0 &&
		    sb_clock_now() > deadline - WAIT_SECONDS + 2)
			break;
		nanosleep(&ts, NULL);
	}
	return sb_error_set(err, SB_E_SYSTEM, "squid did not come up: see "
			    CACHELOG);
}

static int
start(struct sb_error **err)
{
	/* Its own session, and no descriptor of ours kept open (a pipe held
	 * by the daemon would block our caller).  Fed by sandbox traffic: it
	 * gets no token, nothing of our caller's environment. */
	const char *argv[] = { "squid", "-f", CONF, NULL };
	struct sb_spawn s = { .argv = argv,
			      .envp = sb_spawn_min_env(),
			      .new_session = 1,
			      .in = { .how = SB_SPAWN_NULL },
			      .out = { .how = SB_SPAWN_NULL },
			      .err = { .how = SB_SPAWN_NULL } };
	_cleanup_error_ struct sb_error *e = NULL;
	long offset = log_size();
	int status;

	/* Not running (sb_squid_pid), yet its pid file may still name the
	 * process: a Squid killed outright stays a zombie until init reaps
	 * it, and Squid would take that for a running instance and refuse
	 * to start. */
	if (unlink(PIDFILE) < 0 && errno != ENOENT)
		return sb_error_sys(err, "removing the stale %s", PIDFILE);
	status = sb_spawn_run(&s, &e);
	if (status < 0 && !s.exec_errno)
		return sb_error_pass(err, &e);
	if (status != 0)
		return sb_error_set(err, SB_E_SYSTEM,
				    "squid -f %s failed to "
				    "start (exit %d): see %s",
				    CONF, status < 0 ? 127 : status, CACHELOG);
	return wait_listening(offset, err);
}

static int
reconfigure(struct sb_error **err)
{
	const char *argv[] = { "squid", "-k", "reconfigure", "-f", CONF,
			       NULL };
	long offset;

	if (!sb_squid_pid())
		return start(err);
	offset = log_size();
	if (run_quiet(argv, "reloading squid", err) < 0)
		return -1;
	return wait_listening(offset, err);
}

int
sb_squid_ensure(struct sb_error **err)
{
	struct stat st;

	if (sb_squid_pid())
		return 0;
	if (stat(CONF, &st) < 0)
		return sb_error_set(err, SB_E_NOTFOUND, "the egress filter is "
				    "not set up (%s missing): run "
				    "sandbox-setup", CONF);
	return start(err);
}

int
sb_squid_setup(const char *bridge4, struct sb_error **err)
{
	uid_t uid;
	gid_t gid;
	const char *user = squid_user(&uid, &gid);
	_cleanup_free_ char *conf = NULL;
	_cleanup_buf_ struct sb_buf cur = { .max = 1 << 20 };
	_cleanup_error_ struct sb_error *e = NULL;
	int changed;

	if (sb_paths_mkdirs(SB_SQUID_DIR, 0755, err) < 0 ||
	    mkdir_owned(SB_SQUID_DIR "/acl", 0755, 0, 0, err) < 0 ||
	    mkdir_owned(SB_SQUID_DIR "/log", 0750, uid, gid, err) < 0 ||
	    mkdir_owned(SB_SQUID_RUNDIR, 0755, uid, gid, err) < 0 ||
	    make_tls(uid, gid, err) < 0)
		return sb_error_prefix(err, "setting up squid");
	/* Squid refuses an include glob that matches nothing. */
	if (access(SB_SQUID_DIR "/acl/00-base.conf", F_OK) < 0 &&
	    sb_fileio_write(SB_SQUID_DIR "/acl/00-base.conf",
			    "# per-sandbox files follow\n", 26, 0644, err) < 0)
		return -1;
	conf = sb_squid_config_text(SB_SQUID_DIR, SB_SQUID_RUNDIR, bridge4,
				    user, err);
	if (!conf)
		return -1;
	changed = sb_fileio_read(CONF, 1 << 20, &cur, &e) < 0 || !cur.data ||
		  strcmp(cur.data, conf) != 0;
	if (changed && sb_fileio_write(CONF, conf, strlen(conf), 0644, err) < 0)
		return -1;
	if (!sb_squid_pid())
		return start(err);
	return changed ? reconfigure(err) : 0;
}

static int forget(const char *name, const char *addr);

/* 1 when path holds exactly data. */
static int
same_file(const char *path, const char *data, size_t len)
{
	_cleanup_buf_ struct sb_buf cur = { .max = 1 << 20 };

	return sb_fileio_read(path, 1 << 20, &cur, SB_IGNORE) == 0 &&
	       cur.len == len && (!len || memcmp(cur.data, data, len) == 0);
}

int
sb_squid_allow(const char *name, const char *addr,
	       const struct sb_allowlist *al, struct sb_error **err)
{
	_cleanup_free_ char *text = sb_squid_acl_text(SB_SQUID_DIR, name,
						      addr, err);
	_cleanup_free_ char *cpath = NULL, *dpath = NULL;
	_cleanup_buf_ struct sb_buf d = { 0 };
	int moved;

	if (!text)
		return -1;
	if (asprintf(&cpath, SB_SQUID_DIR "/acl/sb-%s.conf", addr) < 0 ||
	    asprintf(&dpath, SB_SQUID_DIR "/acl/sb-%s.domains", addr) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	for (size_t i = 0; i < al->n; i++)
		sb_buf_appendf(&d, "%s\n", al->domains[i]);
	/* An empty list still needs a file; this name never resolves. */
	if (al->n == 0)
		sb_buf_appendf(&d, "nothing.invalid\n");
	if (d.overflow)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	moved = forget(name, addr);
	if (!moved && same_file(dpath, d.data, d.len) &&
	    same_file(cpath, text, strlen(text)))
		return 0;
	if (sb_fileio_write(dpath, d.data, d.len, 0644, err) < 0 ||
	    sb_fileio_write(cpath, text, strlen(text), 0644, err) < 0)
		return sb_error_prefix(err, "writing the filter for '%s'",
				       name);
	if (reconfigure(err) < 0)
		return sb_error_prefix(err, "applying the filter for '%s'",
				       name);
	return 1;
}

/* 1 when the ACL file at path is for name (its first line). */
static int
file_names(const char *path, const char *name)
{
	_cleanup_fclose_ FILE *f = fopen(path, "r");
	char line[256], want[256];

	if (!f)
		return 0;
	snprintf(want, sizeof(want), "# sandbox %s\n", name);
	return fgets(line, sizeof(line), f) && strcmp(line, want) == 0;
}

/* Removes the ACL files naming name, or keyed by addr, except those
 * keyed by keep (any may be NULL).  Returns how many were removed. */
static int
forget_files(const char *name, const char *addr, const char *keep)
{
	DIR *d = opendir(SB_SQUID_DIR "/acl");
	struct dirent *e;
	int removed = 0;

	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((e = readdir(d))) {
		char path[512], a[64];
		size_t n = strlen(e->d_name);

		if (strncmp(e->d_name, "sb-", 3) != 0 || n < 8 ||
		    strcmp(e->d_name + n - 5, ".conf") != 0 ||
		    n - 8 >= sizeof(a))
			continue;
		memcpy(a, e->d_name + 3, n - 8);
		a[n - 8] = '\0';
		snprintf(path, sizeof(path), SB_SQUID_DIR "/acl/%s",
			 e->d_name);
		if (keep && strcmp(a, keep) == 0)
			continue;
		if (!((name && file_names(path, name)) ||
		      (addr && strcmp(a, addr) == 0)))
			continue;
		unlink(path);
		snprintf(path, sizeof(path), SB_SQUID_DIR "/acl/sb-%s.domains",
			 a);
		unlink(path);
		removed++;
	}
	closedir(d);
	return removed;
}

/* The same name's files at another address than addr. */
static int
forget(const char *name, const char *addr)
{
	int r = forget_files(name, NULL, addr);

	return r > 0 ? r : 0;
}

int
sb_squid_forget(const char *name, const char *addr, int reload,
		struct sb_error **err)
{
	int removed = forget_files(name, addr, NULL);

	if (removed < 0)
		return sb_error_sys(err, "reading %s/acl", SB_SQUID_DIR);
	if (reload && removed && sb_squid_pid() && reconfigure(err) < 0)
		return -1;
	return removed;
}
