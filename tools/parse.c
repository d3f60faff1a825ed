// SPDX-License-Identifier: GPL-2.0
/* parse.c - the value parsers of parse.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "parse.h"

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;
	int d;

	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return -EINVAL;
	} else if (s[0] == '0' && s[1]) {
		/* "010" would be 8 to strtoul(0) and 10 to a reader. */
		return -EINVAL;
	}
	for (; *s; s++) {
		d = hex_digit(*s);
		if (d < 0 || (unsigned int)d >= base)
			return -EINVAL;
		v = v * base + d;
		/* Keep counting digits, but stop growing past the range. */
		if (v > UINT32_MAX)
			v = (uint64_t)UINT32_MAX + 1;
	}
	if (v < min || v > max)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

int check_netns_name(const char *name)
{
	size_t len;

	if (!name)
		return -EINVAL;
	len = strlen(name);
	if (!len || len >= NAME_MAX || strchr(name, '/') ||
	    !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	return 0;
}

int parse_seconds_ms(const char *s, uint32_t min_ms, uint32_t max_ms,
		     uint32_t *ms)
{
	uint64_t v = 0;
	unsigned int decimals = 0;
	bool dot = false, digits = false;

	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s == '.' && !dot) {
			dot = true;
			continue;
		}
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (dot && ++decimals > 3)
			return -EINVAL;
		digits = true;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > (uint64_t)UINT32_MAX * 1000)
			v = (uint64_t)UINT32_MAX * 1000 + 1;
	}
	if (!digits)
		return -EINVAL;
	for (; decimals < 3; decimals++)
		v *= 10;
	if (v < min_ms || v > max_ms)
		return -ERANGE;
	*ms = (uint32_t)v;
	return 0;
}

int parse_endpoint(const char *s, uint32_t *family, uint8_t addr[16],
		   uint16_t *port)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *p = NULL;
	uint32_t v = 0;
	size_t len;

	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '[') {
		colon = strchr(s, ']');
		if (!colon)
			return -EINVAL;
		len = (size_t)(colon - s - 1);
		s++;
		if (colon[1] == ':')
			p = colon + 2;
		else if (colon[1])
			return -EINVAL;
	} else {
		colon = strchr(s, ':');
		/* One colon: IPv4 with a port; more: a bare IPv6 address. */
		if (colon && !strchr(colon + 1, ':')) {
			len = (size_t)(colon - s);
			p = colon + 1;
		} else {
			len = strlen(s);
		}
	}
	if (!len || len >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, len);
	host[len] = '\0';
	if (p && parse_u32(p, 1, 65535, &v))
		return -EINVAL;
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, host, addr) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, host, addr) == 1)
		*family = AF_INET6;
	else
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

static int base64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int parse_key(const char *s, uint8_t key[32])
{
	uint8_t out[32];
	uint32_t acc = 0;
	size_t i, n = 0;
	int bits = 0, d;

	if (!s)
		return -EINVAL;
	if (strlen(s) == 64) {
		for (i = 0; i < 32; i++) {
			int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);

			if (hi < 0 || lo < 0)
				return -EINVAL;
			out[i] = (uint8_t)(hi << 4 | lo);
		}
		memcpy(key, out, 32);
		return 0;
	}
	/* 32 bytes are 43 base64 digits and one '=' of padding. */
	if (strlen(s) != 44 || s[43] != '=')
		return -EINVAL;
	for (i = 0; i < 43; i++) {
		d = base64_value(s[i]);
		if (d < 0)
			return -EINVAL;
		acc = acc << 6 | (uint32_t)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	/* The last digit's two spare bits must be zero (canonical form). */
	if (acc & ((1U << bits) - 1))
		return -EINVAL;
	memcpy(key, out, 32);
	return 0;
}
