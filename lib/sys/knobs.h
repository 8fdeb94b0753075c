/* The toolkit's own environment variables, read once, on the first call,
 * so that no module deep in lib/ reads the environment by itself and a
 * variable read in several places is read once.  Unset and empty are the
 * same: NULL.  Values are copies; later setenv calls do not change them.
 *
 * For users (in sandbox(1), sandbox-start(1), sandbox-setup(1) and
 * README.md; INCUS_DIR and LXD_* as the incus and lxc clients read them):
 *   INCUS_SOCKET          the Incus socket, taken as given
 *   INCUS_DIR             the daemon's directory: its unix.socket, and the
 *                         storage pools the cache volumes are emptied in
 *   LXD_SOCKET, LXD_DIR   LXD's equivalents, tried after Incus's sockets
 *   SANDBOX_DATADIR       where stacks/ and allowlists/ are
 *   SANDBOX_GITHUB_SSH    HOST[:PORT] git's SSH for github.com goes to
 *   SANDBOX_IMAGE_SERVER  the URL of the "images" remote for --base
 *
 * For tests and the benchmarks only (set by tests/ and bench/):
 *   SANDBOX_AGENT_DIR     where the ssh-agent sockets go (absolute)
 *   SANDBOX_APT_ROOT      the /etc/apt the host mirror is found in
 *   SANDBOX_GOLDEN_PREFIX a run's own prefix for golden images
 *   SANDBOX_NUKE_ONLY     sandbox-nuke removes only names with this prefix
 *   SANDBOX_FAIL_AT       the step of start or restore made to fail
 *   SANDBOX_PROFILE       the profile sandboxes are created with
 *
 * The caller's session (SUDO_USER, HOME, TERM, LANG, NO_COLOR, TMUX) and
 * GitHub's (GH_TOKEN, GITHUB_TOKEN, GITHUB_API_URL) are read where they
 * are used: they describe the invoking user, not the toolkit.
 *
 * Thread-safe; never blocks. */
#ifndef SB_KNOBS_H
#define SB_KNOBS_H

struct sb_knobs {
	const char *incus_socket;
	const char *incus_dir;
	const char *lxd_socket;
	const char *lxd_dir;
	const char *datadir;
	const char *github_ssh;
	const char *image_server;
	const char *agent_dir;
	const char *apt_root;
	const char *golden_prefix;
	const char *nuke_only;
	const char *fail_at;
	const char *profile;
};

/* The values, read from the environment on the first call.  Static
 * storage, never freed. */
const struct sb_knobs *sb_knobs_get(void);

#endif
