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

/* Each knob: its field in struct sb_knobs and its variable.  One list, so
 * the struct and the reading of the environment cannot drift apart. */
#define SB_KNOBS(X)                                                            \
	X(incus_socket, "INCUS_SOCKET")                                        \
	X(incus_dir, "INCUS_DIR")                                              \
	X(lxd_socket, "LXD_SOCKET")                                            \
	X(lxd_dir, "LXD_DIR")                                                  \
	X(datadir, "SANDBOX_DATADIR")                                          \
	X(github_ssh, "SANDBOX_GITHUB_SSH")                                    \
	X(image_server, "SANDBOX_IMAGE_SERVER")                                \
	X(agent_dir, "SANDBOX_AGENT_DIR")                                      \
	X(apt_root, "SANDBOX_APT_ROOT")                                        \
	X(golden_prefix, "SANDBOX_GOLDEN_PREFIX")                              \
	X(nuke_only, "SANDBOX_NUKE_ONLY")                                      \
	X(fail_at, "SANDBOX_FAIL_AT")                                          \
	X(profile, "SANDBOX_PROFILE")

struct sb_knobs {
#define SB_KNOB_FIELD(field, var) const char *field;
	SB_KNOBS(SB_KNOB_FIELD)
#undef SB_KNOB_FIELD
};

/* The values, read from the environment on the first call.  Static
 * storage, never freed. */
const struct sb_knobs *sb_knobs_get(void);

#endif
