/* Deploy keys with libssh.  libssh's key objects hold the private key in
 * its crypto backend's memory, which that backend clears on free; the
 * text form exists only between sb_deploykey_private() and
 * sb_deploykey_wipe(). */
#include "creds/deploykey.h"

#include <errno.h>
#include <fcntl.h>
#include <libssh/libssh.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "sys/userfile.h"

#define KEYFILE_MAX ((size_t)64 << 10)
#define NOT_A_KEY_FILE                                                         \
	"ssh key '%s' is not a private key file (a regular file under 64 KiB)"

struct sb_deploykey {
	ssh_key key;
	char *blob;        /* base64 public blob */
	char *pub;         /* "type blob comment" */
	char *fingerprint; /* "SHA256:..." */
};

void
sb_deploykey_wipe(char *pem, size_t len)
{
	if (!pem)
		return;
	explicit_bzero(pem, len);
	free(pem);
}

void
sb_deploykey_free(struct sb_deploykey *k)
{
	if (!k)
		return;
	ssh_key_free(k->key);
	SB_FREE_MANY(k->blob, k->pub, k->fingerprint, k);
}

/* Fills the public parts from k->key. */
static int
describe(struct sb_deploykey *k, const char *comment, struct sb_error **err)
{
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *b64 = NULL, *fp;
	const char *type = ssh_key_type_to_char(ssh_key_type(k->key));

	if (ssh_pki_export_pubkey_base64(k->key, &b64) != SSH_OK || !type)
		return sb_error_set(err, SB_E_FAIL,
				    "cannot export the public key");
	k->blob = strdup(b64);
	ssh_string_free_char(b64);
	if (!k->blob || asprintf(&k->pub, "%s %s%s%s", type, k->blob,
				 comment ? " " : "", comment ? comment : "") < 0) {
		k->pub = NULL;
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	}
	if (ssh_get_publickey_hash(k->key, SSH_PUBLICKEY_HASH_SHA256, &hash,
				   &hlen) != 0)
		return sb_error_set(err, SB_E_FAIL,
				    "cannot compute the key's fingerprint");
	fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	ssh_clean_pubkey_hash(&hash);
	if (!fp)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	k->fingerprint = strdup(fp);
	ssh_string_free_char(fp);
	if (!k->fingerprint)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	return 0;
}

struct sb_deploykey *
sb_deploykey_generate(const char *comment, struct sb_error **err)
{
	_cleanup_deploykey_ struct sb_deploykey *k = calloc(1, sizeof(*k));

	if (!k) {
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
		return NULL;
	}
	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &k->key) != SSH_OK) {
		k->key = NULL;
		sb_error_set(err, SB_E_FAIL,
			     "generating an ed25519 key with libssh failed");
		return NULL;
	}
	if (describe(k, comment, err) < 0)
		return NULL;
	return TAKE_PTR(k);
}

/* libssh asks for a passphrase through this; being asked means the key
 * is encrypted. */
static int
no_passphrase(const char *prompt, char *buf, size_t len, int echo,
	      int verify, void *userdata)
{
	(void)prompt, (void)echo, (void)verify;
	if (len)
		buf[0] = '\0';
	*(int *)userdata = 1;
	return -1;
}

/* The key file's bytes in b, allocated once at the file's size so that
 * no reallocation leaves a copy of the key behind; the caller wipes b. */
static int
read_key_file(const char *path, struct sb_buf *b, struct sb_error **err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	size_t size;

	/* --ssh-key names the user's file: opened with their rights under
	 * sudo, never root's. */
	fd = sb_userfile_open(path);
	if (fd < 0 && errno == EINVAL)
		return sb_error_set(err, SB_E_INPUT, NOT_A_KEY_FILE, path);
	if (fd < 0 || fstat(fd, &st) < 0)
		return sb_error_sys(err, "cannot read ssh key '%s'", path);
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (size_t)st.st_size > KEYFILE_MAX)
		return sb_error_set(err, SB_E_INPUT, NOT_A_KEY_FILE, path);
	size = (size_t)st.st_size;
	b->data = malloc(size + 1);
	if (!b->data)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	b->cap = size + 1;
	while (b->len < size) {
		ssize_t r = read(fd, b->data + b->len, size - b->len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		b->len += (size_t)r;
	}
	b->data[b->len] = '\0';
	return 0;
}

struct sb_deploykey *
sb_deploykey_from_file(const char *path, const char *comment,
		       struct sb_error **err)
{
	_cleanup_wipe_buf_ struct sb_buf data = { 0 };
	_cleanup_deploykey_ struct sb_deploykey *k = NULL;
	int asked = 0, rc;

	if (read_key_file(path, &data, err) < 0)
		return NULL;
	k = calloc(1, sizeof(*k));
	if (!k) {
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
		return NULL;
	}
	rc = ssh_pki_import_privkey_base64(data.data, NULL, no_passphrase,
					   &asked, &k->key);
	/* Parsed: the text goes now, not at the end of the scope. */
	sb_buf_wipe(&data);
	if (rc != SSH_OK) {
		k->key = NULL;
		if (asked)
			sb_error_set(err, SB_E_INPUT,
				"ssh key '%s' is protected by a passphrase, "
				"which cannot be given to the sandbox's agent; "
				"use a key without one", path);
		else
			sb_error_set(err, SB_E_INPUT,
				"'%s' is not an OpenSSH or PEM private key",
				path);
		return NULL;
	}
	if (describe(k, comment, err) < 0)
		return NULL;
	return TAKE_PTR(k);
}

const char *
sb_deploykey_public(const struct sb_deploykey *k)
{
	return k->pub;
}

const char *
sb_deploykey_blob(const struct sb_deploykey *k)
{
	return k->blob;
}

const char *
sb_deploykey_fingerprint(const struct sb_deploykey *k)
{
	return k->fingerprint;
}

int
sb_deploykey_private(const struct sb_deploykey *k, char **pem, size_t *len,
		     struct sb_error **err)
{
	char *b64 = NULL;
	size_t n;

	*pem = NULL;
	*len = 0;
	if (ssh_pki_export_privkey_base64(k->key, NULL, NULL, NULL, &b64) !=
	    SSH_OK || !b64)
		return sb_error_set(err, SB_E_FAIL,
				    "cannot export the private key");
	/* Copy into memory we own so the wipe-and-free pairing is ours, then
	 * wipe libssh's string. */
	n = strlen(b64);
	*pem = malloc(n + 2);
	if (*pem) {
		memcpy(*pem, b64, n);
		if (n == 0 || b64[n - 1] != '\n')
			(*pem)[n++] = '\n';
		(*pem)[n] = '\0';
		*len = n;
	}
	explicit_bzero(b64, strlen(b64));
	ssh_string_free_char(b64);
	if (!*pem)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	return 0;
}
