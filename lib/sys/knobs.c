/* The toolkit's environment variables, read once (see knobs.h). */
#include "sys/knobs.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static struct sb_knobs knobs;
static pthread_once_t knobs_once = PTHREAD_ONCE_INIT;

/* A copy: getenv's pointer may go stale when the variable is set again. */
static const char *
knob(const char *var)
{
	const char *v = getenv(var);

	return v && *v ? strdup(v) : NULL;
}

static void
knobs_read(void)
{
	knobs.incus_socket = knob("INCUS_SOCKET");
	knobs.incus_dir = knob("INCUS_DIR");
	knobs.lxd_socket = knob("LXD_SOCKET");
	knobs.lxd_dir = knob("LXD_DIR");
	knobs.datadir = knob("SANDBOX_DATADIR");
	knobs.github_ssh = knob("SANDBOX_GITHUB_SSH");
	knobs.image_server = knob("SANDBOX_IMAGE_SERVER");
	knobs.agent_dir = knob("SANDBOX_AGENT_DIR");
	knobs.apt_root = knob("SANDBOX_APT_ROOT");
	knobs.golden_prefix = knob("SANDBOX_GOLDEN_PREFIX");
	knobs.nuke_only = knob("SANDBOX_NUKE_ONLY");
	knobs.fail_at = knob("SANDBOX_FAIL_AT");
	knobs.profile = knob("SANDBOX_PROFILE");
}

const struct sb_knobs *
sb_knobs_get(void)
{
	pthread_once(&knobs_once, knobs_read);
	return &knobs;
}
