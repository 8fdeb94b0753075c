/* Deploy keys in memory and the per-sandbox agent, against the real
 * OpenSSH ssh-agent, ssh-add and ssh-keygen (in a private temporary
 * agent directory, never /run/sandbox/agents). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "creds/agent.h"
#include "creds/deploykey.h"
#include "tap.h"
#include "testutil.h"

static char dir[] = "/tmp/test-deploykey-XXXXXX";

static char *
path_in(const char *leaf)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, leaf) < 0)
		abort();
	return p;
}

static void
test_generate(void)
{
	struct sb_error *e = NULL;
	struct sb_deploykey *k = sb_deploykey_generate("sandbox-api", &e);
	struct sb_deploykey *k2 = sb_deploykey_generate("sandbox-api", &e);
	char *pem = NULL, *file = path_in("gen");
	size_t len = 0;
	const char *pub;

	CHECK(k && k2, "generate");
	pub = sb_deploykey_public(k);
	CHECK(strncmp(pub, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5", 32) == 0,
	      "public line: %s", pub);
	CHECK(strstr(pub, sb_deploykey_blob(k)) == pub + 12, "blob in line");
	CHECK(strcmp(pub + strlen(pub) - 12, " sandbox-api") == 0,
	      "comment: %s", pub);
	CHECK(strncmp(sb_deploykey_fingerprint(k), "SHA256:", 7) == 0,
	      "fingerprint %s", sb_deploykey_fingerprint(k));
	CHECK(strcmp(sb_deploykey_blob(k), sb_deploykey_blob(k2)) != 0,
	      "two keys differ");
	CHECK(sb_deploykey_private(k, &pem, &len, &e) == 0, "export");
	CHECK(pem && len == strlen(pem) &&
	      strncmp(pem, "-----BEGIN OPENSSH PRIVATE KEY-----\n", 36) == 0,
	      "openssh form");
	/* The exported text is the same key when read back. */
	tu_write_file(dir, "gen", pem, 0600);
	sb_deploykey_wipe(pem, len);
	sb_deploykey_free(k2);
	k2 = sb_deploykey_from_file(file, "x", &e);
	CHECK(k2 && strcmp(sb_deploykey_blob(k2), sb_deploykey_blob(k)) == 0,
	      "round trip");
	unlink(file);
	free(file);
	sb_deploykey_free(k);
	sb_deploykey_free(k2);
	sb_error_free(e);
}

static void
test_from_file(void)
{
	struct sb_error *e = NULL;
	struct sb_deploykey *k;
	char *enc = path_in("enc"), *rsa = path_in("rsa"), *junk = path_in("j");
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "ssh-keygen -q -t ed25519 -N secret -f %s "
		 "&& ssh-keygen -q -t rsa -b 2048 -m PEM -N '' -f %s", enc, rsa);
	CHECK(system(cmd) == 0, "ssh-keygen");
	k = sb_deploykey_from_file(enc, NULL, &e);
	CHECK(k == NULL && e && strstr(e->msg, "passphrase"),
	      "encrypted refused: %s", e ? e->msg : "");
	sb_error_free(e), e = NULL;
	k = sb_deploykey_from_file(rsa, "c", &e);
	CHECK(k && strncmp(sb_deploykey_public(k), "ssh-rsa AAAA", 12) == 0,
	      "PEM rsa read");
	sb_deploykey_free(k);
	tu_write_file(dir, "j", "hello\n", 0644);
	k = sb_deploykey_from_file(junk, NULL, &e);
	CHECK(k == NULL && e && strstr(e->msg, "not an OpenSSH or PEM"),
	      "junk refused: %s", e ? e->msg : "");
	sb_error_free(e), e = NULL;
	k = sb_deploykey_from_file(dir, NULL, &e);
	CHECK(k == NULL && e && strstr(e->msg, "regular file"),
	      "directory refused");
	sb_error_free(e), e = NULL;
	k = sb_deploykey_from_file("/nonexistent/key", NULL, &e);
	CHECK(k == NULL && e && strstr(e->msg, "/nonexistent/key") &&
	      strstr(e->msg, "No such file"), "missing file named");
	sb_error_free(e);
	snprintf(cmd, sizeof(cmd), "rm -f %s %s.pub %s %s.pub %s", enc, enc,
		 rsa, rsa, junk);
	CHECK(system(cmd) == 0, "cleanup");
	free(enc);
	free(rsa);
	free(junk);
}

static void
test_agent(void)
{
	struct sb_error *e = NULL;
	struct sb_deploykey *k = sb_deploykey_generate("sandbox-ut", &e);
	char *adir = path_in("agents"), *sock, *pem = NULL;
	char cmd[512], line[1024] = "";
	size_t len = 0;
	struct stat st;
	int n = -1;
	FILE *p;

	setenv("SANDBOX_AGENT_DIR", adir, 1);
	CHECK(sb_agent_state("ut") == SB_AGENT_NONE, "none before start");
	CHECK(sb_agent_count("ut", &n, &e) == -1 && e, "count without agent");
	sb_error_free(e), e = NULL;
	CHECK(sb_agent_start("ut", (uid_t)-1, (gid_t)-1, &e) == 0, "start: %s", e ? e->msg : "");
	CHECK(stat(adir, &st) == 0 && (st.st_mode & 0777) == 0711,
	      "agent directory 0711: passable, not listable");
	CHECK(sb_agent_state("ut") == SB_AGENT_NOKEY, "empty agent");
	sb_deploykey_private(k, &pem, &len, &e);
	CHECK(sb_agent_add("ut", pem, len, &e) == 0, "add: %s",
	      e ? e->msg : "");
	sb_deploykey_wipe(pem, len);
	CHECK(sb_agent_count("ut", &n, &e) == 0 && n == 1, "one key (%d)", n);
	CHECK(sb_agent_state("ut") == SB_AGENT_OK, "ok");
	/* ssh-add -L through the socket shows exactly our public key. */
	sock = sb_agent_socket("ut");
	snprintf(cmd, sizeof(cmd), "SSH_AUTH_SOCK=%s ssh-add -L", sock);
	p = popen(cmd, "r");
	if (p && !fgets(line, sizeof(line), p))
		line[0] = '\0';
	if (p)
		pclose(p);
	CHECK(strstr(line, sb_deploykey_blob(k)) != NULL, "ssh-add -L: %s",
	      line);
	CHECK(sb_agent_add("ut", "garbage\n", 8, &e) == -1, "garbage refused");
	CHECK(e && strstr(e->msg, "loading the key") != NULL, "says why: %s",
	      e ? e->msg : "");
	sb_error_free(e), e = NULL;
	/* A second start replaces the agent: the old key is gone. */
	CHECK(sb_agent_start("ut", (uid_t)-1, (gid_t)-1, &e) == 0, "restart");
	CHECK(sb_agent_state("ut") == SB_AGENT_NOKEY, "fresh agent is empty");
	sb_agent_stop("ut");
	CHECK(sb_agent_state("ut") == SB_AGENT_NONE, "stopped");
	CHECK(access(sock, F_OK) != 0, "socket removed");
	CHECK(sb_agent_start("../x", (uid_t)-1, (gid_t)-1, &e) == -1, "bad name refused");
	sb_error_free(e);
	rmdir(adir);
	free(sock);
	free(adir);
	sb_deploykey_free(k);
}

int
main(void)
{
	if (!mkdtemp(dir))
		return 1;
	test_generate();
	test_from_file();
	test_agent();
	rmdir(dir);
	return tap_done();
}
