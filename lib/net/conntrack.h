/* Forgetting a sandbox's connections in the kernel's connection tracking.
 *
 * The egress rules let established connections through before anything
 * else (ct state established,related accept), so a connection opened
 * under old rules would outlive a change that forbids it.  After a
 * sandbox's rules change, and once it has stopped, every tracked
 * connection from or to its address is destroyed.  Uses
 * libnetfilter_conntrack (the library the conntrack tool is built on);
 * needs CAP_NET_ADMIN; never blocks on anything but the kernel. */
#ifndef SB_CONNTRACK_H
#define SB_CONNTRACK_H

#include "core/error.h"

/* Destroys every entry whose original source or destination, or reply
 * source or destination, is ipv4.  The number destroyed, or -1. */
int sb_conntrack_flush(const char *ipv4, struct sb_error **err);

#endif
