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

#endif /* DLOCKADM_PARSE_H */
