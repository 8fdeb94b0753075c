/* Connection-tracking flush for one address (see conntrack.h). */
#include "net/conntrack.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <netinet/in.h>
#include <string.h>

struct flush {
	struct nfct_handle *del; /* a second handle: the dump's is busy */
	uint32_t addr;           /* network order, as the attributes are */
	int n;
};

static int
on_entry(enum nf_conntrack_msg_type type, struct nf_conntrack *ct,
	 void *data)
{
	struct flush *f = data;
	static const enum nf_conntrack_attr attrs[] = {
		ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV4_DST,
		ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV4_DST,
	};

	(void)type;
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		if (nfct_attr_is_set(ct, attrs[i]) > 0 &&
		    nfct_get_attr_u32(ct, attrs[i]) == f->addr) {
			if (nfct_query(f->del, NFCT_Q_DESTROY, ct) == 0 ||
			    errno == ENOENT)
				f->n++;
			break;
		}
	return NFCT_CB_CONTINUE;
}

int
sb_conntrack_flush(const char *ipv4, struct sb_error **err)
{
	struct flush f = { 0 };
	struct nfct_handle *h;
	struct in_addr a;
	uint32_t family = AF_INET;
	int r;

	if (!ipv4 || inet_pton(AF_INET, ipv4, &a) != 1)
		return sb_error_set(err, SB_E_INPUT, "invalid address '%s' "
				    "for a connection-tracking flush",
				    ipv4 ? ipv4 : "");
	f.addr = a.s_addr;
	if (!(h = nfct_open(CONNTRACK, 0)))
		return sb_error_sys(err, "opening connection tracking");
	if (!(f.del = nfct_open(CONNTRACK, 0))) {
		nfct_close(h);
		return sb_error_sys(err, "opening connection tracking");
	}
	nfct_callback_register(h, NFCT_T_ALL, on_entry, &f);
	r = nfct_query(h, NFCT_Q_DUMP, &family);
	nfct_close(f.del);
	nfct_close(h);
	if (r < 0)
		return sb_error_sys(err, "listing tracked connections of %s",
				    ipv4);
	return f.n;
}
