/* One ssh-agent per sandbox, on the host.
 *
 * The agent's socket is DIR/NAME.sock, where DIR is /run/sandbox/agents
 * (root only, 0700; $SANDBOX_AGENT_DIR overrides it for tests).  Its pid
 * is kept in DIR/NAME.pid so sandbox-stop can end it; a pid is only ever
 * signalled after /proc shows it is an ssh-agent bound to that socket.
 * Keys go in through `ssh-add -` fed from memory over a socketpair, never
 * through a file.  The container sees the socket through an Incus proxy
 * device; it can use the key, never read it.
 *
 * Calls block on the child processes they run (milliseconds). */
#ifndef SB_AGENT_H
#define SB_AGENT_H

#include <stddef.h>

#include "error.h"

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

/* Ends any agent this sandbox had and starts a fresh, empty one. */
int sb_agent_start(const char *name, struct sb_error **err);
/* Loads a private key (OpenSSH or PEM text) into the sandbox's agent. */
int sb_agent_add(const char *name, const char *key, size_t len,
		 struct sb_error **err);
/* Ends the agent and removes its socket and pid file.  Best effort. */
void sb_agent_stop(const char *name);

/* Asks the agent itself over its socket (SSH_AGENTC_REQUEST_IDENTITIES,
 * draft-miller-ssh-agent §4.4), with a 2 s limit. */
enum sb_agent_state sb_agent_state(const char *name);
/* Same, giving the number of keys; -1 with *err when no agent answers. */
int sb_agent_count(const char *name, int *nkeys, struct sb_error **err);

#endif
