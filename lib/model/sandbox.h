/* The sandbox model: the metadata kept in Incus (names, slots and ports
 * are model/name.h).
 *
 * The state lives in the instance config and devices, in the shape the
 * older bash scripts used (shared/DESIGN.md, "Compatibility contract"), so
 * their containers keep working: instance agent-NAME, keys under
 * user.sandbox., proxy devices ssh-proxy/app-proxy/alt-proxy and
 * port-PORT-PROTO. */
#ifndef SB_SANDBOX_H
#define SB_SANDBOX_H

#include <json-c/json.h>

#include "core/cleanup.h"
#include "core/error.h"
#include "core/text.h"
#include "incus/incus.h"
#include "model/name.h"

/* What sandbox-setup makes and every sandbox uses: the bridge, the
 * profile and the storage pool, each named "sandbox..." so that they
 * never collide with the user's own. */
#define SB_BRIDGE "sandboxbr0"
#define SB_PROFILE "sandbox"
#define SB_POOL "sandbox"

/* The user inside every sandbox (stacks/base.sh makes it): sessions log in
 * as it, it owns its home and the workspace, and the clone and the deploy
 * key's agent run as its ids. */
#define SB_USER "ubuntu"
#define SB_USER_UID 1000
#define SB_USER_GID 1000
/* The same ids as text, for command lines and Incus config values. */
#define SB_USER_UID_TEXT SB_STR(SB_USER_UID)
#define SB_USER_GID_TEXT SB_STR(SB_USER_GID)
#define SB_USER_HOME "/home/" SB_USER
/* Where the repository is cloned and every session starts. */
#define SB_WORKSPACE "/workspace/project"

enum sb_proto { SB_TCP = 1, SB_UDP = 2 };

struct sb_port {
	char *device;   /* device name, e.g. "port-5432-tcp" */
	int proto;      /* SB_TCP or SB_UDP */
	int host_port;  /* listen side */
	int guest_port; /* connect side */
};

struct sb_sandbox {
	char *name;     /* NAME */
	char *instance; /* agent-NAME */
	char *status;   /* "Running", "Stopped", ... */
	int running;
	int slot;       /* 0 when unknown */
	char *stack;
	char *repo;
	char *branch;
	char *domains_file;
	char *deploy_key_id;
	int restricted;
	int cache;       /* user.sandbox.cache: made with --cache */
	int ssh_port, app_port, alt_port; /* 0 when the device is missing */
	struct sb_port *ports;            /* extra port-* devices */
	size_t nports;
	char *ipv4;     /* eth0 address the container reports (display
			   only: never trusted for rules, see DESIGN.md) */
	char *fixed_ipv4;  /* eth0's ipv4.address pinned in its NIC device:
			      the identity every egress rule is keyed on */
	char *nic_network; /* the Incus network eth0 is attached to */
	char *allow_cidr;  /* user.sandbox.allow-cidr, comma-separated */
	char *profile_net; /* "sandbox" or "default" (legacy) */
	char *pool;     /* storage pool of the root disk */
	char *env_json; /* user.sandbox.env: the kept --env values (JSON);
			   wiped when freed */
	char *creating; /* set while sandbox-start is making it (a process
			   token, see sb_clock_process_token) */
};

/* Parses one Instance object (recursion=1 or InstanceFull).  Reads
 * expanded_config/devices when present so profile-provided values count. */
struct sb_sandbox *sb_sandbox_from_json(json_object *inst,
					struct sb_error **err);
void sb_sandbox_free(struct sb_sandbox *s);
SB_DEFINE_CLEANUP(struct sb_sandbox *, sb_sandbox_free)
#define _cleanup_sandbox_ _cleanup_(sb_sandbox_free_ptr)
void sb_sandbox_list_free(struct sb_sandbox **v, size_t n);

/* A proxy device listening on the host's 127.0.0.1:host_port (proto
 * "tcp" or "udp").  With the sandbox's pinned address it forwards in the
 * kernel (nat=true: a DNAT rule Incus writes, no forkproxy process, no
 * second of Incus polling at start) to addr:guest_port; without one
 * (legacy sandboxes) through forkproxy to the container's
 * 127.0.0.1:guest_port.  A new object the caller owns. */
json_object *sb_sandbox_proxy(const char *proto, int host_port,
			      const char *addr, int guest_port);

/* Fetches one sandbox; a missing instance gives SB_E_NOTFOUND with a
 * message that says how to create it. */
struct sb_sandbox *sb_sandbox_get(struct sb_incus *c, const char *name,
				  struct sb_error **err);
/* All agent-* instances in one request (recursion=1; recursion=2 when
 * with_state, which fills ipv4). */
int sb_sandbox_list(struct sb_incus *c, int with_state,
		    struct sb_sandbox ***out, size_t *n, struct sb_error **err);

/* Marks the slots taken by instances (ours and legacy ones alike) and the
 * host ports any instance's proxy devices listen on.  used_ports is a
 * 65536-entry array, or NULL. */
int sb_slots_in_use(struct sb_incus *c, unsigned char used[SB_SLOT_MAX + 1],
		    unsigned char *used_ports, struct sb_error **err);

#endif
