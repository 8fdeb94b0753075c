/* One ssh-agent per sandbox, on the host.
 *
 * The agent runs as the host uid that the container's uid 1000 maps to,
 * so that ssh-agent's own peer check lets the container's uid 1000 (and
 * host root) use it, and nobody else; it is not root, and not dumpable
 * (ssh-agent sees to that), and no process in the container can see it.
 * It binds DIR/NAME.d/agent.sock (DIR is /run/sandbox/agents, root's,
 * 0711; $SANDBOX_AGENT_DIR overrides it for tests), and root gives the
 * same socket two more names: DIR/NAME.sock, which the host side uses,
 * and SHARE/NAME/agent.sock (SHARE is DIR's sibling "share"), in a
 * directory of root's that an Incus disk device shows read-only inside
 * the container: no forkproxy process, and nothing the container can
 * replace.  Its pid is kept in DIR/NAME.pid so sandbox-stop can end it;
 * a pid is only ever signalled after /proc shows it is an ssh-agent
 * bound to that socket.  Keys go in through `ssh-add -` on DIR/NAME.sock,
 * fed from memory over a socketpair, never through a file.  The
 * container can use the key, never read it.
 *
 * Calls block on the child processes they run (milliseconds). */
#ifndef SB_AGENT_H
#define SB_AGENT_H

#include <stddef.h>
#include <sys/types.h>

#include "core/error.h"

#define SB_AGENT_DIR "/run/sandbox/agents"

enum sb_agent_state {
	SB_AGENT_NONE = 0, /* no agent answers on the socket */
	SB_AGENT_NOKEY,    /* an agent answers but holds no key */
	SB_AGENT_OK,       /* an agent holds at least one key */
};

/* The agent directory in use; static storage. */
const char *sb_agent_dir(void);
/* DIR/NAME.sock; caller frees. */
char *sb_agent_socket(const char *name);

#define SB_AGENT_SOCK_NAME "agent.sock" /* in the shared directory */

/* SHARE/NAME (caller frees). */
char *sb_agent_share_dir(const char *name);
/* Makes SHARE/NAME (root's, 0755) before the container starts: its disk
 * device needs the directory to exist. */
int sb_agent_share_prepare(const char *name, struct sb_error **err);
/* Removes SHARE/NAME (sandbox-stop --rm).  Best effort. */
void sb_agent_share_remove(const char *name);

/* Ends any agent this sandbox had and starts a fresh, empty one running
 * as uid/gid ((uid_t)-1: as the caller, for tests). */
int sb_agent_start(const char *name, uid_t uid, gid_t gid,
		   struct sb_error **err);
/* Loads a private key (OpenSSH or PEM text) into the sandbox's agent. */
int sb_agent_add(const char *name, const char *key, size_t len,
		 struct sb_error **err);
/* Ends the agent and removes its sockets and pid file (the shared
 * directory stays, for the device).  Best effort. */
void sb_agent_stop(const char *name);

/* Asks the agent itself over its socket (SSH_AGENTC_REQUEST_IDENTITIES,
 * draft-miller-ssh-agent §4.4), with a 2 s limit. */
enum sb_agent_state sb_agent_state(const char *name);
/* Same, giving the number of keys; -1 with *err when no agent answers. */
int sb_agent_count(const char *name, int *nkeys, struct sb_error **err);

#endif
