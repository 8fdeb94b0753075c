/* Deploy keys in memory: a fresh ed25519 key made with libssh, or the
 * user's own key read from a file (--ssh-key).  Nothing here writes a
 * file.  The private half leaves the struct only through
 * sb_deploykey_private(), as a buffer the caller wipes with
 * sb_deploykey_wipe() as soon as it has been handed to ssh-add.
 * Nothing here blocks (generation takes well under a millisecond). */
#ifndef SB_DEPLOYKEY_H
#define SB_DEPLOYKEY_H

#include <stddef.h>

#include "core/cleanup.h"
#include "core/error.h"

struct sb_deploykey;

/* A new ed25519 key; comment goes into the public line. */
struct sb_deploykey *sb_deploykey_generate(const char *comment,
					   struct sb_error **err);
/* The user's own private key from path (OpenSSH or PEM; ed25519, ECDSA or
 * RSA).  Keys protected by a passphrase are refused: ssh-add fed from a
 * pipe has no way to ask for it.  The file's bytes are wiped from memory
 * once parsed. */
struct sb_deploykey *sb_deploykey_from_file(const char *path,
					    const char *comment,
					    struct sb_error **err);
/* Wipes and frees. */
void sb_deploykey_free(struct sb_deploykey *k);
SB_DEFINE_CLEANUP(struct sb_deploykey *, sb_deploykey_free)
#define _cleanup_deploykey_ _cleanup_(sb_deploykey_free_ptr)

/* "ssh-ed25519 AAAA... comment", the line GitHub and authorized_keys take. */
const char *sb_deploykey_public(const struct sb_deploykey *k);
/* The base64 blob alone ("AAAA..."), as ssh-add -L and agents show it. */
const char *sb_deploykey_blob(const struct sb_deploykey *k);
/* "SHA256:..." as ssh-keygen -l prints it. */
const char *sb_deploykey_fingerprint(const struct sb_deploykey *k);

/* The private key in OpenSSH text form, unencrypted, in a new buffer of
 * *len bytes.  The caller passes it to sb_deploykey_wipe() after use. */
int sb_deploykey_private(const struct sb_deploykey *k, char **pem,
			 size_t *len, struct sb_error **err);
void sb_deploykey_wipe(char *pem, size_t len);

#endif
