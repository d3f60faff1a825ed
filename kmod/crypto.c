// SPDX-License-Identifier: GPL-2.0
/*
 * crypto.c - sealing of dlock datagrams (see crypto.h for the format) with
 * XChaCha20-Poly1305 from the kernel crypto library, and the per-peer replay
 * window, modelled on WireGuard's counter_validate().
 *
 * The library functions are synchronous and need no transform allocation or
 * per-call memory, so sealing works in any context; dlock only calls them
 * from its per-node work, under the node's lock.
 */

#include "crypto.h"

#include <crypto/chacha20poly1305.h>
#include <linux/bitops.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <asm/byteorder.h>

/*
 * Little-endian fields at any alignment.  Not get/put_unaligned_*(): their
 * header moved (asm/ to linux/) between 6.1 and 6.12.
 */
static void dlock_put_le32(u32 v, u8 *p)
{
	__le32 x = cpu_to_le32(v);

	memcpy(p, &x, sizeof(x));
}

static void dlock_put_le64(u64 v, u8 *p)
{
	__le64 x = cpu_to_le64(v);

	memcpy(p, &x, sizeof(x));
}

static u32 dlock_get_le32(const u8 *p)
{
	__le32 x;

	memcpy(&x, p, sizeof(x));
	return le32_to_cpu(x);
}

static u64 dlock_get_le64(const u8 *p)
{
	__le64 x;

	memcpy(&x, p, sizeof(x));
	return le64_to_cpu(x);
}

static void dlock_seal_put_hdr(u8 *out, u32 cell_id, u32 src, u64 counter)
{
	dlock_put_le32(cell_id, out);
	dlock_put_le32(src, out + 4);
	dlock_put_le64(counter, out + 8);
}

/*
 * The nonce: the counter makes it unique per sender, the sender id unique
 * across the cell (every node uses the same key), the cell id keeps two
 * cells that were given the same key apart.
 */
static void dlock_seal_nonce(u8 nonce[XCHACHA20POLY1305_NONCE_SIZE],
			     u32 cell_id, u32 src, u64 counter)
{
	memset(nonce, 0, XCHACHA20POLY1305_NONCE_SIZE);
	dlock_put_le64(counter, nonce);
	dlock_put_le32(src, nonce + 8);
	dlock_put_le32(cell_id, nonce + 12);
}

void dlock_seal(u8 *out, const u8 *plain, size_t len, u32 cell_id, u32 src,
		u64 counter, const u8 key[DLOCK_KEY_LEN])
{
	u8 nonce[XCHACHA20POLY1305_NONCE_SIZE];

	dlock_seal_put_hdr(out, cell_id, src, counter);
	dlock_seal_nonce(nonce, cell_id, src, counter);
	xchacha20poly1305_encrypt(out + DLOCK_SEAL_HDR_LEN, plain, len,
				  out, DLOCK_SEAL_HDR_LEN, nonce, key);
}

bool dlock_seal_peek(const u8 *sealed, size_t len, struct dlock_seal_hdr *hdr)
{
	if (len < DLOCK_SEAL_OVERHEAD)
		return false;
	hdr->cell_id = dlock_get_le32(sealed);
	hdr->src = dlock_get_le32(sealed + 4);
	hdr->counter = dlock_get_le64(sealed + 8);
	return true;
}

bool dlock_unseal(u8 *plain, const u8 *sealed, size_t len,
		  const struct dlock_seal_hdr *hdr, const u8 key[DLOCK_KEY_LEN])
{
	u8 nonce[XCHACHA20POLY1305_NONCE_SIZE];

	if (len < DLOCK_SEAL_OVERHEAD)
		return false;
	dlock_seal_nonce(nonce, hdr->cell_id, hdr->src, hdr->counter);
	return xchacha20poly1305_decrypt(plain, sealed + DLOCK_SEAL_HDR_LEN,
					 len - DLOCK_SEAL_HDR_LEN,
					 sealed, DLOCK_SEAL_HDR_LEN,
					 nonce, key);
}

bool dlock_replay_check(struct dlock_replay *r, u64 counter)
{
	const unsigned long words = DLOCK_REPLAY_BITS_TOTAL / BITS_PER_LONG;
	unsigned long index, index_current, top, i;

	/* Counters are stored one up so that 0 can mean "none yet". */
	if (counter == U64_MAX)
		return false;
	++counter;
	if (DLOCK_REPLAY_WINDOW + counter < r->counter)
		return false;

	index = counter >> ilog2(BITS_PER_LONG);
	if (counter > r->counter) {
		/* Slide forward, clearing the words the window leaves. */
		index_current = r->counter >> ilog2(BITS_PER_LONG);
		top = min_t(u64, index - index_current, words);
		for (i = 1; i <= top; ++i)
			r->backtrack[(i + index_current) & (words - 1)] = 0;
		r->counter = counter;
	}
	index &= words - 1;
	return !__test_and_set_bit(counter & (BITS_PER_LONG - 1),
				   &r->backtrack[index]);
}
