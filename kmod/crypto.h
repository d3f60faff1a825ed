/* SPDX-License-Identifier: GPL-2.0 */
/*
 * crypto.h - sealing of dlock datagrams under the cell key.
 *
 * A sealed datagram is a clear header, the encrypted core datagram and a
 * Poly1305 tag:
 *
 *   le32 cell_id | le32 src | le64 counter | ciphertext | tag[16]
 *
 * The clear header is the AEAD's associated data, so none of it can be
 * changed in flight.  The cell key is shared by every node of the cell, so
 * the nonce must differ between senders as well as between datagrams of one
 * sender: it is XChaCha20's 24 bytes made of the counter, the sender id and
 * the cell id.  A sender's counter starts at the wall clock in nanoseconds
 * when its node starts and grows by one per datagram, so a restarted node
 * never reuses a nonce and looks, to its peers' replay windows, like a jump
 * forward.  The header plus tag is 32 bytes: with DL_WIRE_MTU (1200) this
 * still fits a 1280-byte IPv6 path without fragmenting.
 */
#ifndef DLOCK_CRYPTO_H
#define DLOCK_CRYPTO_H

#include <linux/dlock.h>
#include <linux/types.h>

#define DLOCK_SEAL_HDR_LEN	16
#define DLOCK_SEAL_TAG_LEN	16
#define DLOCK_SEAL_OVERHEAD	(DLOCK_SEAL_HDR_LEN + DLOCK_SEAL_TAG_LEN)

/*
 * Replay window: WireGuard's counter validation (receive.c/noise), with a
 * smaller window.  Datagrams more than DLOCK_REPLAY_WINDOW counters older
 * than the newest seen are refused, as are exact repeats.
 */
#define DLOCK_REPLAY_BITS_TOTAL	1024
#define DLOCK_REPLAY_WINDOW	(DLOCK_REPLAY_BITS_TOTAL - BITS_PER_LONG)

struct dlock_replay {
	/* One past the newest counter accepted; 0 before the first. */
	u64 counter;
	unsigned long backtrack[DLOCK_REPLAY_BITS_TOTAL / BITS_PER_LONG];
};

/* What the clear header of a sealed datagram says. */
struct dlock_seal_hdr {
	u32 cell_id;
	u32 src;
	u64 counter;
};

/*
 * Seal @len bytes of @plain into @out (room for @len + DLOCK_SEAL_OVERHEAD)
 * from node @src of cell @cell_id with @counter.
 */
void dlock_seal(u8 *out, const u8 *plain, size_t len, u32 cell_id, u32 src,
		u64 counter, const u8 key[DLOCK_KEY_LEN]);

/*
 * Read the clear header of a sealed datagram of @len bytes.  Returns false
 * when @len is too short to hold a header and a tag.
 */
bool dlock_seal_peek(const u8 *sealed, size_t len, struct dlock_seal_hdr *hdr);

/*
 * Authenticate and decrypt @len sealed bytes into @plain (room for
 * @len - DLOCK_SEAL_OVERHEAD).  Returns false for a forgery: the plaintext
 * must then not be used.
 */
bool dlock_unseal(u8 *plain, const u8 *sealed, size_t len,
		  const struct dlock_seal_hdr *hdr, const u8 key[DLOCK_KEY_LEN]);

/*
 * Accept @counter once: true the first time an authenticated counter within
 * the window is seen, false for a replay or one too old.  Only call it after
 * dlock_unseal() succeeded, so forgeries cannot move the window.
 */
bool dlock_replay_check(struct dlock_replay *r, u64 counter);

#endif /* DLOCK_CRYPTO_H */
