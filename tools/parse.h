/* SPDX-License-Identifier: GPL-2.0 */
/* parse.h - strict parsing of command-line values for dlockadm. */
#ifndef DLOCKADM_PARSE_H
#define DLOCKADM_PARSE_H

#include <stdint.h>

/*
 * Parse s as an unsigned integer in [min, max]: decimal, or hexadecimal with
 * a 0x prefix.  Nothing else is accepted: no sign, no spaces, no trailing
 * characters, no octal.  0 and *out set, or -EINVAL (not a number) or
 * -ERANGE (outside [min, max]) with *out untouched.
 */
int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

/*
 * A network namespace name as ip-netns(8) names them under /run/netns: not
 * empty, not "." or "..", no '/', shorter than NAME_MAX.  0 or -EINVAL.
 */
int check_netns_name(const char *name);

/*
 * Parse s as seconds with up to three decimals ("2", "0.5", "1.250") into
 * milliseconds in [min_ms, max_ms].  0 and *ms set, or -EINVAL / -ERANGE
 * with *ms untouched.
 */
int parse_seconds_ms(const char *s, uint32_t min_ms, uint32_t max_ms,
		     uint32_t *ms);

/*
 * Parse an IPv4 or IPv6 address, optionally with a port: "10.0.0.1",
 * "10.0.0.1:7477", "fe80::1", "[fe80::1]:7477".  *family is AF_INET or
 * AF_INET6, addr gets 4 or 16 bytes in network order, *port the port or 0
 * when none was given.  0, or -EINVAL.
 */
int parse_endpoint(const char *s, uint32_t *family, uint8_t addr[16],
		   uint16_t *port);

/*
 * Parse a 32-byte key given as 64 hexadecimal digits or as 44 characters
 * of base64 (as wg(8) prints keys).  0 or -EINVAL.
 */
int parse_key(const char *s, uint8_t key[32]);

#endif /* DLOCKADM_PARSE_H */
